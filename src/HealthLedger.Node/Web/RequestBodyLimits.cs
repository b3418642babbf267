using HealthLedger.Node.Configuration;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace HealthLedger.Node.Web;

/// <summary>
/// A request body cap per endpoint, set before anything reads the body (Kestrel answers a larger body with 413, mapped to a
/// problem by the exception handler): small where no sign-in is needed (<see cref="Anonymous"/>: the login form,
/// <c>/auth/token</c>), <see cref="Signed"/> for signed-in endpoints, a document's size for uploads
/// (<see cref="DocumentUploadAttribute"/>), or what an endpoint's <see cref="IRequestSizeLimitMetadata"/> says (transactions, batches).
/// The peer service (gRPC) keeps its own message limits.
/// </summary>
public static class RequestBodyLimits
{
    /// <summary>The body cap of endpoints that need no sign-in.</summary>
    public const long Anonymous = 16 * 1024;

    /// <summary>The body cap of signed-in endpoints without a limit of their own.</summary>
    public const long Signed = 1024 * 1024;

    /// <summary>What a multipart form may add to a document's bytes (metadata fields, boundaries).</summary>
    public const long FormOverhead = 1024 * 1024;

    /// <summary>The cap for a request to <paramref name="endpoint"/>, or null to leave the server's (the peer service).</summary>
    public static long? For(Endpoint? endpoint, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (endpoint is null) return Anonymous;
        if (endpoint.Metadata.GetMetadata<DocumentUploadAttribute>() is not null) return options.MaxDocumentBytes + FormOverhead;
        if (endpoint.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } limit) return limit.MaxRequestBodySize;
        var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null || endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0;
        return anonymous ? Anonymous : Signed;
    }

    /// <summary>
    /// The cap for this request: <see cref="For(Endpoint, NodeOptions)"/>, except that a caller who is not signed in gets
    /// <see cref="Anonymous"/> at an upload page open to anyone (<see cref="UploadNeedsSignIn"/>). Needs the request's user
    /// (after authentication).
    /// </summary>
    public static long? For(HttpContext http, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        return UploadNeedsSignIn(http) ? Anonymous : For(http.GetEndpoint(), options);
    }

    /// <summary>
    /// Whether the request is sent without a live session to an endpoint that takes uploads (<see cref="DocumentUploadAttribute"/>)
    /// but is open to anyone: the <c>/verify</c> page, whose code check is public (a GET) and whose file check needs a sign-in.
    /// Such a caller is held to <see cref="Anonymous"/>, so nobody unknown can make the node read and buffer a document-sized body
    /// only to be sent to the login page.
    /// </summary>
    public static bool UploadNeedsSignIn(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.GetEndpoint()?.Metadata is { } metadata && metadata.GetMetadata<DocumentUploadAttribute>() is not null
            && metadata.GetMetadata<IAllowAnonymous>() is not null && http.UserSession() is null;
    }

    /// <summary>What a caller without a session is told whose upload to such a page (<see cref="UploadNeedsSignIn"/>) is over <see cref="Anonymous"/>.</summary>
    public static readonly string SignInToUpload =
        $"Checking a file needs a sign-in: without one this page takes no upload (at most {ErrorPages.Size(Anonymous)}). Sign in, then send the file again. Nothing was uploaded or changed.";

    /// <summary>
    /// The largest file <paramref name="endpoint"/> takes, in bytes, as an upload over its cap is told: a document's
    /// (<see cref="DocumentUploadAttribute"/>: <see cref="NodeOptions.MaxDocumentBytes"/>), a page's own
    /// (<see cref="FileSizeLimitAttribute"/>, for the form of <paramref name="handler"/> it covers), or null (the body cap is the
    /// limit).
    /// </summary>
    public static long? FileLimit(Endpoint? endpoint, NodeOptions options, string? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (endpoint?.Metadata.GetMetadata<DocumentUploadAttribute>() is not null) return options.MaxDocumentBytes;
        return endpoint?.Metadata.GetMetadata<FileSizeLimitAttribute>() is { } page && page.Covers(handler) ? page.Bytes : null;
    }

    /// <summary>
    /// The most a refused body declared over its cap is read and thrown away after the 413 (<see cref="DrainLimitFor"/>).
    /// </summary>
    public const long MaxDrain = 64L * 1024 * 1024;

    /// <summary>
    /// How many bytes of a refused body the node reads and discards after answering, for a cap of <paramref name="cap"/>
    /// bytes: 16 times the cap, at least 1 MiB and at most <see cref="MaxDrain"/>. A larger body gets the 413 and a closed
    /// connection, as Kestrel answers it.
    /// </summary>
    public static long DrainLimitFor(long cap) => Math.Clamp(16 * cap, 1024 * 1024, MaxDrain);

    /// <summary>
    /// Applies <see cref="For(HttpContext, NodeOptions)"/> to every request but the peer service's (after authentication, which
    /// reads no body: the cap may depend on whether the caller is signed in). A body whose declared length (Content-Length) is
    /// over the cap is refused before any of it is read, by the same 413 Kestrel raises (problem, OperationOutcome or page),
    /// and then, when the client is sending it anyway (no <c>Expect: 100-continue</c>) and it is within
    /// <see cref="DrainLimitFor"/>, read and discarded by Kestrel after the answer: a "lingering close" as RFC 9112 §9.6
    /// advises. Closing with the body unread resets the connection, and the reset can destroy the answer before the
    /// client (a browser posting a form, a script without 100-continue) has read it.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app, NodeOptions options) =>
        app.Use((context, next) =>
        {
            var isPeerCall = Hosting.PeerPortGate.IsPeerCall(context.Request);
            // Once per request: the error page's pass (ErrorPages re-runs the pipeline for /error) must not replace the cap
            // and the drain of the endpoint the body was sent to with its own (16 KiB, 1 MiB read away).
            if (!isPeerCall && context.Items.TryAdd(AppliedKey, true) && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                var cap = For(context, options);
                if (cap is { } c && context.Request.ContentLength is { } length && length > c && length <= DrainLimitFor(c)
                    && !context.Request.Headers.Expect.Any(e => e?.Contains("100-continue", StringComparison.OrdinalIgnoreCase) == true))
                {
                    // Kestrel may read (and so drain) the body; the application only ever sees the refusal.
                    feature.MaxRequestBodySize = length;
                    context.Request.Body = new RefusedBody(c);
                }
                else if (cap is { } limit && context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true })
                {
                    // A body of no declared length (chunked) is held to the cap by its decoded bytes, as one that declares its
                    // length is: Kestrel counts the chunks' framing against its own limit (16,000 bytes in 100-byte chunks were
                    // refused at a 16 KiB cap), so its limit leaves room for framing and the cap is counted here. The body meets
                    // the cap only while it is read, maybe by a reader that takes the refusal for a malformed form (antiforgery
                    // answers 400): noted, so the answer is the 413 all the same.
                    feature.MaxRequestBodySize = FramedLimitFor(limit);
                    context.Items[CapKey] = limit;
                    context.Request.Body = new CapWatch(context.Request.Body, context, limit);
                }
                else
                {
                    feature.MaxRequestBodySize = cap;
                }
            }
            return next(context);
        });

    private static readonly object AppliedKey = new();
    private static readonly object CapKey = new();

    /// <summary>
    /// What the server may read of a body of no declared length (chunked, in HTTP/1.1) whose decoded bytes are capped at
    /// <paramref name="cap"/>: 4 times the cap and 64 KiB, room for the framing Kestrel counts (a chunk's size, extensions and
    /// two line ends: 5 bytes more for a chunk of up to 15 bytes, so chunks of 2 bytes and more pass; only a body sent in 1-byte
    /// chunks meets this limit before the cap). The decoded bytes are held to <paramref name="cap"/> as the body is read
    /// (<see cref="UseRequestBodyLimits"/>).
    /// </summary>
    public static long FramedLimitFor(long cap) => cap > (long.MaxValue - 64 * 1024) / 4 ? long.MaxValue : 4 * cap + 64 * 1024;

    /// <summary>
    /// The cap on the bytes of this request's body (<see cref="UseRequestBodyLimits"/>): for a body of no declared length its
    /// decoded bytes' (the server's limit is <see cref="FramedLimitFor"/> of it), else the server's limit for the request; null
    /// when there is none.
    /// </summary>
    public static long? CapOf(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Items.TryGetValue(CapKey, out var cap) && cap is long bytes ? bytes : http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
    }

    /// <summary>What a body over a cap of <paramref name="cap"/> bytes is told (<paramref name="what"/>: "endpoint", or FHIR's "interaction").</summary>
    public static string TooLargeMessage(long cap, string what = "endpoint") =>
        $"The request body is too large: this {what} accepts up to {ErrorPages.Size(cap)}. Nothing was changed.";

    /// <summary>
    /// What a body over its endpoint's cap (<paramref name="cap"/> bytes) is told: <see cref="SignInToUpload"/> when the caller
    /// must sign in first (<see cref="UploadNeedsSignIn"/>), else the largest file when the endpoint takes one (<see cref="FileLimit"/>; a page's, for the form of <paramref name="handler"/>), else the body cap
    /// (<paramref name="what"/>: "endpoint", "page").
    /// </summary>
    public static string TooLargeMessage(HttpContext http, NodeOptions options, long cap, string what, string? handler = null) =>
        UploadNeedsSignIn(http) ? SignInToUpload
        : FileLimit(http.GetEndpoint(), options, handler) is { } file
            ? $"The file is too large: this {what} accepts files of up to {ErrorPages.Size(file)}. Nothing was stored or changed."
            : TooLargeMessage(cap, what);
    private static readonly object OverCapKey = new();

    /// <summary>
    /// Whether the request's body is over its endpoint's cap (<paramref name="cap"/>): by its declared length, or because
    /// reading it met the cap (a chunked body).
    /// </summary>
    public static bool WentOverCap(HttpContext http, long? cap) =>
        (http.Request.ContentLength is { } length && cap is { } c && length > c) || http.Items.ContainsKey(OverCapKey);

    /// <summary>
    /// Whether an empty error answer (<see cref="ErrorPages"/>) is the refusal of a body over its cap (<paramref name="cap"/>):
    /// a 413, or a 400 from a reader that met the cap and took it for a malformed form (the antiforgery check). Any other
    /// status stands: a large body sent to an unknown address is 404, with a method the address does not take 405.
    /// </summary>
    public static bool RefusedForSize(HttpContext http, long? cap)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Response.StatusCode is (StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge) && WentOverCap(http, cap);
    }

    /// <summary>
    /// A body of no declared length: its decoded bytes counted against <paramref name="cap"/>, the read that would pass it
    /// refused with the 413 Kestrel raises for a body over its limit (so is every read after), and that refusal, or the
    /// server's own (framing over <see cref="FramedLimitFor"/>), noted in the request before it is passed on; framing the server
    /// cannot parse but reports as an I/O error is the client's error, 400.
    /// </summary>
    private sealed class CapWatch(Stream inner, HttpContext context, long cap) : ReadOnlyStream
    {
        private long _read;

        // Synchronous reads stay the server's (refused unless it allows synchronous I/O), not a wait on the asynchronous one.
        public override int Read(byte[] buffer, int offset, int count)
        {
            RefuseWhenOver();
            try
            {
                return Counted(inner.Read(buffer, offset, count));
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                context.Items[OverCapKey] = true;
                throw;
            }
            catch (IOException e) when (Unparsable(e))
            {
                throw CouldNotRead(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            RefuseWhenOver();
            try
            {
                return Counted(await inner.ReadAsync(buffer, cancellationToken));
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                context.Items[OverCapKey] = true;
                throw;
            }
            catch (IOException e) when (Unparsable(e))
            {
                throw CouldNotRead(e);
            }
        }

        // Framing Kestrel cannot parse but reports as an I/O error, not as the client's (a chunk size of 2^31 or more: "Bad chunk
        // size data"): every endpoint that reads its body itself (a batch, FHIR's) answered it 500 with a stack trace in the
        // log. Not a client that went away (the request aborted, or the connection reset).
        private bool Unparsable(IOException e) =>
            e is not (BadHttpRequestException or Microsoft.AspNetCore.Connections.ConnectionResetException) && !context.RequestAborted.IsCancellationRequested;

        private int Counted(int read)
        {
            _read += read;
            RefuseWhenOver();
            return read;
        }

        private void RefuseWhenOver()
        {
            if (_read <= cap) return;
            context.Items[OverCapKey] = true;
            throw new BadHttpRequestException($"Request body too large. The max request body size is {cap} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
    }

    /// <summary>What starts the refusal of a body whose framing could not be read (<see cref="CouldNotRead"/>).</summary>
    public const string CouldNotReadPrefix = "The request body could not be read";

    /// <summary>
    /// The client's error (400) for a body whose framing the server could not parse but reported as an I/O error (a chunk
    /// size of 2^31 or more), saying so with the server's words (no body content).
    /// </summary>
    public static BadHttpRequestException CouldNotRead(IOException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new($"{CouldNotReadPrefix}: {e.Message}", StatusCodes.Status400BadRequest, e);
    }

    /// <summary>A request body over its cap: every read throws the 413 Kestrel throws for it, and nothing is consumed.</summary>
    private sealed class RefusedBody(long cap) : ReadOnlyStream
    {
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw TooLarge();
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromException<int>(TooLarge());

        private BadHttpRequestException TooLarge() =>
            new($"Request body too large. The max request body size is {cap} bytes.", StatusCodes.Status413PayloadTooLarge);
    }
}
