using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Merkle;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Core.Execution;

/// <summary>A block made by <see cref="BlockBuilder"/>, with what committing it needs.</summary>
/// <param name="Block">The signed block.</param>
/// <param name="Execution">Its receipts and state writes.</param>
/// <param name="Tree">The state tree after it.</param>
public sealed record BuiltBlock(Block Block, BlockExecution Execution, SparseMerkleTree Tree);

/// <summary>Executes transactions on top of a state and makes the signed block that records them.</summary>
public static class BlockBuilder
{
    /// <summary>
    /// Builds the block after <paramref name="previous"/> (genesis when null) over <paramref name="state"/> (which is not changed).
    /// <paramref name="timestamp"/> is raised to the previous block's timestamp if the host clock went back.
    /// </summary>
    public static BuiltBlock Build(WorldState state, string networkId, BlockHeader? previous, ulong timestamp,
        IReadOnlyList<Transaction> transactions, SigningKeyPair proposer)
    {
        var height = previous is null ? 0 : previous.Height + 1;
        if (previous is not null && timestamp < previous.Timestamp) timestamp = previous.Timestamp;
        var execution = BlockExecutor.Execute(state, height, timestamp, transactions);
        var tree = state.Preview(execution.Changes);
        var header = BlockHeader.Create(networkId, height, previous?.Hash ?? default, timestamp, transactions.Count,
            MerkleTree.RootOfIds(transactions.Select(t => t.Id).ToList()), tree.Root, ReceiptsRoot(execution.Receipts), proposer);
        return new BuiltBlock(new Block(header, transactions), execution, tree);
    }

    /// <summary>The Merkle root of receipts.</summary>
    public static Primitives.Hash256 ReceiptsRoot(IEnumerable<Receipt> receipts) =>
        MerkleTree.RootOfLeafHashes(receipts.Select(r => MerkleTree.LeafHash(r.Encode())).ToList());
}
