using System.Collections.Concurrent;
using System.Security.Cryptography;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Caching.Memory;

namespace HealthLedger.Node.Web;

/// <summary>
/// The <c>Idempotency-Key</c> header on every write (POST, PUT, PATCH, DELETE) of a signed-in user: the first answer to a key is kept (in memory only,
/// bounded by <see cref="NodeOptions.IdempotencyCacheBytes"/>, for <see cref="NodeOptions.IdempotencyKeyLifetime"/>) and the
/// same key with the same request (method, path, query, content type, conditional headers, body) answers it again, marked
/// <c>Idempotency-Replayed: true</c>, without doing the work twice; the same key with another request is 422, and while the
/// first request with a key runs, a second one is 409. Keys are per user. Anonymous POSTs (login, raw signed transactions,
/// which the ledger already deduplicates by transaction id) ignore the header. Under <c>/fhir</c> the bearer token is read
/// here (the FHIR endpoints authenticate in their own filter), so FHIR creates and transaction/batch Bundles follow the same rules. Answers of 500 and above are not kept, so a
/// failed request may be retried with its key; nor are the answers of requests that only read records (a POST <c>_search</c>):
/// each is read, and recorded as a disclosure, again.
/// <para>
/// Beyond this node's memory (a retry sent to another node of the organisation, or after this node restarted) the ledger keeps
/// the rule: every transaction a request with a key signs carries its <see cref="RequestRun"/>'s marker, and once a run of it has
/// committed, another run is refused at commit. Such a retry runs as a new request (a search, which signs nothing, searches
/// again) and stops where it would first sign a transaction, when the ledger records an earlier run of it
/// (<see cref="RecordWriter"/>); it, a run the ledger refused at commit for that reason, and a run that wrote nothing and was
/// answered below 500 while the ledger records an earlier one (the endpoint's checks saw its effect: "already registered") are
/// answered 200 "Already carried out", naming the transaction (<see cref="AlreadyCarriedOutAsync"/>), as is a kept answer of a
/// run that wrote nothing once the ledger records one; the first answer itself is kept only where it was given.
/// </para>
/// </summary>
public sealed class IdempotencyKeys(RequestDelegate next, NodeOptions options, LedgerNode node) : IDisposable
{
    /// <summary>The request header.</summary>
    public const string Header = "Idempotency-Key";

    /// <summary>The header marking a replayed answer.</summary>
    public const string ReplayedHeader = "Idempotency-Replayed";

    /// <summary>Longest key accepted.</summary>
    public const int MaxKeyLength = 255;

    /// <summary>Largest answer kept; a larger one is answered once and its key forgotten.</summary>
    public const int MaxAnswerBytes = 1024 * 1024;

