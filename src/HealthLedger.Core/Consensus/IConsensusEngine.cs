namespace HealthLedger.Core.Consensus;

/// <summary>
/// The seam between the node host and block ordering. An engine is a pure state machine: it takes inputs
/// (time, mempool size, built and committed blocks, and — for a BFT engine — peer messages) and returns actions;
/// it has no clock, threads, randomness or I/O of its own. The single-node <see cref="SoloEngine"/> and a
/// Byzantine-fault-tolerant engine implement the same interface, so the host's loop does not change.
/// </summary>
public interface IConsensusEngine
{
    /// <summary>Handles one input and returns what the host must do, in order.</summary>
    IReadOnlyList<ConsensusAction> Handle(ConsensusInput input);
}
