using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Wards;

/// <summary>The wards module: the organisation's ward and bed list.</summary>
public static class WardsModule
{
    /// <summary>Registers the module's services and its record kind.</summary>
    public static IServiceCollection AddWards(this IServiceCollection services) => services
        .AddRecordKind<WardStore>()
        .AddSingleton<WardService>();
}
