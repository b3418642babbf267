using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Transactions;

/// <summary>
/// What ties a transaction to the client request it carries out, so that a request sent again (an <c>Idempotency-Key</c>
/// retried at another node, or after the node that took it restarted) is carried out at most once on the whole network:
/// <see cref="Request"/> names the request (the node derives it from the user and the key; the key itself is not on the
/// chain), <see cref="Attempt"/> one run of it (random per run, so the transactions of one run — a registration and its
/// index, a Bundle's entries — share it). Per signer, the state machine records the first run whose transaction commits
/// (<see cref="CarriedOutRequest"/>, counting that run's transactions) and refuses every other run's
/// (<see cref="Ledger.TxVerdict.RepeatedRequest"/>): only the signer's own transactions can claim its requests. As IETF
/// draft-ietf-httpapi-idempotency-key-header's idempotency key, but kept by the ledger, not by one server.
/// </summary>
/// <param name="Request">SHA-256 naming the request (32 bytes).</param>
/// <param name="Attempt">One run of it (32 random bytes).</param>
public readonly record struct RequestMarker(Hash256 Request, Hash256 Attempt);

/// <summary>
/// What the state records of a request carried out by a signer (<see cref="Model.StateKeys.Request"/>): the run that carried it
/// out, its first committed transaction, and how many of that run's transactions have committed. Encoding:
/// <c>attempt (32) · first (32) · transactions (LEB128)</c>.
/// </summary>
/// <param name="Attempt">The run (<see cref="RequestMarker.Attempt"/>).</param>
/// <param name="First">Its first committed transaction.</param>
/// <param name="Transactions">How many of its transactions have committed (at least 1).</param>
public readonly record struct CarriedOutRequest(Hash256 Attempt, Hash256 First, ulong Transactions)
{
    /// <summary>
    /// The refusal of another run of <paramref name="request"/> (<see cref="Ledger.TxVerdict.RepeatedRequest"/>): "request …
    /// was already carried out by transaction <see cref="First"/>", the transaction id last, where nodes read it.
    /// </summary>
    public Ledger.TxResult RefusalOf(Hash256 request) =>
        Ledger.TxResult.Reject(Ledger.TxVerdict.RepeatedRequest, $"request {request} was already carried out by transaction {First}");

    /// <summary>The canonical encoding.</summary>
    public byte[] Encode() => new CanonicalWriter(80).Hash(Attempt).Hash(First).VarUInt(Transactions).ToArray();

    /// <summary>Decodes a stored record, or null when the bytes are not one.</summary>
    public static CarriedOutRequest? TryDecode(ReadOnlySpan<byte> bytes)
    {
        var r = new CanonicalReader(bytes);
        return r.Hash(out var attempt, "attempt") && r.Hash(out var first, "first") && r.VarUInt(out var count) && r.End() && count > 0
            ? new CarriedOutRequest(attempt, first, count) : null;
    }
}
