using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Builder;

namespace HealthLedger.Node.Web;

/// <summary>
/// The request side of <see cref="DisclosureRecorder"/>'s guarantee that a read is served only once its disclosures are
/// durable: each request runs in a <see cref="DisclosureRecorder.DeferDurability"/> scope, so recording a read does not
/// block a thread; the answer waits (asynchronously) for the store write when the response starts (before its headers and
/// any byte of its body are sent) and again when the handler returns (so a failed write surfaces as the handler's own
/// exception, a 500, when the answer has not started). A write that fails ends the request with the store's exception
/// instead of the answer.
/// </summary>
public static class DisclosureDurability
{
    /// <summary>Adds the scope to every request after this point of the pipeline (before the endpoints).</summary>
    public static IApplicationBuilder UseDisclosureDurability(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var scope = DisclosureRecorder.DeferDurability();
            context.Response.OnStarting(() => scope.WaitAsync(close: true));
            await next(context);
            await scope.WaitAsync(close: true);
        });
}
