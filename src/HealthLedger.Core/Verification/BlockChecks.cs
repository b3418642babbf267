using HealthLedger.Core.Ledger;
using HealthLedger.Core.Merkle;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Core.Verification;

/// <summary>
/// The checks of a block as a store holds it — its rows, not its rules: the header decodes and is filed under its height
/// and hash, transactions are filed at their index under their ids and decode, there is one receipt per transaction and,
/// in the start-up quick mode, the stored receipts match the header's receipts root. The block's rules (link, time,
/// proposer, signatures, roots, re-execution) are <see cref="BlockValidator"/>'s. Used by <see cref="ChainVerifier"/> and
/// the store's start-up check.
/// </summary>
public static class BlockChecks
{
    /// <summary>
    /// Decodes a stored block and checks its rows; returns the first problem, or null with the decoded block.
    /// <paramref name="maxTxBytes"/> is the network policy's transaction size limit (the ceiling before genesis is known).
    /// In <paramref name="quick"/> mode the stored receipts are checked against the receipts root (the full verifier instead
    /// re-executes and compares each receipt).
    /// </summary>
    public static VerifyIssue? CheckStored(StoredBlock stored, int maxTxBytes, bool quick, out Block? result) =>
        CheckStored(stored, maxTxBytes, quick, decoded: null, out result);

    /// <summary>
    /// As <see cref="CheckStored(StoredBlock, int, bool, out Block?)"/>, with transactions the caller decoded already (the
    /// offline verifier decodes ahead, in parallel): entry <c>i</c> of <paramref name="decoded"/>, when not null, stands for
    /// stored transaction <c>i</c> only when its encoding is byte for byte that transaction's stored body and within
    /// <paramref name="maxTxBytes"/> (then decoding again gives the same transaction: the encoding is canonical and the size
    /// limit bounds nothing else); any other entry is decoded here. The answer is the one decoding here gives.
    /// </summary>
    public static VerifyIssue? CheckStored(StoredBlock stored, int maxTxBytes, bool quick, IReadOnlyList<Transaction?>? decoded, out Block? result)
    {
        ArgumentNullException.ThrowIfNull(stored);
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

        var transactions = new List<Transaction>(stored.Transactions.Count);
        for (var i = 0; i < stored.Transactions.Count; i++)
        {
            var s = stored.Transactions[i];
            if (s.Index != i) return VerifyIssue.InTransaction(height, i, StoredId(s), $"stored at index {s.Index}");
            var tx = decoded is not null && i < decoded.Count && decoded[i] is { } ahead && s.Body.Length <= maxTxBytes
                && ahead.Encoded.Span.SequenceEqual(s.Body) ? ahead : null;
            if (tx is null)
            {
                var decodedHere = BlockValidator.DecodeTransaction(s.Body, maxTxBytes, i, out tx);
                if (!decodedHere.IsOk) return VerifyIssue.InTransaction(height, i, StoredId(s), decodedHere.Reason);
            }
            // Compared as bytes (a stored id of another length never matches); formatted only for the message.
            if (s.Id.Length != 32 || new Hash256(s.Id) != tx!.Id)
            {
                return VerifyIssue.InTransaction(height, i, StoredId(s), $"stored id does not match the transaction's hash {tx!.Id}");
            }
            transactions.Add(tx);
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
        result = new Block(header, transactions);
        return null;
    }

    private static string StoredId(StoredTransaction s) => s.Id.Length == 32 ? new Hash256(s.Id).ToString() : Convert.ToHexStringLower(s.Id);

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
                // The transaction is named by its own stored id; the id a damaged receipt carries is only quoted.
                return VerifyIssue.InTransaction(stored.Height, i, StoredId(stored.Transactions[i]), $"stored receipt names another transaction ({receipt.TxId})");
            }
        }
        return null;
    }
}
