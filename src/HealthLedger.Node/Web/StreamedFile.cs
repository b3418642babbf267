using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Web;

/// <summary>
/// Streams a decrypted file straight to the response (never to disk). <paramref name="writeTo"/> checks the stored bytes
/// before it writes the first byte and returns an error text (or null): an error before the first byte is a 409 problem,
/// one after it aborts the response.
/// </summary>
public sealed class StreamedFile(string contentType, string name, Func<Stream, CancellationToken, Task<string?>> writeTo) : IResult
{
    /// <inheritdoc/>
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var output = new HeaderOnFirstWrite(httpContext, contentType, name);
        var error = await writeTo(output, httpContext.RequestAborted);
        if (error is null) return;
        // The node's stored copy failed its check (missing, changed, replaced, not decrypting): the operator is told (1026).
        Log.StoredFileFailedCheck(httpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StreamedFile)), error); // not the file's name: it may name the patient
        if (!output.Started)
        {
            await Results.Problem(statusCode: 409, title: "The file failed its check", detail: $"The report's file cannot be given out: {error}.").ExecuteAsync(httpContext);
            return;
        }
        httpContext.Abort();
    }

    private sealed class HeaderOnFirstWrite(HttpContext http, string contentType, string name) : WriteOnlyStream
    {
        public bool Started { get; private set; }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!Started)
            {
                Started = true;
                http.Response.ContentType = contentType;
                // Always a download, never rendered in the browser (an uploaded file is not trusted content), never sniffed.
                http.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { DispositionType = System.Net.Mime.DispositionTypeNames.Attachment, FileName = name }.ToString();
                http.Response.Headers.XContentTypeOptions = "nosniff";
            }
            await http.Response.Body.WriteAsync(buffer, cancellationToken);
        }
    }
}
