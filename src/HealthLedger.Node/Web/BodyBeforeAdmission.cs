using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Web;

/// <summary>
/// A request's body is read whole before admission control counts the request (<see cref="AdmissionLimiter"/>): a permit is
/// held by a request the node can work on, not by a client still sending. Without this, one signed-in user of any role who
/// opens as many connections as the write budget and sends each body a few bytes at a time (above Kestrel's minimum data rate)
/// held every write permit for as long as they liked, and everyone else's writes were refused with 503.
/// <para>
/// A body of at most <see cref="RequestBodyLimits.Signed"/> (1 MiB: its declared length, or its endpoint's cap when it
/// declares none) is buffered in memory only — never in a file, since it may hold health data in plaintext — and handed on
/// as a seekable stream at its start. That is every JSON write, form
/// and sign-in. A larger body (a document upload, an import, a large transaction batch) is streamed to its endpoint as before
/// and takes a permit of its own, smaller budget (<see cref="Configuration.AdmissionLimits.Uploads"/>): a slow sender there can
/// hold only other large uploads, never the ordinary writes, reads or sign-ins.
/// </para>
/// <para>
/// The bodies being read at once reserve at most <see cref="Configuration.AdmissionLimits.BodyBytes"/> (each its declared length,
/// else its cap); a body that does not fit is refused at once with 503 and <c>Retry-After</c>, like any overload. One caller's
/// (a signed-in user, else a client address) reserve at most a quarter of it (<see cref="AdmissionLimiter.BodyBytesPerCaller"/>;
/// their first body is always taken): one more of theirs is refused at once with 429 and <c>Retry-After</c>, so that one user
/// trickling bodies cannot hold the whole budget and refuse everyone else's writes and sign-ins.
/// </para>
/// <para>
/// A body over its cap fails here as it would in its endpoint (Kestrel's 413, answered by <see cref="BindingProblems"/>); a
/// client that goes away mid-body gets nothing, and nothing was done. A body declared over its cap is not read here: its
/// endpoint refuses it as before (<see cref="RequestBodyLimits"/>); nor is the body of a request no endpoint takes (404, or
/// routing's 405), which is answered as before without it.
/// </para>
/// </summary>
public static class BodyBeforeAdmission
{
    private static readonly object BufferedKey = new();

    // The first buffer for a body that declares no length (chunked): grown by doubling as it arrives, up to its cap.
    private const int InitialChunkedBuffer = 16 * 1024;

    /// <summary>True when the request's body was read whole before admission (and so takes its budget's permit, not an upload's).</summary>
    public static bool WasBuffered(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.ContainsKey(BufferedKey);
    }

    /// <summary>
    /// True when the request may carry a body that is not read before admission: a larger body than
    /// <see cref="RequestBodyLimits.Signed"/> (declared, or allowed by its endpoint's cap when none is declared).
    /// </summary>
    public static bool Streams(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return HasBody(context) && !WasBuffered(context) && (context.Request.ContentLength ?? Cap(context) ?? long.MaxValue) > RequestBodyLimits.Signed;
    }

    /// <summary>Reads the body of every admission-controlled request whole first (see the class remarks). Place it just before the rate limiter.</summary>
    public static IApplicationBuilder UseBodyBeforeAdmission(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (AdmissionLimiter.Classify(context.Request) != AdmissionLimiter.Budget.None && TakesBody(context.GetEndpoint()) && HasBody(context) && !WasBuffered(context)
                && Cap(context) is { } cap && cap > 0 && (context.Request.ContentLength ?? cap) <= Math.Min(cap, RequestBodyLimits.Signed))
            {
                var size = (int)Math.Min(cap, RequestBodyLimits.Signed);
                // The bytes it may take, reserved before any is read: its declared length, else its cap.
                var reserved = context.Request.ContentLength ?? size;
                var limiter = context.RequestServices.GetService<AdmissionLimiter>();
                var caller = Security.HttpContextSessions.Caller(context);
                switch (limiter?.TryBodyArriving(caller, reserved))
                {
                    case AdmissionLimiter.BodyAdmission.CallerFull: // this caller's bodies arriving hold their share of the budget
                        await AdmissionControl.RefuseCallerBodiesAsync(context, limiter!.RetryAfter, limiter.BodyBytesPerCaller);
                        return;
                    case AdmissionLimiter.BodyAdmission.NodeFull: // the bodies arriving hold the memory budget
                        await AdmissionControl.RefuseAsync(context, limiter.RetryAfter);
                        return;
                }
                // In memory up to the cap, which the read enforces (Kestrel for a declared length, RequestBodyLimits for a chunked
                // body's decoded bytes): the buffer never spills to a file. Sized by the
                // body's declared length (most bodies are a few KiB) and grown as a chunked one arrives, not a 1 MiB buffer per
                // request: EnableBuffering with a 1 MiB threshold rented one, which the shared pool could not keep at 128 requests
                // in flight, so every request left a large-object-heap array behind (docs/benchmarks.md, "The state tree in
                // buckets; what the node allocates under load").
                var body = new MemoryStream((int)Math.Min(context.Request.ContentLength ?? InitialChunkedBuffer, size));
                try
                {
                    await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                }
                catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException)
                {
                    return; // the client went away before its body arrived: nothing to answer, nothing done
                }
                catch (IOException e) when (e is not BadHttpRequestException)
                {
                    // Framing Kestrel cannot parse but reports as an I/O error (e.g. a chunk size of 2^31 or more): the client's
                    // error, answered as every other unreadable body is (400), not a 500.
                    throw RequestBodyLimits.CouldNotRead(e);
                }
                finally
                {
                    limiter?.BodyArrived(caller, reserved);
                }
                context.Request.Body = new MemoryStream(body.GetBuffer(), 0, (int)body.Length, writable: false, publiclyVisible: true);
                context.Items[BufferedKey] = true;
            }
            await next(context);
        });

    // An address with no endpoint (404) or none for the request's method (routing's 405) is answered without its body: read
    // first, a large one would turn that answer into a 413.
    private static bool TakesBody(Endpoint? endpoint) =>
        endpoint is not null && endpoint.DisplayName?.StartsWith("405 HTTP Method Not Supported", StringComparison.Ordinal) != true;

    private static bool HasBody(HttpContext context) =>
        context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;

    private static long? Cap(HttpContext context) => RequestBodyLimits.CapOf(context);
}
