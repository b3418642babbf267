using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace HealthLedger.Node.Web;

/// <summary>
/// Literal addresses that a route with a parameter in the same place takes over for the methods they do not take: routing
/// prefers <c>transactions/batch</c> (POST) to <c>transactions/{id}</c> (GET) only among the endpoints of the request's method,
/// so a GET of <c>/api/v1/transactions/batch</c> ran the GET by id with the id "batch" (400), and a GET of
/// <c>/api/v1/verify/file</c> looked for a transaction "file" (404). Such a request is answered as routing answers any known
/// address asked with a method it does not take: 405 with <c>Allow</c> naming what the literal address takes
/// (RFC 9110 §15.5.6). The pairs are found once per endpoint set; a request pays only when its endpoint has such a
/// literal sibling. The FHIR base is left out: its generic <c>{type}</c> routes answer <c>metadata</c> and the <c>$</c>
/// operations in FHIR's terms themselves.
/// </summary>
internal static class ShadowedAddresses
{
    /// <summary>The display name of the answering endpoint (the one routing uses is "405 HTTP Method Not Supported").</summary>
    public const string DisplayName = "405 HTTP Method Not Supported (a literal address)";

    private static readonly ConditionalWeakTable<EndpointDataSource, ShadowMap> Maps = new();

    // Routing's own answer for an address whose routes take other methods only.
    private const string RoutingMethodNotAllowed = "405 HTTP Method Not Supported";

    /// <summary>
    /// When the request's endpoint answers, through a parameter, an address that a literal route names but does not take the
    /// request's method for, replaces the endpoint with a 405 naming what the literal route takes.
    /// </summary>
    public static void Refuse(HttpContext context)
    {
        if (context.RequestServices.GetService(typeof(EndpointDataSource)) is not EndpointDataSource source) return;
        var map = Maps.GetValue(source, Find);
        // Routing's own 405 at a literal address names the parameter route's methods too (GET beside POST-only 'batch'):
        // its Allow is the literal address's as well.
        var literals = context.GetEndpoint() switch
        {
            RouteEndpoint { RoutePattern.RawText: { } pattern } when map.Pairs.TryGetValue(pattern, out var found) => found,
            { DisplayName: RoutingMethodNotAllowed } => map.All,
            _ => null,
        };
        if (literals is null) return;
        var method = HttpMethods.IsHead(context.Request.Method) ? HttpMethods.Get : context.Request.Method;
        var matching = literals.Where(l => l.Matcher.TryMatch(context.Request.Path, [])).Select(l => l.Endpoint).ToList();
        if (matching.Count == 0 || matching.Any(l => Methods(l).Contains(method, StringComparer.OrdinalIgnoreCase))) return;
        var allow = string.Join(", ", RouteMatches.AllowOf(matching));
        context.SetEndpoint(new Endpoint(c =>
        {
            c.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            c.Response.Headers.Allow = allow;
            return Task.CompletedTask;
        }, EndpointMetadataCollection.Empty, DisplayName));
    }

    /// <summary>Every route of <paramref name="source"/> with the literal routes it can answer for (for tests and diagnostics).</summary>
    public static IEnumerable<(RouteEndpoint Route, RouteEndpoint Literal)> PairsOf(EndpointDataSource source)
    {
        var pairs = Maps.GetValue(source, Find).Pairs;
        return source.Endpoints.OfType<RouteEndpoint>().Where(e => e.RoutePattern.RawText is { } raw && pairs.ContainsKey(raw))
            .SelectMany(e => pairs[e.RoutePattern.RawText!].Select(l => (e, l.Endpoint)));
    }

    private static IReadOnlyList<string> Methods(Endpoint endpoint) => endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];

    // Each route pattern (its text: the endpoint objects routing holds are not those the service's data source hands out) with
    // the literal routes it can shadow: the same number of simple segments, the same literals where it
    // has literals, and a literal in at least one place where it has a parameter; the literal route declares its methods.
    private static ShadowMap Find(EndpointDataSource source)
    {
        var routes = source.Endpoints.OfType<RouteEndpoint>().Where(e => e.RoutePattern.RawText is not null && Simple(e.RoutePattern) && !UnderFhir(e.RoutePattern)).ToList();
        var literals = routes.Where(e => Methods(e).Count > 0).ToList();
        var pairs = new Dictionary<string, Literal[]>(StringComparer.Ordinal);
        foreach (var route in routes.Where(e => e.RoutePattern.Parameters.Count > 0).DistinctBy(e => e.RoutePattern.RawText))
        {
            var shadowed = literals.Where(l => Shadows(route.RoutePattern, l.RoutePattern))
                .Select(l => new Literal(l, new TemplateMatcher(new RouteTemplate(l.RoutePattern), []))).ToArray();
            if (shadowed.Length > 0) pairs[route.RoutePattern.RawText!] = shadowed;
        }
        return new ShadowMap(pairs, [.. pairs.Values.SelectMany(l => l).DistinctBy(l => l.Endpoint.DisplayName)]);
    }

    private sealed record Literal(RouteEndpoint Endpoint, TemplateMatcher Matcher);

    private sealed record ShadowMap(Dictionary<string, Literal[]> Pairs, Literal[] All);

    private static bool Simple(RoutePattern pattern) =>
        pattern.PathSegments.All(s => s.IsSimple && s.Parts[0] is not RoutePatternParameterPart { IsCatchAll: true });

    private static bool UnderFhir(RoutePattern pattern) =>
        pattern.RawText is { } raw && raw.TrimStart('/').StartsWith(Fhir.FhirApi.BasePath.TrimStart('/'), StringComparison.OrdinalIgnoreCase);

    private static bool Shadows(RoutePattern route, RoutePattern literal)
    {
        if (route.PathSegments.Count != literal.PathSegments.Count) return false;
        var shadowed = false;
        for (var i = 0; i < route.PathSegments.Count; i++)
        {
            var (a, b) = (route.PathSegments[i].Parts[0], literal.PathSegments[i].Parts[0]);
            switch (a, b)
            {
                case (RoutePatternLiteralPart x, RoutePatternLiteralPart y) when string.Equals(x.Content, y.Content, StringComparison.OrdinalIgnoreCase):
                case (RoutePatternParameterPart, RoutePatternParameterPart):
                    continue;
                case (RoutePatternParameterPart, RoutePatternLiteralPart):
                    shadowed = true;
                    continue;
                default:
                    return false;
            }
        }
        return shadowed;
    }
}
