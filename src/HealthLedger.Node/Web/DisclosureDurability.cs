using System.Globalization;
using System.IO.Pipelines;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Web;

/// <summary>
/// The request side of <see cref="DisclosureRecorder"/>'s guarantee that a read is served only once its disclosures are
/// durable: each request runs in a <see cref="DisclosureRecorder.DeferDurability"/> scope, so recording a read does not
/// block a thread; the answer waits (asynchronously) for the store write at its first write (the response body passes
/// through <see cref="DurabilityGate"/>, so nothing reaches the server before the wait), when the response starts (for an
/// answer without a body) and when the handler returns. A write that fails refuses the read: the answer is replaced, before
/// any of it was sent, by a 503 with <c>Retry-After</c> saying why (<see cref="DisclosureNotRecordedException.Explanation"/>:
/// a problem document, a FHIR OperationOutcome or the browser's error page, drawn by <see cref="ErrorPages"/>), never a 500
/// and never the data.
/// </summary>
public static class DisclosureDurability
{
    /// <summary>Seconds a client is told to wait before it tries a refused read again.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// The <see cref="HttpContext.Items"/> key set (outside this middleware, once the request is done) when the request only
    /// read records and recorded their disclosures: its answer must not be kept and replayed (<see cref="IdempotencyKeys"/>).
    /// </summary>
    public const string ReadOnlyItem = "HealthLedger.DisclosedReadOnly";

    /// <summary>Adds the scope to every request after this point of the pipeline (before the endpoints).</summary>
    public static IApplicationBuilder UseDisclosureDurability(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var scope = DisclosureRecorder.DeferDurability();
            var refused = false;
            // For an answer that starts without a body write (headers only); once refused, what starts is the refusal.
            context.Response.OnStarting(() => refused ? Task.CompletedTask : scope.WaitAsync(close: true));
            if (Hosting.PeerPortGate.IsPeerCall(context.Request))
            {
                await next(context); // the peers' calls (the peer port): no reads of PHI, and their streams are left as the server made them
                await scope.WaitAsync(close: true);
                return;
            }
            var body = context.Features.Get<IHttpResponseBodyFeature>()!;
            var gated = new GatedBody(body, new DurabilityGate(body.Stream, scope));
            context.Features.Set<IHttpResponseBodyFeature>(gated);
            try
            {
                await next(context);
                await scope.WaitAsync(close: true);
                await gated.FlushWriterAsync(context.RequestAborted);
            }
            catch (DisclosureNotRecordedException e) when (!context.Response.HasStarted)
            {
                refused = true;
                context.Features.Set(body);
                Log.ReadRefusedUnrecorded(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DisclosureDurability)), (e.InnerException ?? e).Message); // the store's own words, one line per refused read
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                context.Response.Headers.CacheControl = "no-store";
                context.Items[ErrorPages.TitleKey] = "Not shown";
                context.Items[ErrorPages.MessageKey] = DisclosureNotRecordedException.Explanation;
                // The body is drawn by ErrorPages (outside): problem details, an OperationOutcome or the error page.
            }
            finally
            {
                context.Features.Set(body);
                if (scope.ReadOnly) context.Items[ReadOnlyItem] = true;
            }
        });

    /// <summary>
    /// The response body feature of a gated request: its stream is the <see cref="DurabilityGate"/>, its writer a pipe over
    /// that stream (the server's own writer would start the response at its first <c>GetMemory</c>), and starting, sending a
    /// file or completing go through the gate first.
    /// </summary>
    internal sealed class GatedBody(IHttpResponseBodyFeature inner, DurabilityGate gate) : IHttpResponseBodyFeature
    {
        private PipeWriter? _writer;

        public Stream Stream => gate;

        public PipeWriter Writer => _writer ??= PipeWriter.Create(gate, new StreamPipeWriterOptions(leaveOpen: true));

        public void DisableBuffering() => inner.DisableBuffering();

        public async Task StartAsync(CancellationToken cancellationToken = default)
        {
            await gate.OpenAsync();
            await inner.StartAsync(cancellationToken);
        }

        public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        {
            await FlushWriterAsync(cancellationToken);
            await gate.OpenAsync();
            await inner.SendFileAsync(path, offset, count, cancellationToken);
        }

        public async Task CompleteAsync()
        {
            await FlushWriterAsync(default);
            await gate.OpenAsync();
            await inner.CompleteAsync();
        }

        /// <summary>Sends what a handler left in the writer (through the gate); nothing, and no start, when it left nothing.</summary>
        public async Task FlushWriterAsync(CancellationToken cancellationToken)
        {
            if (_writer is { UnflushedBytes: > 0 }) await _writer.FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The response body of a request in a <see cref="DisclosureRecorder.DeferredDurability"/> scope: its first write or
    /// flush waits for the scope's disclosures to be durable (and closes the scope) before anything goes to the server, and
    /// fails with <see cref="DisclosureNotRecordedException"/> when they could not be stored (so the handler ends with it,
    /// nothing sent); every later write passes straight through.
    /// </summary>
    internal sealed class DurabilityGate(Stream inner, DisclosureRecorder.DeferredDurability scope) : Stream
    {
        private bool _open;

        /// <summary>Waits (once) for the scope's disclosures to be durable; fails with <see cref="DisclosureNotRecordedException"/> when they are not.</summary>
        public async ValueTask OpenAsync()
        {
            if (_open) return;
            await scope.WaitAsync(close: true);
            _open = true;
        }

        private void Open()
        {
            if (!_open) OpenAsync().AsTask().GetAwaiter().GetResult();
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
            Open();
            inner.Flush();
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await OpenAsync();
            await inner.FlushAsync(cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Open();
            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await OpenAsync();
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
