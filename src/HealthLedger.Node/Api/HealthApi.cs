using HealthLedger.Node.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Api;

/// <summary>GET /healthz.</summary>
public static class HealthApi
{
    /// <summary>Maps the health endpoint.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (LedgerNode node) =>
        {
            var tip = node.Tip;
            return TypedResults.Ok(new HealthResponse("ok", node.Network.NetworkId, node.NodeId, tip.Height, tip.Hash.ToString(), tip.StateRoot.ToString(), node.Mempool.Count));
        })
        .WithName("Health")
        .WithSummary("Node health, height and state root")
        .WithTags("Node");
        return app;
    }
}
