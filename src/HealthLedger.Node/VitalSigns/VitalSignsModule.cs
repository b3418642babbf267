using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.VitalSigns;

/// <summary>The vital-signs module: temperature, pulse, blood pressure, respiration, SpO₂, weight.</summary>
public static class VitalSignsModule
{
    /// <summary>Registers the module's services and its record kind.</summary>
    public static IServiceCollection AddVitalSigns(this IServiceCollection services) => services
        .AddRecordKind<VitalSignsStore>()
        .AddSingleton<VitalSignsService>();
}
