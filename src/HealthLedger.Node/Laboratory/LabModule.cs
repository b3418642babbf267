using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Laboratory;

/// <summary>The pathology laboratory module: catalogue, orders, specimens, results, validation, worklists, turnaround (its staff are registered through Staff/).</summary>
public static class LabModule
{
    /// <summary>Registers the module's services and its two record kinds (catalogues, orders).</summary>
    public static IServiceCollection AddLaboratory(this IServiceCollection services) => services
        .AddRecordKind<LabCatalogueStore>()
        .AddRecordKind<LabOrderStore>()
        .AddSingleton<LabService>();
}
