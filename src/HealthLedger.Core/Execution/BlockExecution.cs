using HealthLedger.Core.Ledger;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Execution;

/// <summary>The result of executing a block's transactions.</summary>
/// <param name="Receipts">One receipt per transaction, in order.</param>
/// <param name="Changes">The state writes of the accepted transactions.</param>
public sealed record BlockExecution(IReadOnlyList<Receipt> Receipts, StateChangeSet Changes);
