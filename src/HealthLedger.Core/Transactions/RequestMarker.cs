using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Transactions;

/// <summary>
/// What ties a transaction to the client request it carries out, so that a request sent again (an <c>Idempotency-Key</c>
/// retried at another node, or after the node that took it restarted) is carried out at most once on the whole network:
/// <see cref="Request"/> names the request (the node derives it from the user and the key; the key itself is not on the
/// chain), <see cref="Attempt"/> one run of it (random per run, so the transactions of one run — a registration and its
/// index, a Bundle's entries — share it). The state machine records the first run whose transaction commits and refuses every
/// other run's (<see cref="Ledger.TxVerdict.RepeatedRequest"/>). As IETF draft-ietf-httpapi-idempotency-key-header's
/// "idempotency fingerprint", but kept by the ledger, not by one server.
/// </summary>
/// <param name="Request">SHA-256 naming the request (32 bytes).</param>
/// <param name="Attempt">One run of it (32 random bytes).</param>
public readonly record struct RequestMarker(Hash256 Request, Hash256 Attempt);
