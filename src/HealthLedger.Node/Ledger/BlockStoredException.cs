namespace HealthLedger.Node.Ledger;

/// <summary>
/// The ledger store stored a block and then failed (its tip record <c>ledger.tip</c> could not be written: the disk full, the
/// file replaced by a folder): the block is committed — <see cref="LedgerNode.Commit"/> has applied it and answered its
/// submitters — but the node must not go on (<see cref="Network.ConsensusHost"/> halts it, event 1003, saying the block was
/// stored). The message names the height and the store's error (file names, no health data).
/// </summary>
public sealed class BlockStoredException(ulong height, Exception inner)
    : Exception($"block {height} was stored and its transactions committed, but the store failed after it: {inner?.Message}", inner)
{
    /// <summary>The height of the block that was stored.</summary>
    public ulong Height { get; } = height;
}
