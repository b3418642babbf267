using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Audit;

/// <summary>The audit module: the disclosure trail and the organisation's auditor accounts.</summary>
public static class AuditModule
{
    /// <summary>Registers the module's services.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services) => services
        .AddSingleton<AuditService>()
        .AddSingleton<AccessHistoryService>()
        .AddSingleton<AuditorService>();
}
