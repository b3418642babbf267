using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Web;

/// <summary>
/// HEAD wherever GET is answered (RFC 9110 §9.3.2: the same status and headers as GET, no content). Minimal-API endpoints
/// are mapped for GET only, so routing alone answers HEAD with 405. Here a HEAD request is routed as a GET and then carries
/// HEAD again through the rest of the pipeline: the endpoint runs as for GET (the same access checks, and a read of health
/// data is recorded as a disclosure as any read is), and the server sends no content for a HEAD request whatever the
/// endpoint writes. A 405 answer's <c>Allow</c> names HEAD beside GET.
/// </summary>
internal static class HeadRequests
{
    private const string HeadKey = "HealthLedger.Head";

    /// <summary>
    /// Routes the request (<c>UseRouting</c>) with HEAD taken as GET. Call it first, in place of the routing the host would
    /// add at the pipeline's start.
    /// </summary>
    public static IApplicationBuilder UseRoutingWithHead(this IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            if (HttpMethods.IsHead(context.Request.Method))
            {
                context.Items[HeadKey] = true;
                context.Request.Method = HttpMethods.Get;
            }
            return next(context);
        });
        app.UseRouting();
        return app.Use((context, next) =>
        {
            if (context.Items.ContainsKey(HeadKey))
            {
                context.Request.Method = HttpMethods.Head;
                if (context.GetEndpoint()?.Metadata.GetMetadata<WritesWhenReadAttribute>() is not null) return RefuseHead(context);
            }
            ShadowedAddresses.Refuse(context); // a literal address asked with a method only a parameter route beside it takes: 405
            if (context.GetEndpoint()?.DisplayName == "405 HTTP Method Not Supported")
            {
                context.Response.OnStarting(() =>
                {
                    // HEAD beside GET, unless the GET that matches is one that takes no HEAD (WritesWhenReadAttribute).
                    if (RouteMatches.Of(context).Any(TakesHead)) context.Response.Headers.Allow = WithHead(context.Response.Headers.Allow.ToString());
                    return Task.CompletedTask;
                });
            }
            return next(context);
        });
    }

    /// <summary>
    /// 405 with <c>Allow: GET</c> for a HEAD of an address whose GET does more than read (<see cref="WritesWhenReadAttribute"/>):
    /// a link checker's or monitor's HEAD must not record a printout nobody received. A HEAD answer has no content.
    /// </summary>
    public static Task RefuseHead(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = HttpMethods.Get;
        return Task.CompletedTask;
    }

    /// <summary>True when <paramref name="endpoint"/> answers GET and so HEAD too (not one marked <see cref="WritesWhenReadAttribute"/>).</summary>
    public static bool TakesHead(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase) == true
            && endpoint.Metadata.GetMetadata<WritesWhenReadAttribute>() is null;
    }

    /// <summary>The methods with HEAD added after GET when GET is among them and HEAD is not (an <c>Allow</c> list).</summary>
    public static IReadOnlyList<string> WithHead(IReadOnlyList<string> methods)
    {
        if (!methods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase) || methods.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase)) return methods;
        var list = methods.ToList();
        list.Insert(list.FindIndex(m => HttpMethods.IsGet(m)) + 1, HttpMethods.Head);
        return list;
    }

    private static string WithHead(string allow) =>
        allow.Length == 0 ? allow : string.Join(", ", WithHead(allow.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));
}

/// <summary>
/// Marks a GET endpoint whose request does more than read: its answer is recorded on the chain as it is sent (a printout: its
/// SHA-256 and a verification code), or it starts work (a FHIR bulk export's kick-off). It takes no HEAD
/// (<see cref="HeadRequests.RefuseHead"/>): a HEAD would record a printout nobody received, or start an export nobody collects.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class WritesWhenReadAttribute : Attribute;
