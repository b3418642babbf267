using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Consent;

/// <summary>The consent module: the patient's grants and revocations, and doctors' requests for access (referrals).</summary>
public static class ConsentModule
{
    /// <summary>Registers the module's services.</summary>
    public static IServiceCollection AddConsent(this IServiceCollection services) => services
        .AddSingleton<GrantIndex>()
        .AddSingleton<ConsentService>()
        .AddSingleton<AccessRequestService>();
}
