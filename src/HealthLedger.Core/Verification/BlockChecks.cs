using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Merkle;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;

namespace HealthLedger.Core.Verification;

/// <summary>A stored block that passed <see cref="BlockChecks.CheckStored"/>: decoded and trusted as far as no state is needed.</summary>
/// <param name="Header">The decoded header.</param>
/// <param name="Transactions">The decoded transactions.</param>
public sealed record CheckedBlock(BlockHeader Header, IReadOnlyList<Transaction> Transactions);

/// <summary>The checks of one stored block that need no re-execution. Used by <see cref="ChainVerifier"/> and the node's start-up check.</summary>
public static class BlockChecks
{
    /// <summary>
    /// Checks a stored block against its predecessor: header encoding and hash, the previous-hash link, the timestamp,
    /// every transaction's encoding, id and signature, the transaction root, the proposer and its signature, and the
    /// number of receipts. <paramref name="isNode"/> says whether a key belongs to a voting node (null skips that check).
    /// In <paramref name="quick"/> mode (the start-up check) transactions are bound by their ids and root only, without
    /// their signatures, and the stored receipts are checked against the receipts root; the full verifier instead
    /// re-executes and compares each receipt. The proposer's signature is always checked.
    /// </summary>
    public static VerifyIssue? CheckStored(StoredBlock stored, BlockHeader? previous, NetworkConfig? network,
        Func<SigningPublicKey, bool>? isNode, bool quick, out CheckedBlock? result)
    {
        result = null;
        var height = stored.Height;
        if (!BlockHeader.TryDecode(stored.Header, out var header, out var error))
        {
            return VerifyIssue.InBlock(height, $"header does not decode ({error})");
        }
        if (header!.Height != height) return VerifyIssue.InBlock(height, $"header says height {header.Height}");
        if (stored.Hash.Length != 32 || new Hash256(stored.Hash) != header.Hash)
        {
            return VerifyIssue.InBlock(height, $"stored block hash {Convert.ToHexStringLower(stored.Hash)} does not match the header's hash {header.Hash}");
        }
        var expectedPrevious = previous?.Hash ?? Hash256.Zero;
        if (header.PreviousHash != expectedPrevious)
        {
            return VerifyIssue.InBlock(height, $"previous-hash link {header.PreviousHash} does not match block {height - 1}'s hash {expectedPrevious}");
        }
        if (previous is not null && header.Timestamp < previous.Timestamp)
        {
            return VerifyIssue.InBlock(height, "timestamp is earlier than the previous block's");
        }
        if (header.TxCount != stored.Transactions.Count)
        {
            return VerifyIssue.InBlock(height, $"header counts {header.TxCount} transactions but {stored.Transactions.Count} are stored");
        }

        var maxBytes = network?.Policy.MaxTxBytes ?? ChainPolicy.MaxTxBytesCeiling;
        var transactions = new List<Transaction>(stored.Transactions.Count);
        GenesisPayload? genesis = null;
        for (var i = 0; i < stored.Transactions.Count; i++)
        {
            var s = stored.Transactions[i];
            var storedId = s.Id.Length == 32 ? new Hash256(s.Id).ToString() : Convert.ToHexStringLower(s.Id);
            if (s.Index != i) return VerifyIssue.InTransaction(height, i, storedId, $"stored at index {s.Index}");
            var decoded = Transaction.TryDecode(s.Body, maxBytes, out var tx);
            if (!decoded.IsOk) return VerifyIssue.InTransaction(height, i, storedId, $"does not decode ({decoded})");
            if (tx!.Id.ToString() != storedId) return VerifyIssue.InTransaction(height, i, storedId, $"stored id does not match the transaction's hash {tx.Id}");
            if (height == 0)
            {
                genesis = tx.Payload as GenesisPayload;
                if (genesis is null || stored.Transactions.Count != 1) return VerifyIssue.InBlock(0, "block 0 must hold exactly the genesis transaction");
            }
            var networkId = genesis?.NetworkId ?? network?.NetworkId;
            if (networkId is null || (!quick && !tx.VerifySignature(networkId)))
            {
                return VerifyIssue.InTransaction(height, i, storedId, $"signature does not verify for signer {tx.Signer}");
            }
            transactions.Add(tx);
        }
        if (height == 0 && genesis is null) return VerifyIssue.InBlock(0, "block 0 must hold exactly the genesis transaction");
        var txRoot = MerkleTree.RootOfIds(transactions.Select(t => t.Id).ToList());
        if (txRoot != header.TxRoot) return VerifyIssue.InBlock(height, $"transaction root {header.TxRoot} does not match the transactions ({txRoot})");

        var proposerOk = genesis is not null ? genesis.Nodes.Any(n => n.SigningKey == header.Proposer) : isNode?.Invoke(header.Proposer) ?? true;
        if (!proposerOk) return VerifyIssue.InBlock(height, $"proposer {header.Proposer} is not a node of this network");
        if (!header.VerifySignature(genesis?.NetworkId ?? network!.NetworkId))
        {
            return VerifyIssue.InBlock(height, "proposer's signature does not verify");
        }

        if (stored.Receipts.Count != stored.Transactions.Count)
        {
            return VerifyIssue.InBlock(height, $"{stored.Receipts.Count} receipts stored for {stored.Transactions.Count} transactions");
        }
        if (quick && MerkleTree.RootOfLeafHashes(stored.Receipts.Select(r => MerkleTree.LeafHash(r)).ToList()) != header.ReceiptsRoot)
        {
            var bad = FirstUndecodableReceipt(stored);
            return bad ?? VerifyIssue.InBlock(height, $"stored receipts do not match the header's receipts root {header.ReceiptsRoot}");
        }
        result = new CheckedBlock(header, transactions);
        return null;
    }

    /// <summary>True when <paramref name="key"/> is a registered node's key in <paramref name="state"/>.</summary>
    public static bool IsNode(IStateReader state, SigningPublicKey key) =>
        state.TryGet(StateKeys.Signer(key), out var bytes) && SignerRecord.TryDecode(bytes) is { Kind: SignerKind.Node };

    private static VerifyIssue? FirstUndecodableReceipt(StoredBlock stored)
    {
        for (var i = 0; i < stored.Receipts.Count; i++)
        {
            if (!Receipt.TryDecode(stored.Receipts[i], out var receipt, out var error))
            {
                return VerifyIssue.InTransaction(stored.Height, i, null, $"stored receipt does not decode ({error})");
            }
            if (!receipt!.TxId.ToArray().AsSpan().SequenceEqual(stored.Transactions[i].Id))
            {
                return VerifyIssue.InTransaction(stored.Height, i, receipt.TxId.ToString(), "stored receipt belongs to another transaction");
            }
        }
        return null;
    }
}
