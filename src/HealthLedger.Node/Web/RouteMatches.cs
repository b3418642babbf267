using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace HealthLedger.Node.Web;

/// <summary>
/// The route endpoints whose pattern matches a request's path, whatever their HTTP method: for the answers routing cannot
/// give with what it chose (its own 415 endpoint carries no metadata; a catch-all endpoint answers a known path asked with
/// another method). Matches patterns again (route constraints aside), so only a refused request pays for it.
/// </summary>
internal static class RouteMatches
{
    /// <summary>The endpoints other than the request's own whose route pattern matches its path.</summary>
    public static IEnumerable<RouteEndpoint> Of(HttpContext http)
    {
        var path = http.Request.Path;
        var current = http.GetEndpoint();
        var endpoints = http.RequestServices.GetService(typeof(EndpointDataSource)) is EndpointDataSource source ? source.Endpoints : [];
        foreach (var endpoint in endpoints.OfType<RouteEndpoint>())
        {
            if (ReferenceEquals(endpoint, current)) continue;
            if (new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary()).TryMatch(path, new RouteValueDictionary())) yield return endpoint;
        }
    }

    /// <summary>
    /// The HTTP methods the endpoints matching the request's path take (<see cref="Of"/>), HEAD with GET
    /// (<see cref="HeadRequests"/>; not for a GET that takes no HEAD, <see cref="WritesWhenReadAttribute"/>), in a stable order.
    /// </summary>
    public static IReadOnlyList<string> MethodsOf(HttpContext http) => AllowOf(Of(http).ToList());

    /// <summary>
    /// The HTTP methods <paramref name="endpoints"/> take, as an <c>Allow</c> list: HEAD with GET (not for a GET that takes no
    /// HEAD, <see cref="WritesWhenReadAttribute"/>), in a stable order.
    /// </summary>
    public static IReadOnlyList<string> AllowOf(IReadOnlyCollection<Endpoint> endpoints)
    {
        var methods = endpoints.SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal).ToList();
        return endpoints.Any(HeadRequests.TakesHead) ? HeadRequests.WithHead(methods) : methods;
    }
}