    private readonly MemoryCache _answers = new(new MemoryCacheOptions { SizeLimit = options.IdempotencyCacheBytes });
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);

    private sealed record Answer(byte[] Fingerprint, int Status, string? ContentType, (string Name, string Value)[] Headers, byte[] Body, bool Wrote);

    // The headers of a first answer that its replay gives again, besides its status, content type and body: where the record is
    // and which version it is at (a client takes its next If-Match from the ETag).
    private static readonly string[] KeptHeaders = ["Location", "Content-Location", "ETag", "Last-Modified"];

    /// <summary>Handles one request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsWrite(context.Request.Method) || !context.Request.Headers.TryGetValue(Header, out var values))
        {
            await next(context);
            return;
        }
        var key = values.ToString().Trim();
        if (key.Length is 0 or > MaxKeyLength || values.Count != 1 || key.Any(char.IsControl))
        {
            await Problem(context, 400, "Bad Request", $"The {Header} header must be one value of 1 to {MaxKeyLength} printable characters.");
            return;
        }
        if (context.UserSession() is null && FhirErrors.IsFhir(context.Request))
        {
            // The FHIR interface signs in by bearer token in its own endpoint filter (to answer 401 as an OperationOutcome):
            // authenticate here too, so its creates and transactions get the same idempotency as the JSON API.
            var bearer = await context.AuthenticateAsync(SessionAuthenticationHandler.SchemeName);
            if (bearer.Succeeded) context.User = bearer.Principal;
        }
        if (context.UserSession() is not { } session)
        {
            await next(context);
            return;
        }
        var cacheKey = session.UserId + "\n" + key;
        var httpRequest = context.Request;
        using var fingerprint = new Fingerprint(httpRequest);
        // A body already in memory (BodyBeforeAdmission: up to 1 MiB) is hashed at once and left as it is, seekable, so that a
        // form reader reading it does not spill its files to the temporary folder; another is hashed as it is read.
        var upFront = httpRequest.Body.CanSeek ? await fingerprint.OfSeekableBodyAsync(context.RequestAborted) : null;
        if (_answers.TryGetValue(cacheKey, out Answer? kept) && kept is not null)
        {
            // Not run again: the body is read only to be compared, never kept.
            var sent = upFront ?? await fingerprint.OfWholeBodyAsync(context.RequestAborted);
            if (!CryptographicOperations.FixedTimeEquals(kept.Fingerprint, sent))
            {
                await Problem(context, 422, "Unprocessable Content", $"This {Header} was used for another request; use a new key for a new request.");
                return;
            }
            // A kept answer of a run that wrote nothing (a refusal) is outdated once the ledger records a run of the request that
            // succeeded elsewhere since (the refusal's cause gone: a patient admitted again): that run's answer.
            if (!kept.Wrote && RequestRun.Recorded(node.GetState, session.Keys.Signing.PublicKey, RequestRun.RequestOf(session.UserId, key)) is { } since)
            {
                await AlreadyCarriedOutAsync(context, since.First.ToString(), since.Transactions);
                return;
            }
            context.Response.StatusCode = kept.Status;
            if (kept.ContentType is not null) context.Response.ContentType = kept.ContentType;
            foreach (var (name, value) in kept.Headers) context.Response.Headers[name] = value;
            context.Response.Headers[ReplayedHeader] = "true";
            // (A 204 or 304 has no body: writing even nothing to it throws, and the server drops the connection.)
            if (kept.Body.Length > 0) await context.Response.Body.WriteAsync(kept.Body, context.RequestAborted);
            return;
        }
        if (!_running.TryAdd(cacheKey, 0))
        {
            await Problem(context, 409, "Conflict", $"A request with this {Header} is still being processed; retry it later.");
            return;
        }
        var request = RequestRun.RequestOf(session.UserId, key);
        var original = context.Response.Body;
        try
        {
            using var captured = new MemoryStream();
            context.Response.Body = captured;
            // The body is hashed as the endpoint reads it, not buffered first: an upload of tens of MiB would otherwise be
            // written to the temporary folder, in clear, before the endpoint encrypts it (and a full temporary disk answered 500).
            if (upFront is null) httpRequest.Body = fingerprint.Reading;
            // Run as a new request (checked, authorised, validated); where it would first write, an earlier run that this node
            // does not remember (at another node, or before a restart) stops it (RecordWriter), as the ledger would at commit.
            var run = RequestRun.Begin(request);
            try
            {
                await next(context);
            }
            finally
            {
                RequestRun.End();
            }
            context.Response.Body = original;
            // An earlier run carried the request out: that one's answer, not this run's refusal — whether the run was stopped
            // where it would sign, refused at commit, or refused by the endpoint's own checks of the state the earlier run
            // changed (a registration's "already registered", an admission's "already admitted"). Not for a read (a search under
            // the key reads, and its refusal is its own). (The refusal's own body was written to the captured stream, and is
            // dropped; the headers set before it stay.)
            var recorded = run.Recorded(node.GetState, session.Keys.Signing.PublicKey) is { } done && done.Attempt != run.Marker.Attempt ? done : (CarriedOutRequest?)null;
            // (A run that wrote nothing and was answered below 500: a refusal, or a FHIR batch whose every entry was refused
            // inside its 200.)
            var refusedAfterIt = recorded is not null && !run.Wrote && context.Response.StatusCode < 500
                && !context.Items.ContainsKey(DisclosureDurability.ReadOnlyItem) && !IsSearch(httpRequest);
            if (run.CarriedOutBy is not null || refusedAfterIt)
            {
                context.Response.ContentLength = null;
                await AlreadyCarriedOutAsync(context, recorded?.First.ToString() ?? run.CarriedOutBy!, recorded?.Transactions);
                return;
            }
            var body = captured.ToArray();
            // A read's answer (POST _search) is not kept: a replay would serve the patient's data again unrecorded, and
            // after a revocation or with the disclosure store failing (DisclosureDurability.ReadOnlyItem).
            if (context.Response.StatusCode < 500 && body.Length <= MaxAnswerBytes && !context.Items.ContainsKey(DisclosureDurability.ReadOnlyItem)
                && (upFront ?? await fingerprint.OfRestAsync(context.RequestAborted)) is { } whole)
            {
                var headers = KeptHeaders.Where(h => context.Response.Headers.ContainsKey(h)).Select(h => (h, context.Response.Headers[h].ToString())).ToArray();
                var answer = new Answer(whole, context.Response.StatusCode, context.Response.ContentType, headers, body, run.Wrote);
                _answers.Set(cacheKey, answer, new MemoryCacheEntryOptions { Size = body.Length + 512, AbsoluteExpirationRelativeToNow = options.IdempotencyKeyLifetime });
            }
            if (body.Length > 0) await original.WriteAsync(body, context.RequestAborted); // (none for a 204: see the replay)
        }
        finally
        {
            context.Response.Body = original;
            _running.TryRemove(cacheKey, out _);
        }
    }

    // The methods a key is honoured on: those of writes (POST, PUT, PATCH, DELETE).
    private static bool IsWrite(string method) => HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    // A FHIR search by POST (…/_search): it only reads.
    private static bool IsSearch(HttpRequest request) => request.Path.Value?.EndsWith("/_search", StringComparison.Ordinal) == true;

    /// <summary>
    /// The answer to a request the ledger records as carried out by an earlier run whose answer this node does not keep: 200,
    /// <c>Idempotency-Replayed: true</c>, <c>Location</c> the first transaction's status address, and a body naming it and how
    /// many transactions that run committed (JSON: <c>title</c>, <c>detail</c>, <c>transactionId</c>, <c>transaction</c>,
    /// <c>transactions</c>; FHIR: an OperationOutcome of one <c>information</c> issue). Nothing is written.
    /// </summary>
    private static Task AlreadyCarriedOutAsync(HttpContext context, string transactionId, ulong? transactions)
    {
        var status = Chain.TransactionsApi.StatusPath(transactionId);
        var count = transactions is > 1 ? $" and {transactions - 1} more of the same run ({transactions} in all)" : "";
        var detail = $"This request ({Header}) was carried out before, by transaction {transactionId}{count}; nothing was done again. " +
            "A request of several writes (a Bundle, an import) whose node stopped during it may be missing its later writes: compare them with what you " +
            $"sent, and send what is missing with a new key. The first answer is kept only by the node that gave it (another node, or this one before it " +
            $"restarted): GET {status} says what the transaction did.";
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.Headers[ReplayedHeader] = "true";
        context.Response.Headers.Location = status;
        if (FhirErrors.IsFhir(context.Request))
        {
            var outcome = new Hl7.Fhir.Model.OperationOutcome
            {
                Issue =
                [
                    new Hl7.Fhir.Model.OperationOutcome.IssueComponent
                    {
                        Severity = Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Information,
                        Code = Hl7.Fhir.Model.OperationOutcome.IssueType.Informational,
                        Diagnostics = detail,
                    },
                ],
            };
            var xml = FhirErrors.WantsXml(context.Request);
            context.Response.ContentType = xml ? FhirErrors.XmlContentType : FhirErrors.JsonContentType;
            return context.Response.WriteAsync(xml ? outcome.ToXml() : outcome.ToJson(), context.RequestAborted);
        }
        return context.Response.WriteAsJsonAsync(new AlreadyCarriedOut("Already carried out", detail, transactionId, status, transactions ?? 1), context.RequestAborted);
    }

    /// <summary>The JSON body of <see cref="AlreadyCarriedOutAsync"/>.</summary>
    private sealed record AlreadyCarriedOut(string Title, string Detail, string TransactionId, string Transaction, ulong Transactions);

    /// <summary>
    /// SHA-256 over the method, path, query, content type, conditional headers (If-Match, If-None-Match, If-None-Exist) and body
    /// of a request. A body in memory is hashed at once
    /// (<see cref="OfSeekableBodyAsync"/>); another is hashed as it is read (<see cref="Reading"/>, which the endpoint reads
    /// instead of the request's own stream) and what the endpoint left unread is read after it (<see cref="OfRestAsync"/>);
    /// nothing is buffered.
    /// </summary>
    private sealed class Fingerprint : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly Stream _body;

        public Fingerprint(HttpRequest request)
        {
            // The conditional headers too: a PUT's If-Match stands for its version, FHIR's If-None-Exist makes a create conditional.
            _hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}\n{request.QueryString}\n{request.ContentType}\n" +
                $"{request.Headers.IfMatch}\n{request.Headers.IfNoneMatch}\n{request.Headers["If-None-Exist"]}\n"));
            _body = request.Body;
            Reading = new HashingStream(request.Body, _hash);
        }

        /// <summary>The fingerprint of a seekable body, read from where it stands to its end and put back there.</summary>
        public async Task<byte[]> OfSeekableBodyAsync(CancellationToken ct)
        {
            var start = _body.Position;
            await Reading.CopyToAsync(Stream.Null, ct);
            _body.Position = start;
            return _hash.GetHashAndReset();
        }

        /// <summary>The request's body, read once, front to back (not seekable), each byte read added to the hash.</summary>
        public HashingStream Reading { get; }

        /// <summary>The fingerprint of the whole request, its body read here to its end.</summary>
        public async Task<byte[]> OfWholeBodyAsync(CancellationToken ct)
        {
            await Reading.CopyToAsync(Stream.Null, ct);
            return _hash.GetHashAndReset();
        }

        /// <summary>
        /// The fingerprint, once the rest of the body (what the endpoint did not read) is read; null when it cannot be (the
        /// body broken off or over its cap): the answer is then not kept.
        /// </summary>
        public async Task<byte[]?> OfRestAsync(CancellationToken ct)
        {
            try
            {
                await Reading.CopyToAsync(Stream.Null, ct);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException or InvalidOperationException)
            {
                return null;
            }
            return _hash.GetHashAndReset();
        }

        public void Dispose() => _hash.Dispose();
    }

    /// <summary>A read-only, forward-only view of a stream that adds every byte read to a hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            hash.AppendData(buffer[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            hash.AppendData(buffer.Span[..read]);
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static Task Problem(HttpContext context, int status, string title, string message) => FhirErrors.IsFhir(context.Request)
        ? FhirErrors.WriteAsync(context, status, message, Header)
        : TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [Header] = [message] })
        {
            Status = status,
            Title = title,
            Detail = message,
        }).ExecuteAsync(context);

    /// <inheritdoc/>
    public void Dispose() => _answers.Dispose();
}
