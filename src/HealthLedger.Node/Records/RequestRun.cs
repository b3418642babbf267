using System.Security.Cryptography;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Node.Records;

/// <summary>
/// One run of a client request that may be sent again (a POST with an <c>Idempotency-Key</c>): its
/// <see cref="RequestMarker"/>, which every transaction the request signs carries (<see cref="RecordWriter"/>), so that the
/// ledger carries the request out once on the whole network — a retry at another node, or after this node restarted, is refused
/// at commit (<see cref="TxVerdict.RepeatedRequest"/>) once a run of it has committed. Set for the request's async flow by
/// <see cref="Web.IdempotencyKeys"/> (<see cref="Begin"/>); <see cref="Current"/> is null outside one.
/// </summary>
public sealed class RequestRun
{
    private static readonly AsyncLocal<RequestRun?> Running = new();
    private static readonly byte[] Domain = "HealthLedger/request/v1"u8.ToArray();

    private RequestRun(Hash256 request) => Marker = new RequestMarker(request, new Hash256(RandomNumberGenerator.GetBytes(Bytes32.Length)));

    /// <summary>The run in this async flow, or null.</summary>
    public static RequestRun? Current => Running.Value;

    /// <summary>What this run's transactions carry.</summary>
    public RequestMarker Marker { get; }

    /// <summary>The transaction that carried the request out in an earlier run, once the ledger refused this run for it; else null.</summary>
    public string? CarriedOutBy { get; private set; }

    /// <summary>True once this run handed the ledger a transaction (its user's, or one the node signs for it).</summary>
    public bool Wrote { get; private set; }

    /// <summary>Notes, for the run in this flow (if any), that it handed the ledger a transaction.</summary>
    public static void NoteWrite()
    {
        if (Current is { } run) run.Wrote = true;
    }

    /// <summary>
    /// The request named by <paramref name="userId"/> and their <paramref name="key"/>: SHA-256 over a domain tag, the user and
    /// the key (length-prefixed, UTF-8), so the key is not on the chain and two users' keys never meet.
    /// </summary>
    public static Hash256 RequestOf(string userId, string key)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(key);
        var w = new Core.Encoding.CanonicalWriter(64).Raw(Domain).Text(userId).Text(key);
        return Core.Crypto.Hashing.Sha256(w.WrittenSpan);
    }

    /// <summary>Starts a run of <paramref name="request"/> for the rest of the calling async flow.</summary>
    public static RequestRun Begin(Hash256 request) => Running.Value = new RequestRun(request);

    /// <summary>Ends the calling flow's run.</summary>
    public static void End() => Running.Value = null;

    /// <summary>
    /// The transaction that carried a request out, from the state machine's <see cref="TxVerdict.RepeatedRequest"/> reason
    /// ("request … was already carried out by transaction ID"); null for another refusal.
    /// </summary>
    public static string? CarrierIn(TxResult refusal) =>
        refusal.Verdict == TxVerdict.RepeatedRequest && refusal.Reason.LastIndexOf(' ') is var space and > 0
        && Hash256.TryParse(refusal.Reason[(space + 1)..], out var id) ? id.ToString() : null;

    /// <summary>Notes, for the run in this flow, that the ledger refused it for an earlier run's transaction (see <see cref="CarriedOutBy"/>).</summary>
    public static void Note(TxResult refusal)
    {
        if (Current is { } run && CarrierIn(refusal) is { } by) run.CarriedOutBy ??= by;
    }

    /// <summary>
    /// Before this run signs a transaction: the refusal the ledger would give it at commit (<see cref="TxVerdict.RepeatedRequest"/>, noted as for <see cref="Note"/>) when <paramref name="recorded"/> (what
    /// the state holds for the signer and the request, see <see cref="Recorded(Func{string, byte[]}, SigningPublicKey)"/>) is another run's; else null. So a retry
    /// is checked, authorised and validated as a new request, and stops where it would first write.
    /// </summary>
    public TxResult? RefusalFor(CarriedOutRequest? recorded)
    {
        if (recorded is not { } done || done.Attempt == Marker.Attempt) return null;
        var refusal = done.RefusalOf(Marker.Request);
        CarriedOutBy ??= done.First.ToString();
        return refusal;
    }

    /// <summary>What the state holds for <paramref name="signer"/> and this run's request, read through <paramref name="getState"/>.</summary>
    public CarriedOutRequest? Recorded(Func<string, byte[]?> getState, SigningPublicKey signer) => Recorded(getState, signer, Marker.Request);

    /// <summary>What the state holds for <paramref name="signer"/> and <paramref name="request"/>, read through <paramref name="getState"/>.</summary>
    public static CarriedOutRequest? Recorded(Func<string, byte[]?> getState, SigningPublicKey signer, Hash256 request) =>
        getState(StateKeys.Request(signer, request)) is { } bytes ? CarriedOutRequest.TryDecode(bytes) : null;
}
