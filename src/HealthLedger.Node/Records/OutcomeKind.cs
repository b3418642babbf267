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
    /// <summary>The ledger refused or did not answer in time.</summary>
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
}
