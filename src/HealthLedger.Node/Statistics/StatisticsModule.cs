using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Statistics;

/// <summary>The statistics module: the admin reports.</summary>
public static class StatisticsModule
{
    /// <summary>Registers the module's services.</summary>
    public static IServiceCollection AddStatistics(this IServiceCollection services) => services
        .AddSingleton<StatisticsService>();
}
