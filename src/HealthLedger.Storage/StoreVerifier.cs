using HealthLedger.Core.Verification;

namespace HealthLedger.Storage;

/// <summary>
/// Checks the commit certificate stored with block <paramref name="height"/> (null when none is stored) against the validators
/// that decided it; returns the problem, or null.
/// </summary>
public delegate string? CertificateCheck(string networkId, ulong height, Core.Primitives.Hash256 blockHash,
    IReadOnlyList<Core.Primitives.SigningPublicKey> validators, byte[]? certificate);

/// <summary>Verifies a ledger file offline with <see cref="ChainVerifier"/>: every block, transaction, receipt, state entry, record ciphertext and document.</summary>
public static class StoreVerifier
{
    /// <summary>
    /// Verifies the ledger at <paramref name="ledgerPath"/>, reporting the height reached to <paramref name="progress"/>
    /// (with the tip height as the total). Opens the file read-only.
    /// </summary>
    /// <remarks>
    /// With <paramref name="certificates"/>, every block after genesis must also carry a commit certificate that passes it.
    /// In a network of several nodes a referenced document not yet replicated here is counted in
    /// <see cref="VerifyReport.DocumentsPending"/>, not reported as a problem; one that is present must match its hash.
    /// </remarks>
    public static VerifyReport Verify(string ledgerPath, Action<ulong, ulong>? progress = null, string? documentsPath = null, CertificateCheck? certificates = null)
    {
        using var store = SqliteLedgerStore.OpenReadOnly(ledgerPath);
        var documents = new DocumentStore(documentsPath ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ledgerPath))!, DocumentStore.FolderName));
        return Verify(store, documents, progress, certificates);
    }

    /// <summary>
    /// Verifies an open ledger store of any kind and the document files in <paramref name="documents"/>, as
    /// <see cref="Verify(string, Action{ulong, ulong}?, string?, CertificateCheck?)"/> does.
    /// </summary>
    public static VerifyReport Verify(ILedgerStore store, DocumentStore documents, Action<ulong, ulong>? progress = null, CertificateCheck? certificates = null)
    {
        var verifier = new ChainVerifier();
        if (store.TipHeight is not { } tip) return Report(verifier, VerifyIssue.InBlock(0, "the ledger holds no blocks"));
        var orphans = new OrphanCounter();
        foreach (var block in store.ReadBlocks(orphans: orphans))
        {
            var validators = block.Height > 0 && certificates is not null ? verifier.ValidatorKeys : null;
            if (verifier.Add(block) is { } issue) return Report(verifier, issue);
            if (validators is not null && certificates!(verifier.NetworkId!, block.Height, verifier.Tip!.Hash, validators, store.ReadCertificate(block.Height)) is { } problem)
            {
                return Report(verifier, VerifyIssue.InBlock(block.Height, problem));
            }
            progress?.Invoke(block.Height, tip);
        }
        if (verifier.Tip is null || verifier.Tip.Height != tip) return Report(verifier, VerifyIssue.InBlock(tip, "block is missing"));
        if (orphans.Count > 0)
        {
            return Report(verifier, new VerifyIssue(null, null, null, null, $"{orphans.Count} transaction or receipt row(s) belong to no block"));
        }
        var files = documents.Enumerate().ToList();
        var present = files.Select(f => f.Name).ToHashSet();
        var pending = verifier.Replicated ? verifier.Blobs.Documents.Keys.Count(h => !present.Contains(h.ToString())) : 0;
        return Report(verifier, verifier.CheckState(store.ReadState()) ?? verifier.Blobs.Check(store.ReadBlobs())
            ?? verifier.Blobs.CheckDocuments(files.Select(d => HashedFile(d.Name, d.Path)), allowMissing: verifier.Replicated)) with
        { DocumentsPending = pending };
    }

    private static (string Name, long Length, Func<Core.Primitives.Hash256>? HashOf) HashedFile(string name, string path) =>
        (name, new FileInfo(path).Length, () => DocumentStore.HashFileAsync(path, CancellationToken.None).GetAwaiter().GetResult());

    private static VerifyReport Report(ChainVerifier verifier, VerifyIssue? issue) =>
        new(verifier.Blocks, verifier.Transactions, verifier.StateRoot.ToString(), issue);
}
