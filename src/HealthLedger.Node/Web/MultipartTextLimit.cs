using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace HealthLedger.Node.Web;

/// <summary>
/// Holds the text fields of a <c>multipart/form-data</c> body to the form reader's value limit
/// (<see cref="FormOptions.ValueLengthLimit"/>, 4 MiB), which ASP.NET Core applies to URL-encoded forms only: its multipart
/// reader takes a text part whole, into one string, up to the limit of a part (<see cref="FormOptions.MultipartBodyLengthLimit"/>,
/// a document's size here). That matters only where a body may be larger than the value limit: the upload pages
/// (<see cref="FormReadFilter"/>) and the report upload's <c>metadata</c> part (<c>ReportsApi</c>). A text part is measured in
/// bytes as sent; a file part (one with a file name) is not limited here.
/// </summary>
internal static class MultipartTextLimit
{
    /// <summary>The form reader's value limit for this request's node (<see cref="FormOptions.ValueLengthLimit"/>).</summary>
    public static int For(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return (http.RequestServices.GetService<IOptions<FormOptions>>()?.Value ?? new FormOptions()).ValueLengthLimit;
    }

    /// <summary>
    /// Before a page's form is read (<see cref="HttpRequest.ReadFormAsync(CancellationToken)"/>): when the request is multipart
    /// and its body may hold a text part over the value limit (its cap, <paramref name="cap"/>, and its declared length are
    /// both larger, or it has no declared length), reads the body once through a rewindable buffer (kept on disk past 30 KB,
    /// as the form reader keeps files; the form reader then reads the same buffer, files included) and measures each text
    /// part without keeping it. A part over the limit stops the reading there: nothing past it is read or buffered.
    /// </summary>
    /// <exception cref="InvalidDataException">A text part is longer than the limit (the form reader's own words, "Form value
    /// length limit … exceeded.", which <see cref="FormLimits.Describe"/> answers 413), or the parts' headers are over their limits.</exception>
    public static async Task CheckFormAsync(HttpRequest request, long? cap, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limit = For(request.HttpContext);
        if ((cap is { } c && c <= limit) || (request.ContentLength is { } length && length <= limit)) return;
        if (Boundary(request) is not { } boundary) return; // the form reader refuses it, in its words
        var options = request.HttpContext.RequestServices.GetService<IOptions<FormOptions>>()?.Value ?? new FormOptions();
        request.EnableBuffering();
        var reader = new MultipartReader(boundary, request.Body)
        {
            HeadersCountLimit = options.MultipartHeadersCountLimit,
            HeadersLengthLimit = options.MultipartHeadersLengthLimit,
        };
        // The parts as the form reader takes them: one with a file name is a file, a form-data one without is text.
        for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.IsFileDisposition()
                || !disposition.IsFormDisposition())
            {
                continue;
            }
            if (await MeasureAsync(section.Body, limit, ct) > limit) throw new InvalidDataException($"Form value length limit {limit} exceeded.");
        }
        request.Body.Position = 0;
    }

    /// <summary>
    /// A text part read whole as UTF-8 (a byte order mark honoured) when it holds at most <paramref name="limit"/> bytes; null,
    /// having read no more than one byte past the limit, when it is longer.
    /// </summary>
    public static async Task<string?> ReadAsync(Stream part, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(part);
        using var kept = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            for (int read; (read = await part.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit + 1L - kept.Length)), ct)) > 0;)
            {
                kept.Write(buffer, 0, read);
                if (kept.Length > limit) return null;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        kept.Position = 0;
        using var text = new StreamReader(kept);
        return await text.ReadToEndAsync(ct);
    }

    /// <summary>The multipart boundary of a request, or null when it is not <c>multipart/form-data</c> or names none.</summary>
    public static string? Boundary(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value is { Length: > 0 } b ? b : null
            : null;
    }

    // The bytes of a part, counted up to one past the limit (the rest is left for the reader's next section to skip).
    private static async Task<long> MeasureAsync(Stream part, int limit, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            long total = 0;
            for (int read; total <= limit && (read = await part.ReadAsync(buffer, ct)) > 0;) total += read;
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
