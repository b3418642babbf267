using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Node.Ledger;

namespace HealthLedger.Node.Printouts;

/// <summary>
/// The checks that a printed record's authenticity check (a medical report's, a lab report's) makes of what the node
/// stores, each adding a plain-language problem (no PHI) to <c>problems</c> when it fails.
/// </summary>
public static class StoredRecordChecks
{
    /// <summary>The state entry on disk under <paramref name="key"/> must be <paramref name="encoded"/> (the state as read).</summary>
    public static void StateEntry(LedgerNode node, string key, byte[] encoded, List<string> problems)
    {
        var onDisk = node.Store.ReadStateValue(key);
        if (onDisk is null || !onDisk.AsSpan().SequenceEqual(encoded)) problems.Add("its stored state entry was changed or is missing");
    }

    /// <summary>
    /// The transaction at <paramref name="proof"/>: intact in its block, its signature verifying, signed by
    /// <paramref name="authorId"/>; null when it is not intact (the caller then cannot compare its payload).
    /// </summary>
    public static Transaction? SignedTransaction(LedgerNode node, RecordProof proof, string authorId, List<string> problems)
    {
        var block = node.Store.ReadBlock(proof.Height);
        var tx = block?.Transactions.Select(t => Transaction.TryDecode(t.Body, int.MaxValue, out var d).IsOk ? d : null).FirstOrDefault(t => t?.Id == proof.TxId);
        if (tx is null)
        {
            problems.Add($"its transaction {proof.TxId} is not intact in block {proof.Height}");
            return null;
        }
        if (!tx.VerifySignature(node.Network.NetworkId)) problems.Add("its transaction's signature does not verify");
        var signer = node.GetState(StateKeys.Signer(tx.Signer)) is { } s ? SignerRecord.TryDecode(s) : null;
        if (signer?.Id != authorId) problems.Add("it was not signed by its stated author");
        return tx;
    }

    /// <summary>The sealed content's stored ciphertext, which must hash to <paramref name="ciphertextHash"/>; null when missing.</summary>
    public static byte[]? SealedContent(LedgerNode node, Hash256 ciphertextHash, List<string> problems)
    {
        var ciphertext = node.Store.ReadBlob(ciphertextHash);
        if (ciphertext is null || Hashing.Sha256(ciphertext) != ciphertextHash) problems.Add("its sealed content was changed or is missing");
        return ciphertext;
    }
}
