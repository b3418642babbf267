using HealthLedger.Node.Printouts;
using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HealthLedger.Node.Laboratory;

/// <summary>The pathology laboratory module: catalogue, orders, specimens, results, validation, report printouts, worklists, turnaround (its staff are registered through Staff/).</summary>
public static class LabModule
{
    /// <summary>
    /// Registers the module's services, its two record kinds (catalogues, orders), its lab report printouts as an
    /// <see cref="IPrintoutSubject"/> and the background writer that bills this organisation's patients for orders validated
    /// by another organisation's laboratory (<see cref="LabChargePoster"/>).
    /// </summary>
    public static IServiceCollection AddLaboratory(this IServiceCollection services)
    {
        services.TryAddSingleton<PrintoutRecorder>();
        return services
            .AddRecordKind<LabCatalogueStore>()
            .AddRecordKind<LabOrderStore>()
            .AddSingleton<LabService>()
            .AddSingleton<IPrintoutSubject>(sp => sp.GetRequiredService<LabService>())
            .AddSingleton<LabChargePoster>()
            .AddHostedService(sp => sp.GetRequiredService<LabChargePoster>());
    }
}
