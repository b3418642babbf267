using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Security;

/// <summary>
/// What a request is, for answering it: a browser page (HTML: the error page in the layout, a redirect to the login page) or
/// an API/JSON client (problem details, 401). Paths under <c>/api</c>, <c>/healthz</c>, <c>/fhir</c> and <c>/openapi</c> are
/// always JSON; any other path gets HTML unless its <c>Accept</c> header prefers JSON: JSON's quality (<c>application/json</c>,
/// or a JSON type the header names: <c>application/problem+json</c>, <c>application/hal+json</c>, <c>text/json</c>) above
/// HTML's (<c>text/html</c>), each weighed by the most specific range that matches it (RFC 9110 §12.5.1:
/// <c>text/html;q=0.1, application/json</c> is JSON, <c>application/json;q=0, */*</c> is HTML); at the same quality, the
/// type the header names over one only a wildcard covers (<c>application/json, text/plain, */*</c> is JSON). A browser's
/// <c>Accept</c> names <c>text/html</c>; a request without <c>Accept</c>, one that weighs the two alike, or one that cannot
/// be parsed gets HTML. Used by the login redirect and the
/// rate limits here and by <c>Web.ErrorPages</c>.
/// </summary>
public static class BrowserRequests
{
    /// <summary>The <see cref="HttpContext.Items"/> key of an error's message (a rate limit puts its own words here; the error page and problem show it).</summary>
    public const string MessageKey = "HealthLedger.ErrorMessage";

    /// <summary>True when the request should be answered with an HTML page (see the class remarks).</summary>
    public static bool WantsHtml(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/fhir") || path.StartsWithSegments("/openapi")) return false;
        var accept = request.Headers.Accept;
        if (accept.Count == 0) return true;
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParseList(accept, out var ranges) || ranges.Count == 0) return true;
        // JSON: application/json, and any JSON type the client names itself (application/hal+json, text/json…).
        var json = Weigh(ranges, "application/json");
        foreach (var range in ranges)
        {
            if (range.MatchesAllSubTypes || !IsJson(range)) continue;
            var named = Weigh(ranges, range.MediaType.Value!);
            if (named.CompareTo(json) > 0) json = named;
        }
        // Preferred by quality; at the same quality, the type the client named over one a wildcard covers
        // ("application/json, text/plain, */*" is JSON, a browser's "text/html, …, */*;q=0.8" HTML); a full tie is HTML.
        return json.Quality <= 0 || json.CompareTo(Weigh(ranges, "text/html")) <= 0;
    }

    private static bool IsJson(Microsoft.Net.Http.Headers.MediaTypeHeaderValue range) =>
        range.SubType.Equals("json", StringComparison.OrdinalIgnoreCase) || range.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);

    // The quality the Accept ranges give a media type, with the specificity of the range it comes from: the most specific range
    // matching it (an exact type 3, a subtype's suffix such as application/*+json 2, type/* 1, */* 0); quality 0 when none does
    // (RFC 9110 §12.5.1).
    private static (double Quality, int Specificity) Weigh(IList<Microsoft.Net.Http.Headers.MediaTypeHeaderValue> ranges, string mediaType)
    {
        var type = Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType);
        (double Quality, int Specificity) best = (0, -1);
        foreach (var range in ranges)
        {
            // Parameters other than q (charset=utf-8) do not narrow the match here.
            if (!type.IsSubsetOf(new Microsoft.Net.Http.Headers.MediaTypeHeaderValue(range.MediaType))) continue;
            var specificity = range.MatchesAllTypes ? 0 : range.MatchesAllSubTypes ? 1 : range.MatchesAllSubTypesWithoutSuffix ? 2 : 3;
            if (specificity <= best.Specificity) continue;
            best = (range.Quality ?? 1.0, specificity);
        }
        return best;
    }

    /// <summary>The path and query of a request without its Razor Pages <c>handler</c> (the page a form was posted from, as a GET).</summary>
    public static string PageOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.QueryString.Value);
        var kept = query.Where(q => !string.Equals(q.Key, "handler", StringComparison.OrdinalIgnoreCase))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)));
        var path = request.PathBase.Add(request.Path).Value is { Length: > 0 } p ? p : "/";
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(path, kept);
    }
}
