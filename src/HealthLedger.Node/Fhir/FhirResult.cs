using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// A FHIR response: one resource (a resource, a Bundle or an OperationOutcome) written in the negotiated format with its
/// status and headers (<c>Location</c>, <c>ETag</c> as <c>W/"version"</c>, <c>Last-Modified</c>), FHIR R4 http.html §3.1.0.
/// </summary>
public sealed class FhirResult(Resource resource, int statusCode = StatusCodes.Status200OK) : IResult
{
    /// <summary>The resource written.</summary>
    public Resource Resource { get; } = resource;

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>A <c>Location</c> header (created resources), relative to the server's base or absolute.</summary>
    public string? Location { get; init; }

    /// <summary>Extra headers (e.g. <c>Retry-After</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        var format = FhirFormats.Negotiate(request) ?? FhirFormat.Json;
        var pretty = request.Query["_pretty"].ToString().Equals("true", StringComparison.OrdinalIgnoreCase);
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = FhirFormats.ContentType(format);
        if (Location is not null) response.Headers.Location = Location;
        if (Resource is not (Bundle or OperationOutcome) && Resource.Meta?.VersionId is { Length: > 0 } version) response.Headers.ETag = $"W/\"{version}\"";
        if (Resource is not (Bundle or OperationOutcome) && Resource.Meta?.LastUpdated is { } updated) response.Headers.LastModified = updated.ToString("R");
        foreach (var (name, value) in Headers) response.Headers[name] = value;
        var text = FhirFormats.Serialize(Resource, format, pretty);
        if (HttpMethods.IsHead(request.Method))
        {
            // HEAD: the headers GET would send, no body.
            response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(text);
            return;
        }
        await response.WriteAsync(text, httpContext.RequestAborted);
    }
}
