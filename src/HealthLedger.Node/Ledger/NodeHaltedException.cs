namespace HealthLedger.Node.Ledger;

/// <summary>
/// The node stopped deciding blocks (<see cref="Network.ConsensusHost.Halt"/>: a failed store, damage found, a failed sweep) while
/// a transaction waited for its commit (<see cref="LedgerNode.WaitForCommitAsync"/>): this node will not commit it; the network's
/// other nodes may. The message gives the halt's reason (heights, keys, file names; no health data).
/// </summary>
public sealed class NodeHaltedException(string reason) : Exception($"The node has stopped: {reason}")
{
    /// <summary>Why the node stopped.</summary>
    public string Reason { get; } = reason;
}
