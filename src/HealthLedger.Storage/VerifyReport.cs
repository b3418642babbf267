using HealthLedger.Core.Verification;

namespace HealthLedger.Storage;

/// <summary>The outcome of verifying a stored chain.</summary>
/// <param name="Blocks">Blocks that verified.</param>
/// <param name="Transactions">Transactions that verified.</param>
/// <param name="StateRoot">The re-derived state root after the last verified block.</param>
/// <param name="Issue">The first problem, or null when everything matches.</param>
public sealed record VerifyReport(ulong Blocks, ulong Transactions, string StateRoot, VerifyIssue? Issue)
{
    /// <summary>Documents the chain references that have not been replicated to this node yet (multi-node networks only).</summary>
    public int DocumentsPending { get; init; }

    /// <summary>True when everything matched.</summary>
    public bool Ok => Issue is null;
}
