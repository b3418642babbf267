using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Security;

/// <summary>
/// What a request is, for answering it: a browser page (HTML: the error page in the layout, a redirect to the login page) or
/// an API/JSON client (problem details, 401). Paths under <c>/api</c>, <c>/healthz</c>, <c>/fhir</c> and <c>/openapi</c> are
/// always JSON; any other path gets HTML unless its <c>Accept</c> header prefers JSON: JSON's quality (<c>application/json</c>
/// or a <c>+json</c> type such as <c>application/problem+json</c>) above HTML's (<c>text/html</c>), each weighed by the most
/// specific range that matches it (RFC 9110 §12.5.1: <c>text/html;q=0.1, application/json</c> is JSON,
/// <c>application/json;q=0, */*</c> is HTML). A browser's <c>Accept</c> names <c>text/html</c> first; a request without
/// <c>Accept</c>, one that weighs the two alike, or one that cannot be parsed gets HTML. Used by the login redirect and the
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
        var json = Math.Max(Quality(ranges, "application/json"), Quality(ranges, "application/problem+json"));
        return json <= Quality(ranges, "text/html");
    }

    // The quality the Accept ranges give a media type: that of the most specific range matching it (an exact type, then a
    // subtype's suffix such as application/*+json, then type/*, then */*), 0 when none does (RFC 9110 §12.5.1).
    private static double Quality(IList<Microsoft.Net.Http.Headers.MediaTypeHeaderValue> ranges, string mediaType)
    {
        var type = Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType);
        var best = -1;
        var quality = 0.0;
        foreach (var range in ranges)
        {
            // Parameters other than q (charset=utf-8) do not narrow the match here.
            if (!type.IsSubsetOf(new Microsoft.Net.Http.Headers.MediaTypeHeaderValue(range.MediaType))) continue;
            var specificity = range.MatchesAllTypes ? 0 : range.MatchesAllSubTypes ? 1 : range.MatchesAllSubTypesWithoutSuffix ? 2 : 3;
            if (specificity <= best) continue;
            best = specificity;
            quality = range.Quality ?? 1.0;
        }
        return quality;
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
