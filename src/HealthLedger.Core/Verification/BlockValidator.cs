using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Merkle;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;

namespace HealthLedger.Core.Verification;

/// <summary>
/// The rules a block must keep to be committed after the previous one — the one implementation used for a proposed block
/// (consensus), a block fetched by block sync, the genesis block a joining node fetches, the offline verifier and the
/// start-up check. Pure: the caller passes the previous header, the validators, the state, the time bound and the
/// ciphertexts; nothing is read from a clock, a store or the network, and nothing is changed.
/// </summary>
/// <remarks>
/// The checks run in this order and the first that fails is returned (see <see cref="BlockRefusal"/>): height, previous
/// hash, timestamp (not before the previous block, not after <see cref="BlockContext.LatestTimestamp"/>), transaction count
/// and policy limit, genesis placement, proposer (one of the validators), proposer signature, transaction root, every
/// transaction's signature, then re-execution with <see cref="BlockExecutor"/> (state root, then receipts root), then the
/// record ciphertexts of the accepted transactions. Which validator proposes which round is the consensus engine's rule,
/// checked before a proposal reaches here; a synced block carries a commit certificate of the validators instead.
/// Expected failures are verdicts, never exceptions; an <see cref="ArgumentException"/> means the caller broke the contract.
/// </remarks>
public static class BlockValidator
{
    /// <summary>
    /// Checks <paramref name="block"/> as the block after <see cref="BlockContext.Previous"/>.
    /// </summary>
    /// <param name="block">The decoded block (decoding is the wire's or the store's: see <see cref="DecodeTransaction"/>).</param>
    /// <param name="context">The previous header, validators, limits and time bound.</param>
    /// <param name="state">The world state after the previous block (empty for genesis), not changed; null skips
    /// re-execution and the ciphertext checks (the start-up quick check, which trusts the stored receipts root).</param>
    /// <param name="ciphertexts">The record ciphertexts that came with the block, by SHA-256; null skips the ciphertext checks
    /// (the offline verifier checks the stored ciphertexts of the whole chain with <see cref="RecordBlobChecks"/>).</param>
    /// <param name="alreadyStored">Whether a ciphertext that did not come with the block is held already (the caller's lookup); null: none is.</param>
    /// <returns>The verdict; when it passed and was re-executed, with the execution, the state tree and the ciphertexts to store.</returns>
    /// <exception cref="ArgumentException">No network id for a block after genesis, or no validator set where one is required.</exception>
    public static BlockVerdict Validate(Block block, BlockContext context, WorldState? state,
        IReadOnlyDictionary<Hash256, byte[]>? ciphertexts = null, Func<Hash256, bool>? alreadyStored = null)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(context);
        var header = block.Header;
        var previous = context.Previous;
        var expectedHeight = previous is null ? 0 : previous.Height + 1;
        if (header.Height != expectedHeight)
        {
            return Refuse(BlockRefusal.WrongHeight, $"height {header.Height} is not the next height {expectedHeight}");
        }
        var expectedPrevious = previous?.Hash ?? Hash256.Zero;
        if (header.PreviousHash != expectedPrevious)
        {
            return Refuse(BlockRefusal.WrongPreviousHash, previous is null
                ? $"genesis's previous-hash link {header.PreviousHash} is not all zeros"
                : $"previous-hash link {header.PreviousHash} does not match block {previous.Height}'s hash {expectedPrevious}");
        }
        if (previous is not null && header.Timestamp < previous.Timestamp)
        {
            return Refuse(BlockRefusal.TimestampBeforePrevious, $"timestamp {header.Timestamp} is earlier than the previous block's {previous.Timestamp}");
        }
        if (context.LatestTimestamp is { } latest && header.Timestamp > latest)
        {
            return Refuse(BlockRefusal.TimestampTooFarAhead, $"timestamp {header.Timestamp} is too far in the future (latest accepted {latest})");
        }
        if (header.TxCount != block.Transactions.Count)
        {
            return Refuse(BlockRefusal.TxCountMismatch, $"header counts {header.TxCount} transactions but the block holds {block.Transactions.Count}");
        }
        if (context.MaxTransactions is { } max && block.Transactions.Count > max)
        {
            return Refuse(BlockRefusal.TooManyTransactions, $"it holds {block.Transactions.Count} transactions, more than the policy's {max}");
        }

        GenesisPayload? genesis = null;
        if (previous is null)
        {
            if (block.Transactions is not [{ Kind: TxKind.Genesis, Payload: GenesisPayload payload }])
            {
                return Refuse(BlockRefusal.NotGenesis, "block 0 must hold exactly the genesis transaction");
            }
            genesis = payload;
            if (context.NetworkId is { } expected && genesis.NetworkId != expected)
            {
                return Refuse(BlockRefusal.NotGenesis, $"its genesis transaction is of network '{genesis.NetworkId}', not '{expected}'");
            }
        }
        else
        {
            for (var i = 0; i < block.Transactions.Count; i++)
            {
                if (block.Transactions[i].Kind == TxKind.Genesis)
                {
                    return Refuse(BlockRefusal.GenesisOutOfPlace, "it holds a genesis transaction, which only block 0 may", i);
                }
            }
        }
        var networkId = genesis?.NetworkId ?? context.NetworkId ?? throw new ArgumentException("A block after genesis needs the network id.", nameof(context));

