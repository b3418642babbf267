namespace HealthLedger.Node.Records;

/// <summary>How an operation ended: the API maps it to 200/201, 400, 403, 404, 409 or 422; the UI to a page or messages.</summary>
public enum OutcomeKind
{
    /// <summary>Done.</summary>
    Ok,
    /// <summary>Bad input; see the field errors. Nothing was written.</summary>
    Invalid,
    /// <summary>The user may not do this. Nothing was written; the attempt was logged.</summary>
    Forbidden,
    /// <summary>The thing does not exist.</summary>
    NotFound,
    /// <summary>
    /// The request is well formed but conflicts with the record's current state (a superseded version, an occupied bed, an
    /// encounter out of order, an idempotency key reused with another body): 409 with the fields named. Nothing was written.
    /// </summary>
    Conflict,
    /// <summary>
    /// Well formed, but something the request names cannot be used (a node address where nothing answers): 422 with the
    /// fields named. Nothing was written.
    /// </summary>
    Unprocessable,
    /// <summary>The ledger refused it (409), or a printout's record did not commit in time (nothing was issued).</summary>
    Failed,
    /// <summary>
    /// The node is overloaded (its mempool is full): nothing was written; the API answers 503 with <c>Retry-After</c>, the UI
    /// shows the form again with a "busy, try again" message (<c>Web.AdmissionControl</c>).
    /// </summary>
    Busy,
    /// <summary>
    /// The node stopped deciding blocks before the write was committed (its store failed, or damage was found): 503 "The node
    /// has stopped"; the network's other nodes may still commit it.
    /// </summary>
    Stopped,
    /// <summary>
    /// The ledger took the write (signed, checked and in the mempool) but did not commit it within the commit timeout: it may
    /// still commit, or not. The API answers 202 Accepted with the transaction's id and its status address
    /// (<c>/api/v1/transactions/{id}</c>), which says whether it did; a retry with the same <c>Idempotency-Key</c> gets the same
    /// answer rather than writing twice.
    /// </summary>
    Pending,
}
