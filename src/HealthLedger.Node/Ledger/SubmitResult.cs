using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Ledger;

/// <summary>The door's answer to a submitted transaction.</summary>
/// <param name="Result">Accepted into the mempool, or why not.</param>
/// <param name="Id">The transaction id, when the bytes decoded.</param>
public sealed record SubmitResult(TxResult Result, Hash256? Id);