        var validators = genesis?.Nodes.Select(n => n.SigningKey).ToList() ?? context.Validators;
        if (validators is null && context.VerifyTransactionSignatures)
        {
            throw new ArgumentException("The validator set is required to check a block's proposer.", nameof(context));
        }
        if (validators is not null && !validators.Contains(header.Proposer))
        {
            return Refuse(BlockRefusal.UnknownProposer, $"proposer {header.Proposer} is not a node of this network: not one of the {validators.Count} validators of this height");
        }
        if (!header.VerifySignature(networkId))
        {
            return Refuse(BlockRefusal.BadProposerSignature, "proposer's signature does not verify");
        }
        var txRoot = MerkleTree.RootOfIds(block.Transactions.Select(t => t.Id).ToList());
        if (txRoot != header.TxRoot)
        {
            return Refuse(BlockRefusal.TxRootMismatch, $"transaction root {header.TxRoot} does not match the transactions ({txRoot})");
        }
        if (context.VerifyTransactionSignatures)
        {
            var bad = (context.SignatureCheck ?? FirstBadSignature)(block.Transactions, networkId);
            if (bad >= 0)
            {
                return Refuse(BlockRefusal.BadTransactionSignature, $"transaction {bad} has a bad signature for signer {block.Transactions[bad].Signer}", bad);
            }
        }
        if (state is null) return BlockVerdict.Ok(null, null, new Dictionary<Hash256, byte[]>());

        var execution = BlockExecutor.Execute(state, header.Height, header.Timestamp, block.Transactions);
        var tree = state.Preview(execution.Changes);
        BlockVerdict Executed(BlockRefusal refusal, string reason, int? index = null) =>
            new(refusal, reason) { TxIndex = index, Execution = execution, Tree = tree };
        if (genesis is not null && execution.Receipts[0].Verdict != TxVerdict.Ok)
        {
            return Executed(BlockRefusal.GenesisRejected, $"its genesis transaction is rejected ({execution.Receipts[0].Verdict}: {execution.Receipts[0].Reason})", 0);
        }
        if (tree.Root != header.StateRoot)
        {
            return Executed(BlockRefusal.StateRootMismatch, $"state root {header.StateRoot} in the header differs from the re-executed state root {tree.Root}");
        }
        var receiptsRoot = BlockBuilder.ReceiptsRoot(execution.Receipts);
        if (receiptsRoot != header.ReceiptsRoot)
        {
            return Executed(BlockRefusal.ReceiptsRootMismatch, $"receipts root {header.ReceiptsRoot} in the header differs from the re-executed receipts' root {receiptsRoot}");
        }
        if (ciphertexts is null) return BlockVerdict.Ok(execution, tree, new Dictionary<Hash256, byte[]>());

        // The ciphertexts of accepted transactions must come with the block (or be held already) and match their references.
        var referenced = block.Transactions.SelectMany(t => t.Payload.Records).Select(r => r.CiphertextHash).ToHashSet();
        foreach (var carried in ciphertexts.Keys.Order())
        {
            if (!referenced.Contains(carried))
            {
                return Executed(BlockRefusal.UnreferencedCiphertext, $"it carries ciphertext {carried}, which no transaction references");
            }
        }
        var accepted = new Dictionary<Hash256, byte[]>();
        for (var i = 0; i < block.Transactions.Count; i++)
        {
            if (execution.Receipts[i].Verdict != TxVerdict.Ok) continue;
            foreach (var record in block.Transactions[i].Payload.Records)
            {
                if (ciphertexts.TryGetValue(record.CiphertextHash, out var data))
                {
                    if (!RecordBlobChecks.Matches(record.CiphertextHash, record.Length, data))
                    {
                        return Executed(BlockRefusal.CiphertextMismatch, $"record ciphertext {record.CiphertextHash} does not match its reference", i);
                    }
                    accepted[record.CiphertextHash] = data;
                }
                else if (alreadyStored?.Invoke(record.CiphertextHash) != true)
                {
                    return Executed(BlockRefusal.CiphertextMissing, $"record ciphertext {record.CiphertextHash} is neither in the block nor stored here", i);
                }
            }
        }
        return BlockVerdict.Ok(execution, tree, accepted);
    }

    /// <summary>
    /// Decodes transaction <paramref name="index"/> of a block within the network's size limit; a verdict with
    /// <see cref="BlockRefusal.UndecodableTransaction"/> names the encoding problem when it does not decode.
    /// </summary>
    public static BlockVerdict DecodeTransaction(ReadOnlySpan<byte> encoded, int maxTxBytes, int index, out Transaction? transaction)
    {
        var decoded = Transaction.TryDecode(encoded, maxTxBytes, out transaction);
        return decoded.IsOk ? BlockVerdict.Ok(null, null, new Dictionary<Hash256, byte[]>())
            : Refuse(BlockRefusal.UndecodableTransaction, $"transaction {index} does not decode: {decoded}", index);
    }

    /// <summary>Verifies the transactions' signatures one after the other; returns the first bad index, or −1.</summary>
    public static int FirstBadSignature(IReadOnlyList<Transaction> transactions, string networkId)
    {
        for (var i = 0; i < transactions.Count; i++)
        {
            if (!transactions[i].VerifySignature(networkId)) return i;
        }
        return -1;
    }

    private static BlockVerdict Refuse(BlockRefusal refusal, string reason, int? index = null) => new(refusal, reason) { TxIndex = index };
}
