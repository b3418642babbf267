using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Http;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Web;

/// <summary>
/// Error answers under <c>/fhir</c> in FHIR's terms: wherever the pipeline answers an error before (or instead of) the FHIR
/// endpoints — the exception handler, the empty-status answers (<see cref="ErrorPages"/>), request binding and body limits
/// (<see cref="BindingProblems"/>), admission control, the rate limiter, the authentication challenge — a request to
/// <c>/fhir/**</c> gets an <c>OperationOutcome</c> (JSON, or XML when <c>_format</c> or <c>Accept</c> asks for it) with the
/// status, never the site's HTML error page or an RFC 9457 problem. The interface's own errors are written by
/// <c>Fhir/FhirOutcomes</c>; this is the shared core's side, so it needs nothing from the FHIR module.
/// </summary>
public static class FhirErrors
{
    /// <summary>The JSON media type written (as the FHIR endpoints write it).</summary>
    public const string JsonContentType = "application/fhir+json; fhirVersion=4.0; charset=utf-8";

    /// <summary>The XML media type written.</summary>
    public const string XmlContentType = "application/fhir+xml; fhirVersion=4.0; charset=utf-8";

    /// <summary>True for a request to the FHIR interface (<c>/fhir</c> and below).</summary>
    public static bool IsFhir(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Path.StartsWithSegments("/fhir", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The issue type of an error status (operationoutcome.html, issue-type).</summary>
    public static OperationOutcome.IssueType IssueType(int status) => status switch
    {
        StatusCodes.Status400BadRequest => OperationOutcome.IssueType.Invalid,
        StatusCodes.Status401Unauthorized => OperationOutcome.IssueType.Login,
        StatusCodes.Status403Forbidden => OperationOutcome.IssueType.Forbidden,
        StatusCodes.Status404NotFound => OperationOutcome.IssueType.NotFound,
        StatusCodes.Status405MethodNotAllowed or StatusCodes.Status406NotAcceptable or StatusCodes.Status415UnsupportedMediaType => OperationOutcome.IssueType.NotSupported,
        StatusCodes.Status409Conflict or StatusCodes.Status412PreconditionFailed => OperationOutcome.IssueType.Conflict,
        StatusCodes.Status413PayloadTooLarge => OperationOutcome.IssueType.TooCostly,
        StatusCodes.Status429TooManyRequests => OperationOutcome.IssueType.Throttled,
        StatusCodes.Status503ServiceUnavailable => OperationOutcome.IssueType.Transient,
        >= 500 => OperationOutcome.IssueType.Exception,
        _ => OperationOutcome.IssueType.Processing,
    };

    /// <summary>What an error of <paramref name="status"/> is told when the answering step has no words of its own (never health data).</summary>
    public static string DefaultMessage(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read. Nothing was changed.",
        StatusCodes.Status401Unauthorized => "Send 'Authorization: Bearer <accessToken>' with a token from POST /api/v1/auth/token.",
        StatusCodes.Status403Forbidden => "You may not do this. Nothing was changed.",
        StatusCodes.Status404NotFound => "There is nothing at this address; GET /fhir/R4/metadata lists what this server serves.",
        StatusCodes.Status405MethodNotAllowed => "This address does not take that method. Nothing was changed.",
        StatusCodes.Status413PayloadTooLarge => "The request body is too large. Nothing was changed.",
        StatusCodes.Status415UnsupportedMediaType => "The body's media type is not supported: send application/fhir+json or application/fhir+xml.",
        StatusCodes.Status429TooManyRequests => "Too many requests in a short time: wait and try again. Nothing was changed.",
        StatusCodes.Status503ServiceUnavailable => "The node is busy: try again shortly. Nothing was done or saved.",
        >= 500 => "The server could not complete the request. Nothing was changed unless a confirmation was shown.",
        _ => "The request could not be completed.",
    };

    /// <summary>The OperationOutcome of one error issue, of <paramref name="code"/> when given (the status's <see cref="IssueType"/> otherwise).</summary>
    public static OperationOutcome Outcome(int status, string message, string? expression = null, OperationOutcome.IssueType? code = null) => new()
    {
        Issue =
        [
            new OperationOutcome.IssueComponent
            {
                Severity = status >= 500 && (status != StatusCodes.Status503ServiceUnavailable || code == OperationOutcome.IssueType.Exception)
                    ? OperationOutcome.IssueSeverity.Fatal : OperationOutcome.IssueSeverity.Error,
                Code = code ?? IssueType(status),
                Diagnostics = message,
                Expression = expression is null ? [] : [expression],
            },
        ],
    };

    /// <summary>
    /// Writes <paramref name="status"/> with an OperationOutcome of one issue (<paramref name="message"/>, or the status's
    /// <see cref="DefaultMessage"/>), in XML when <c>_format</c> or <c>Accept</c> names XML and JSON otherwise. Headers already
    /// set (<c>Retry-After</c>, <c>WWW-Authenticate</c>) are kept. <paramref name="code"/>: the issue's type, when not the status's.
    /// </summary>
    public static async Task WriteAsync(HttpContext http, int status, string? message = null, string? expression = null, OperationOutcome.IssueType? code = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var response = http.Response;
        if (response.HasStarted) return;
        var outcome = Outcome(status, message ?? DefaultMessage(status), expression, code);
        var xml = WantsXml(http.Request);
        response.StatusCode = status;
        response.ContentType = xml ? XmlContentType : JsonContentType;
        response.ContentLength = null;
        await response.WriteAsync(xml ? outcome.ToXml() : outcome.ToJson(), http.RequestAborted);
    }

    /// <summary>
    /// True when the answer is to be XML, as the FHIR endpoints choose it (<c>Fhir/FhirFormats.Negotiate</c>, which uses
    /// <see cref="IsXml"/> too): <c>_format</c> when given, else the first media type of <c>Accept</c> by quality that names
    /// JSON or XML; JSON otherwise. An error then comes in the format the endpoint's own answer would have.
    /// </summary>
    public static bool WantsXml(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var format = request.Query.TryGetValue("_format", out var f) ? f.ToString() : "";
        if (format.Length > 0) return IsXml(format) == true;
        if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            foreach (var type in accepted.OrderByDescending(a => a.Quality ?? 1.0))
            {
                if (IsXml(type.MediaType.ToString()) is { } xml) return xml;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether a <c>_format</c> value or media type names FHIR's XML (true) or JSON (false; also <c>*/*</c> and
    /// <c>application/*</c>, JSON being the default); null when it names neither (FHIR R4 http.html#mime-type).
    /// </summary>
    public static bool? IsXml(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Split(';')[0].Trim().ToLowerInvariant() switch
        {
            "json" or "application/json" or "application/fhir+json" or "application/json+fhir" or "text/json" or "*/*" or "application/*" => false,
            "xml" or "application/xml" or "application/fhir+xml" or "application/xml+fhir" or "text/xml" => true,
            _ => null,
        };
    }
}
