using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Records;

/// <summary>The shared core of the hospital modules: the read model, access policy, disclosure recording and the write path.</summary>
public static class RecordsModule
{
    /// <summary>Registers the shared services (the modules add their record kinds).</summary>
    public static IServiceCollection AddRecords(this IServiceCollection services)
    {
        services.AddSingleton<RecordReadModel>();
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<CategoryKeyring>();
        services.AddSingleton<RecordAccess>();
        services.AddSingleton<RecordWriter>();
        services.AddSingleton<RecordHistory>();
        services.AddSingleton<DisclosureRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<DisclosureRecorder>());
        return services;
    }
}
