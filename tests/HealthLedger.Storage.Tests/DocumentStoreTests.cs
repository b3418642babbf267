using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>The document store contract on real files, and the file layout: addresses, tmp/ and orphaned/, changed bytes.</summary>
public sealed class DocumentStoreTests : DocumentStoreContract
{
    private readonly List<TempDirectory> _folders = [];

    /// <inheritdoc/>
    protected override IDocumentStore CreateStore() => CreateFileStore();

    /// <inheritdoc/>
    /// <remarks>Also no file anywhere under the root: no left-over upload in tmp/, nothing set aside.</remarks>
    protected override void AssertNothingStored(IDocumentStore store)
    {
        var root = ((DocumentStore)store).Root;
        Assert.Empty(Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories) : []);
        base.AssertNothingStored(store);
    }

    [Fact]
    public async Task A_document_lives_at_its_hash_address_and_is_listed_with_its_path()
    {
        var store = CreateFileStore();
        var reference = await StoreAsync(store, Plaintext(1000));
        var hex = reference.CiphertextHash.ToString();
        Assert.Equal(Path.Combine(store.Root, hex[..2], hex), store.PathOf(reference.CiphertextHash));
        Assert.True(File.Exists(store.PathOf(reference.CiphertextHash)));
        Assert.Equal(new[] { (hex, store.PathOf(reference.CiphertextHash)) }, store.Enumerate());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Root, "tmp")));
        Assert.Equal(reference.CiphertextHash, await DocumentStore.HashFileAsync(store.PathOf(reference.CiphertextHash), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_changed_file_is_never_served()
    {
        var store = CreateFileStore();
        var reference = await StoreAsync(store, Plaintext(DocumentCrypto.ChunkSize + 1));
        var path = store.PathOf(reference.CiphertextHash);
        var bytes = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
        bytes[DocumentCrypto.HeaderSize + 5] ^= 0x10;
        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);
        var output = new MemoryStream();
        Assert.Equal("the stored file was changed: it does not match the hash on the chain",
            await store.DecryptToAsync(reference, Plaintext(32), "report-1/v1"u8.ToArray(), output, TestContext.Current.CancellationToken));
        Assert.Equal(0, output.Length);
    }

    // Break-test (2026-12-07): a FIFO in place of a stored document made its download wait forever (File.Exists is true for a
    // FIFO, and opening it to read waits for a writer); a peer asking for the document would have waited too.
    [Fact]
    public async Task A_fifo_in_place_of_a_document_is_never_opened_and_counts_as_missing_so_a_copy_replaces_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CreateFileStore();
        var reference = await StoreAsync(store, Plaintext(1000));
        var path = store.PathOf(reference.CiphertextHash);
        var good = await File.ReadAllBytesAsync(path, ct);
        File.Delete(path);
        SpecialFiles.MakeFifo(path);

        Assert.False(store.Exists(reference.CiphertextHash));
        Assert.Null(store.OpenCiphertext(reference.CiphertextHash));
        var output = new MemoryStream();
        var refused = await store.DecryptToAsync(reference, Plaintext(32), "report-1/v1"u8.ToArray(), output, ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal($"the stored file is not readable as a file ({RegularFile.NotOpened})", refused);
        Assert.Equal(0, output.Length);

        // A peer's copy (as the replicator fetches a document that does not exist here) takes its place.
        Assert.Null(await store.StoreReplicaAsync(reference.CiphertextHash, good.Length, new MemoryStream(good), ct));
        Assert.True(store.Exists(reference.CiphertextHash));
        Assert.Equal(good, await File.ReadAllBytesAsync(path, ct));

        // A folder in its place (a rename cannot replace one) is set aside in orphaned/, and the copy takes its place.
        File.Delete(path);
        Directory.CreateDirectory(path);
        await File.WriteAllTextAsync(Path.Combine(path, "inside"), "kept", ct);
        Assert.False(store.Exists(reference.CiphertextHash));
        Assert.Null(await store.StoreReplicaAsync(reference.CiphertextHash, good.Length, new MemoryStream(good), ct));
        Assert.Equal(good, await File.ReadAllBytesAsync(path, ct));
        var aside = Assert.Single(Directory.EnumerateDirectories(Path.Combine(store.Root, "orphaned")));
        Assert.Equal("kept", await File.ReadAllTextAsync(Path.Combine(aside, "inside"), ct));
    }

    [Fact]
    public async Task Orphans_go_to_the_orphaned_folder_and_a_changed_one_is_not_restored()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CreateFileStore();
        var orphan = await StoreAsync(store, Plaintext(300));
        Directory.CreateDirectory(Path.Combine(store.Root, "zz"));
        await File.WriteAllTextAsync(Path.Combine(store.Root, "zz", "not-a-hash"), "junk", ct);
        Assert.Equal(2, store.MoveOrphans(new HashSet<Hash256>()));
        var setAside = Path.Combine(store.Root, "orphaned", orphan.CiphertextHash.ToString());
        Assert.True(File.Exists(setAside));
        Assert.True(File.Exists(Path.Combine(store.Root, "orphaned", "not-a-hash")));
        Assert.Empty(store.Enumerate());

        await File.AppendAllTextAsync(setAside, "x", ct);
        Assert.False(await store.TryRestoreOrphanAsync(orphan.CiphertextHash, ct));
        Assert.False(store.Exists(orphan.CiphertextHash));
        Assert.True(File.Exists(setAside));
    }

    [Fact]
    public async Task A_refused_replica_leaves_no_file_in_tmp()
    {
        var store = CreateFileStore();
        var hash = new Hash256(SHA256.HashData("expected"u8));
        Assert.NotNull(await store.StoreReplicaAsync(hash, 8, new MemoryStream("tampered"u8.ToArray()), TestContext.Current.CancellationToken));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Root, "tmp")));
        Assert.False(File.Exists(store.PathOf(hash)));
    }

    [Fact]
    public async Task The_node_s_disk_refusing_a_write_or_a_replica_is_a_document_store_failure_and_files_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CreateFileStore();
        Directory.CreateDirectory(store.Root);
        await File.WriteAllTextAsync(Path.Combine(store.Root, "tmp"), "not a folder", ct); // as a full, read-only or failing disk
        var failure = await Assert.ThrowsAsync<DocumentStoreFailureException>(() =>
            store.WriteAsync(new MemoryStream(Plaintext(100)), Plaintext(32), "report-1/v1"u8.ToArray(), 1 << 20, null, ct));
        Assert.StartsWith($"The document store at {store.Root} cannot store a file: ", failure.Message, StringComparison.Ordinal);
        var replica = "a replica"u8.ToArray();
        await Assert.ThrowsAsync<DocumentStoreFailureException>(() =>
            store.StoreReplicaAsync(new Hash256(SHA256.HashData(replica)), replica.Length, new MemoryStream(replica), ct));
        Assert.Empty(store.Enumerate());
    }

    [Fact]
    public async Task Folders_removed_while_the_store_is_in_use_are_made_again_owner_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CreateFileStore();
        var replica = "a replica"u8.ToArray();
        var hash = new Hash256(SHA256.HashData(replica));
        Assert.Null(await store.StoreReplicaAsync(hash, replica.Length, new MemoryStream(replica), ct));
        // An operator's clean-up (or a disk swapped) while the node runs: the store's folder and its shard folders gone.
        Directory.Delete(store.Root, recursive: true);
        Assert.Null(await store.StoreReplicaAsync(hash, replica.Length, new MemoryStream(replica), ct));
        Assert.True(store.Exists(hash));
        var written = await StoreAsync(store, Plaintext(500));
        Assert.True(store.Exists(written.CiphertextHash));
        if (!OperatingSystem.IsWindows())
        {
            // A shard folder found with a wider mode (made by an older version, or copied in) is tightened when the process first
            // files into it.
            var older = CreateFileStore();
            var shard = Path.GetDirectoryName(older.PathOf(hash))!;
            Directory.CreateDirectory(shard);
            File.SetUnixFileMode(shard, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            Assert.Null(await older.StoreReplicaAsync(hash, replica.Length, new MemoryStream(replica), ct));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(shard));
        }
    }

    [Fact]
    public async Task An_upload_that_breaks_off_is_the_upload_s_own_error_not_the_store_s_and_files_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CreateFileStore();
        var upload = new BreaksOff(Plaintext(3 * DocumentCrypto.ChunkSize), DocumentCrypto.ChunkSize + 10);
        var error = await Assert.ThrowsAsync<IOException>(() => store.WriteAsync(upload, Plaintext(32), "report-1/v1"u8.ToArray(), 1 << 22, null, ct));
        Assert.Equal("the connection broke", error.Message);
        Assert.Empty(store.Enumerate());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Root, "tmp")));
    }

    // A request body that throws after some bytes, as an interrupted upload does.
    private sealed class BreaksOff(byte[] bytes, int breakAt) : MemoryStream(bytes)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= breakAt) throw new IOException("the connection broke");
            return await base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, breakAt - Position)], cancellationToken);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        foreach (var folder in _folders) folder.Dispose();
    }

    private DocumentStore CreateFileStore()
    {
        var folder = new TempDirectory();
        _folders.Add(folder);
        return new DocumentStore(folder.Combine(DocumentStore.FolderName));
    }
}
