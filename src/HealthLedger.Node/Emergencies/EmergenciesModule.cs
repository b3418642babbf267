using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// The emergencies module: declared emergencies (<c>/api/v1/emergencies</c>), break-glass access and its review
/// (<c>/api/v1/patients/{id}/break-glass</c>, <c>/api/v1/break-glass</c>), and the custodian node's automatic key wrapping (for rescuers in an emergency, and for another organisation's doctor who broke the glass outside one).
/// </summary>
public static class EmergenciesModule
{
    /// <summary>Registers the module's services.</summary>
    public static IServiceCollection AddEmergencies(this IServiceCollection services)
    {
        services.AddSingleton<EmergencyService>();
        services.AddSingleton<BreakGlassService>();
        services.AddBreakGlassLimits();
        services.AddSingleton<BreakGlassKeyWrapper>();
        services.AddSingleton<EmergencyKeyWrapper>();
        services.AddSingleton<EmergencyNotices>();
        services.AddHostedService(sp => sp.GetRequiredService<EmergencyKeyWrapper>());
        return services;
    }
}
