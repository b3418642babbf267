using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Consensus;

/// <summary>Something an <see cref="IConsensusEngine"/> asks the host to do.</summary>
public abstract record ConsensusAction
{
    /// <summary>Build block <paramref name="Height"/> from up to <paramref name="MaxTransactions"/> pending transactions, stamped <paramref name="Timestamp"/>.</summary>
    public sealed record ProposeBlock(ulong Height, ulong Timestamp, int MaxTransactions) : ConsensusAction;

    /// <summary>The block with this hash is decided: commit it.</summary>
    public sealed record CommitBlock(ulong Height, Hash256 BlockHash) : ConsensusAction;

    /// <summary>Feed a <see cref="ConsensusInput.Tick"/> at time <paramref name="At"/> (Unix ms).</summary>
    public sealed record ScheduleTick(ulong At) : ConsensusAction;
}
