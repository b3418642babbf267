using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Security;

/// <summary>
/// What a request is, for answering it: a browser page (HTML: the error page in the layout, a redirect to the login page) or
/// an API/JSON client (problem details, 401). Paths under <c>/api</c>, <c>/healthz</c>, <c>/fhir</c> and <c>/openapi</c> are
/// always JSON; any other path gets HTML unless its <c>Accept</c> header names JSON and not <c>text/html</c> (a browser's
/// <c>Accept</c> names <c>text/html</c>; a request without <c>Accept</c> gets HTML). Used by the login redirect and the
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
        var accept = request.Headers.Accept.ToString();
        if (accept.Length == 0) return true;
        return accept.Contains("text/html", StringComparison.OrdinalIgnoreCase) || !accept.Contains("json", StringComparison.OrdinalIgnoreCase);
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
