using HealthLedger.Core.Verification;

namespace HealthLedger.Storage;

/// <summary>Verifies a ledger file offline with <see cref="ChainVerifier"/>: every block, transaction, receipt, state entry, record ciphertext and document.</summary>
public static class StoreVerifier
{
    /// <summary>
    /// Verifies the ledger at <paramref name="ledgerPath"/>, reporting the height reached to <paramref name="progress"/>
    /// (with the tip height as the total). Opens the file read-only.
    /// </summary>
    public static VerifyReport Verify(string ledgerPath, Action<ulong, ulong>? progress = null, string? documentsPath = null)
    {
        using var store = LedgerStore.OpenReadOnly(ledgerPath);
        var verifier = new ChainVerifier();
        if (store.TipHeight is not { } tip) return Report(verifier, VerifyIssue.InBlock(0, "the ledger holds no blocks"));
        var orphans = new OrphanCounter();
        foreach (var block in store.ReadBlocks(orphans: orphans))
        {
            if (verifier.Add(block) is { } issue) return Report(verifier, issue);
            progress?.Invoke(block.Height, tip);
        }
        if (verifier.Tip is null || verifier.Tip.Height != tip) return Report(verifier, VerifyIssue.InBlock(tip, "block is missing"));
        if (orphans.Count > 0)
        {
            return Report(verifier, new VerifyIssue(null, null, null, null, $"{orphans.Count} transaction or receipt row(s) belong to no block"));
        }
        var documents = new DocumentStore(documentsPath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ledgerPath))!, DocumentStore.FolderName));
        return Report(verifier, verifier.CheckState(store.ReadState()) ?? verifier.Blobs.Check(store.ReadBlobs())
            ?? verifier.Blobs.CheckDocuments(documents.Enumerate().Select(d => HashedFile(d.Name, d.Path))));
    }

    private static (string Name, long Length, Func<Core.Primitives.Hash256>? HashOf) HashedFile(string name, string path) =>
        (name, new FileInfo(path).Length, () => DocumentStore.HashFileAsync(path, CancellationToken.None).GetAwaiter().GetResult());

    private static VerifyReport Report(ChainVerifier verifier, VerifyIssue? issue) =>
        new(verifier.Blocks, verifier.Transactions, verifier.StateRoot.ToString(), issue);
}
