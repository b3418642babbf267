namespace HealthLedger.Core.Governance;

/// <summary>
/// Where a proposal stands. Values are stored on the chain and never renumbered. An open proposal whose
/// <see cref="ProposalState.ExpiresAt"/> has passed (block time) is expired: it stays <see cref="Open"/> in the state (the
/// state machine has no timers) and every vote on it is refused.
/// </summary>
public enum ProposalStatus : byte
{
    /// <summary>Collecting votes (until it expires).</summary>
    Open = 1,
    /// <summary>Approved: its action was applied in the block of the deciding transaction.</summary>
    Executed = 2,
    /// <summary>Closed: enough organisations rejected it that its threshold can no longer be met.</summary>
    Rejected = 3,
    /// <summary>Withdrawn by its proposing organisation.</summary>
    Withdrawn = 4,
}
