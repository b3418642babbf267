using HealthLedger.Node.People;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Home;

/// <summary>The home module: people's names for the UI, the role dashboards' notices and the header's notification count.</summary>
public static class HomeModule
{
    /// <summary>Registers the module's services.</summary>
    public static IServiceCollection AddHome(this IServiceCollection services) => services
        .AddScoped<PersonNames>()
        .AddSingleton<NotificationMarks>()
        .AddScoped<Notifications>();
}
