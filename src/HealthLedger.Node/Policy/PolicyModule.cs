using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Policy;

/// <summary>The policy module: the network policy (how long care relationships last).</summary>
public static class PolicyModule
{
    /// <summary>Registers the module's services.</summary>
    public static IServiceCollection AddPolicy(this IServiceCollection services) => services
        .AddSingleton<PolicyService>();
}
