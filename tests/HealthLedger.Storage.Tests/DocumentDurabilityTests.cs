using System.Security.Cryptography;
using HealthLedger.Core.Primitives;
using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// A document is filed durably: the node commits the transaction that references it right after storing it, so its file must
/// outlast a power cut as that commit does. POSIX makes a rename durable only through an fsync of its folder, and a folder
/// made for it only through an fsync of the parent. What the process asks of the kernel is watched with <c>strace</c>
/// (<see cref="SyscallTrace"/>) on a child process running <see cref="A_written_document_a_replica_and_a_restored_orphan_are_each_filed_under_their_hash"/>;
/// a power cut itself cannot be caused here.
/// </summary>
public sealed class DocumentDurabilityTests
{
    private const string RootVariable = "HEALTHLEDGER_TEST_DOCUMENT_ROOT";
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 5 + 1))];

    /// <summary>
    /// Stores a document, a replica and an orphan restored into place, each in a shard folder of its own, and checks that each is
    /// filed under its hash. Also the probe of <see cref="Every_document_moved_into_place_has_its_folder_fsynced_after_the_rename"/>,
    /// which runs it under strace with the store's folder given in <c>HEALTHLEDGER_TEST_DOCUMENT_ROOT</c>.
    /// </summary>
    [Fact]
    public async Task A_written_document_a_replica_and_a_restored_orphan_are_each_filed_under_their_hash()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempDirectory();
        var store = new DocumentStore(Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } given ? given : folder.Combine(DocumentStore.FolderName));
        var written = await store.WriteAsync(new MemoryStream("%PDF-1.4 a report"u8.ToArray()), Key, "report-1/v1"u8.ToArray(), 1 << 20, null, ct);
        Assert.Null(written.Error);
        var replica = "a replica's ciphertext"u8.ToArray();
        var replicaHash = new Hash256(SHA256.HashData(replica));
        Assert.Null(await store.StoreReplicaAsync(replicaHash, replica.Length, new MemoryStream(replica), ct));
        var orphan = "an orphan's ciphertext"u8.ToArray();
        var orphanHash = new Hash256(SHA256.HashData(orphan));
        Directory.CreateDirectory(Path.Combine(store.Root, "orphaned"));
        await File.WriteAllBytesAsync(Path.Combine(store.Root, "orphaned", orphanHash.ToString()), orphan, ct);
        Assert.True(await store.TryRestoreOrphanAsync(orphanHash, ct));

        Assert.All(new[] { written.Reference!.CiphertextHash, replicaHash, orphanHash }, hash => Assert.True(store.Exists(hash)));
        Assert.Equal(3, store.Enumerate().Count());
    }

    [Fact]
    public async Task Every_document_moved_into_place_has_its_folder_fsynced_after_the_rename()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempDirectory();
        var root = folder.Combine(DocumentStore.FolderName);
        var probe = typeof(DocumentDurabilityTests).FullName + "." + nameof(A_written_document_a_replica_and_a_restored_orphan_are_each_filed_under_their_hash);
        var calls = await SyscallTrace.RunAsync(typeof(DocumentDurabilityTests).Assembly, probe, new Dictionary<string, string> { [RootVariable] = root },
            folder.Combine("trace.txt"), ct);

        var filed = Directory.EnumerateDirectories(root).Where(d => Path.GetFileName(d) is not ("tmp" or "orphaned"))
            .SelectMany(Directory.EnumerateFiles).ToList();
        Assert.Equal(3, filed.Count);
        // documents/ itself, made by the first write, entered durably in the data folder before anything is filed in it.
        var storeMade = SyscallTrace.IndexOf(calls, "mkdir", root);
        var firstMove = calls.ToList().FindIndex(c => c.Kind == "move" && filed.Contains(c.Path));
        Assert.True(storeMade >= 0 && firstMove > storeMade, "documents/ was not made before the first document was filed");
        Assert.True(calls.Skip(storeMade + 1).Take(firstMove - storeMade - 1).Any(c => c.Kind == "sync" && c.Path == folder.Path),
            "the data folder was not fsynced between making documents/ and filing the first document");
        foreach (var path in filed)
        {
            var shard = Path.GetDirectoryName(path)!;
            var moved = SyscallTrace.IndexOf(calls, "move", path);
            Assert.True(moved >= 0, $"no rename or link to {path} in the trace");
            Assert.True(SyscallTrace.SyncedAfter(calls, moved, shard), $"{shard} was not fsynced after {Path.GetFileName(path)} was moved into it");
            var made = SyscallTrace.IndexOf(calls, "mkdir", shard);
            Assert.True(made >= 0 && made < moved, $"{shard} was not made before a document was moved into it");
            var rootSynced = calls.Skip(made + 1).Take(moved - made - 1).Any(c => c.Kind == "sync" && c.Path == root);
            Assert.True(rootSynced, $"the store's folder was not fsynced between making {Path.GetFileName(shard)}/ and moving a document into it");
        }
    }
}
