using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Consortium;

/// <summary>The consortium module: members, nodes, the governance policy and proposals (<c>/api/v1/consortium</c>, the Consortium page).</summary>
public static class ConsortiumModule
{
    /// <summary>Registers the module's services.</summary>
    public static IServiceCollection AddConsortium(this IServiceCollection services) => services
        .AddSingleton<NodeProbe>()
        .AddSingleton<ConsortiumService>();
}
