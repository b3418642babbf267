using HealthLedger.Core.Ledger;

namespace HealthLedger.Core.Consensus;

/// <summary>Something that happened, fed by the host to an <see cref="IConsensusEngine"/>. Time is always passed in.</summary>
/// <param name="Now">The host's clock, Unix ms.</param>
public abstract record ConsensusInput(ulong Now)
{
    /// <summary>A timer the engine asked for fired.</summary>
    public sealed record Tick(ulong Now) : ConsensusInput(Now);

    /// <summary>The mempool now holds <paramref name="Count"/> transactions.</summary>
    public sealed record TransactionsPending(ulong Now, int Count) : ConsensusInput(Now);

    /// <summary>The host built and executed the block the engine asked for.</summary>
    public sealed record BlockBuilt(ulong Now, BlockHeader Header) : ConsensusInput(Now);

    /// <summary>The host durably committed a block; <paramref name="Pending"/> transactions are still waiting.</summary>
    public sealed record BlockCommitted(ulong Now, BlockHeader Header, int Pending) : ConsensusInput(Now);
}
