using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Storage.Tests;

/// <summary>
/// What every <see cref="IDocumentStore"/> must do (dotNext <c>TransportTestSuite</c> style): one subclass per implementation
/// supplies a fresh store and runs all of these tests.
/// </summary>
public abstract class DocumentStoreContract : IDisposable
{
    private static readonly byte[] Key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 3))];
    private static readonly byte[] Aad = "report-1/v1"u8.ToArray();
    private const long Limit = 1 << 20;

    /// <summary>A fresh, empty store of this test's own; the subclass removes it when disposed.</summary>
    protected abstract IDocumentStore CreateStore();

    /// <summary>
    /// Asserts that <paramref name="store"/> holds no document. The contract's check sets aside everything with
    /// <see cref="IDocumentStore.MoveOrphans"/> and counts; an implementation adds checks of its own (e.g. no temporary files).
    /// </summary>
    protected virtual void AssertNothingStored(IDocumentStore store) => Assert.Equal(0, store.MoveOrphans(new HashSet<Hash256>()));

    /// <summary>Deterministic plaintext of <paramref name="length"/> bytes.</summary>
    protected static byte[] Plaintext(int length, int seed = 1) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + seed * 17 + (i >> 8)))];

    /// <summary>Writes <paramref name="plaintext"/> with the test key and aad; asserts it was stored.</summary>
    protected static async Task<DocumentRef> StoreAsync(IDocumentStore store, byte[] plaintext)
    {
        var result = await store.WriteAsync(new MemoryStream(plaintext), Key, Aad, Limit, null, TestContext.Current.CancellationToken);
        Assert.Null(result.Error);
        return result.Reference!;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(DocumentCrypto.ChunkSize - 1)]
    [InlineData(DocumentCrypto.ChunkSize)]
    [InlineData(DocumentCrypto.ChunkSize + 1)]
    [InlineData(3 * DocumentCrypto.ChunkSize + 1234)]
    public async Task A_written_document_decrypts_to_the_same_bytes_and_is_addressed_by_its_ciphertext_hash(int length)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CreateStore();
        var plaintext = Plaintext(length);
        var result = await store.WriteAsync(new MemoryStream(plaintext), Key, Aad, Limit, null, ct);
        Assert.Null(result.Error);
        Assert.Equal(length, result.PlaintextLength);
        var reference = result.Reference!;
        Assert.Equal(new Hash256(SHA256.HashData(plaintext)), reference.PlaintextHash);
        var chunks = (length + DocumentCrypto.ChunkSize - 1) / DocumentCrypto.ChunkSize;
        Assert.Equal(DocumentCrypto.HeaderSize + length + chunks * DocumentCrypto.TagSize, reference.CiphertextLength);
        Assert.True(store.Exists(reference.CiphertextHash));

        using (var ciphertext = new MemoryStream())
        {
            await using (var stored = store.OpenCiphertext(reference.CiphertextHash)) await stored!.CopyToAsync(ciphertext, ct);
            Assert.Equal(reference.CiphertextLength, ciphertext.Length);
            Assert.Equal(reference.CiphertextHash, new Hash256(SHA256.HashData(ciphertext.ToArray())));
            if (length >= 16) Assert.Equal(-1, ciphertext.ToArray().AsSpan().IndexOf(plaintext.AsSpan(0, Math.Min(length, 64))));
        }
        var output = new MemoryStream();
        Assert.Null(await store.DecryptToAsync(reference, Key, Aad, output, ct));
        Assert.Equal(plaintext, output.ToArray());
    }

    [Fact]
    public async Task The_same_plaintext_written_twice_is_two_documents()
    {
        var store = CreateStore();
        var first = await StoreAsync(store, Plaintext(1000));
        var second = await StoreAsync(store, Plaintext(1000));
        Assert.Equal(first.PlaintextHash, second.PlaintextHash);
        Assert.NotEqual(first.CiphertextHash, second.CiphertextHash);
        Assert.True(store.Exists(first.CiphertextHash) && store.Exists(second.CiphertextHash));
    }

    [Fact]
    public async Task An_empty_file_is_refused_and_nothing_is_stored()
    {
        var store = CreateStore();
        var result = await store.WriteAsync(new MemoryStream(), Key, Aad, Limit, null, TestContext.Current.CancellationToken);
        Assert.Null(result.Reference);
        Assert.Equal("The file is empty.", result.Error);
        AssertNothingStored(store);
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_and_nothing_is_stored()
    {
        var store = CreateStore();
        var ok = await store.WriteAsync(new MemoryStream(Plaintext(3 * DocumentCrypto.ChunkSize)), Key, Aad, 3 * DocumentCrypto.ChunkSize, null,
            TestContext.Current.CancellationToken);
        Assert.Null(ok.Error);
        store.Discard(ok.Reference!.CiphertextHash);
        var result = await store.WriteAsync(new MemoryStream(Plaintext(3 * DocumentCrypto.ChunkSize + 1)), Key, Aad, 3 * DocumentCrypto.ChunkSize, null,
            TestContext.Current.CancellationToken);
        Assert.Null(result.Reference);
        Assert.StartsWith("The file is larger than the limit", result.Error);
        AssertNothingStored(store);
    }

    [Fact]
    public async Task The_check_sees_the_first_chunk_and_its_error_refuses_the_file()
    {
        var store = CreateStore();
        var plaintext = Plaintext(2 * DocumentCrypto.ChunkSize + 5);
        byte[]? seen = null;
        var result = await store.WriteAsync(new MemoryStream(plaintext), Key, Aad, Limit, first =>
        {
            seen = first.ToArray();
            return "not a PDF";
        }, TestContext.Current.CancellationToken);
        Assert.Equal(plaintext[..DocumentCrypto.ChunkSize], seen);
        Assert.Equal("not a PDF", result.Error);
        Assert.Null(result.Reference);
        AssertNothingStored(store);
    }

    [Fact]
    public async Task A_plaintext_stream_that_breaks_off_stores_nothing()
    {
        var store = CreateStore();
        var broken = new BreakingStream(Plaintext(3 * DocumentCrypto.ChunkSize), breakAfter: 2 * DocumentCrypto.ChunkSize + 10);
        var e = await Assert.ThrowsAsync<IOException>(() => store.WriteAsync(broken, Key, Aad, Limit, null, TestContext.Current.CancellationToken));
        Assert.Equal(BreakingStream.Message, e.Message);
        AssertNothingStored(store);
    }

    [Fact]
    public async Task A_cancelled_write_stores_nothing()
    {
        var store = CreateStore();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync(new MemoryStream(Plaintext(1000)), Key, Aad, Limit, null, cancelled.Token));
        AssertNothingStored(store);
    }

    [Fact]
    public async Task Decrypting_with_the_wrong_key_or_aad_or_a_missing_document_fails_with_a_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CreateStore();
        var reference = await StoreAsync(store, Plaintext(DocumentCrypto.ChunkSize + 10));
        var wrongKey = Key.ToArray();
        wrongKey[0] ^= 1;
        var output = new MemoryStream();
        Assert.Equal("the stored file does not decrypt", await store.DecryptToAsync(reference, wrongKey, Aad, output, ct));
        Assert.Equal(0, output.Length);
        Assert.Equal("the stored file does not decrypt", await store.DecryptToAsync(reference, Key, "report-1/v2"u8.ToArray(), output, ct));
        Assert.Equal(0, output.Length);
        var missing = reference with { CiphertextHash = new Hash256(SHA256.HashData("nothing"u8)) };
        Assert.Equal("the stored file is missing", await store.DecryptToAsync(missing, Key, Aad, output, ct));
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task Discard_removes_a_document_and_ignores_one_that_is_not_stored()
    {
        var store = CreateStore();
        var kept = await StoreAsync(store, Plaintext(100, seed: 1));
        var dropped = await StoreAsync(store, Plaintext(100, seed: 2));
        store.Discard(dropped.CiphertextHash);
        store.Discard(dropped.CiphertextHash);
        store.Discard(new Hash256(SHA256.HashData("never stored"u8)));
        Assert.False(store.Exists(dropped.CiphertextHash));
        Assert.Null(store.OpenCiphertext(dropped.CiphertextHash));
        Assert.True(store.Exists(kept.CiphertextHash));
        Assert.Equal("the stored file is missing", await store.DecryptToAsync(dropped, Key, Aad, new MemoryStream(), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_replica_is_kept_only_when_its_hash_and_length_match()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = CreateStore();
        var reference = await StoreAsync(source, Plaintext(2 * DocumentCrypto.ChunkSize + 99));
        var bytes = new MemoryStream();
        await using (var stored = source.OpenCiphertext(reference.CiphertextHash)) await stored!.CopyToAsync(bytes, ct);
        var ciphertext = bytes.ToArray();

        var replica = CreateStore();
        var changed = ciphertext.ToArray();
        changed[^1] ^= 1;
        Assert.Contains("does not match the hash on the chain", await replica.StoreReplicaAsync(reference.CiphertextHash, reference.CiphertextLength, new MemoryStream(changed), ct));
        Assert.Contains("does not match the hash on the chain", await replica.StoreReplicaAsync(reference.CiphertextHash, reference.CiphertextLength, new MemoryStream(ciphertext[..^1]), ct));
        Assert.Contains("longer than the chain says", await replica.StoreReplicaAsync(reference.CiphertextHash, reference.CiphertextLength, new MemoryStream([.. ciphertext, 0]), ct));
        Assert.False(replica.Exists(reference.CiphertextHash));
        AssertNothingStored(replica);

        Assert.Null(await replica.StoreReplicaAsync(reference.CiphertextHash, reference.CiphertextLength, new MemoryStream(ciphertext), ct));
        Assert.True(replica.Exists(reference.CiphertextHash));
        Assert.Null(await replica.StoreReplicaAsync(reference.CiphertextHash, reference.CiphertextLength, new MemoryStream(changed), ct));
        var output = new MemoryStream();
        Assert.Null(await replica.DecryptToAsync(reference, Key, Aad, output, ct));
        Assert.Equal(Plaintext(2 * DocumentCrypto.ChunkSize + 99), output.ToArray());
    }

    [Fact]
    public async Task Unreferenced_documents_are_set_aside_and_restored_only_by_their_hash()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = CreateStore();
        var referenced = await StoreAsync(store, Plaintext(500, seed: 1));
        var orphan = await StoreAsync(store, Plaintext(500, seed: 2));
        Assert.Equal(1, store.MoveOrphans(new HashSet<Hash256> { referenced.CiphertextHash }));
        Assert.True(store.Exists(referenced.CiphertextHash));
        Assert.False(store.Exists(orphan.CiphertextHash));
        Assert.Null(store.OpenCiphertext(orphan.CiphertextHash));
        Assert.Equal(0, store.MoveOrphans(new HashSet<Hash256> { referenced.CiphertextHash }));

        Assert.False(await store.TryRestoreOrphanAsync(new Hash256(SHA256.HashData("never stored"u8)), ct));
        Assert.False(await store.TryRestoreOrphanAsync(referenced.CiphertextHash, ct));
        Assert.True(await store.TryRestoreOrphanAsync(orphan.CiphertextHash, ct));
        Assert.True(store.Exists(orphan.CiphertextHash));
        Assert.False(await store.TryRestoreOrphanAsync(orphan.CiphertextHash, ct));
        var output = new MemoryStream();
        Assert.Null(await store.DecryptToAsync(orphan, Key, Aad, output, ct));
        Assert.Equal(Plaintext(500, seed: 2), output.ToArray());
    }

    [Fact]
    public void Opening_a_document_that_is_not_stored_returns_null()
    {
        var store = CreateStore();
        Assert.Null(store.OpenCiphertext(new Hash256(SHA256.HashData("never stored"u8))));
        Assert.False(store.Exists(new Hash256(SHA256.HashData("never stored"u8))));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Subclasses remove their stores.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>A plaintext upload whose connection drops after <c>breakAfter</c> bytes.</summary>
    private sealed class BreakingStream(byte[] data, int breakAfter) : Stream
    {
        public const string Message = "connection reset (injected)";

        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(Span<byte> buffer)
        {
            if (_position >= breakAfter) throw new IOException(Message);
            var count = Math.Min(buffer.Length, Math.Min(breakAfter, data.Length) - _position);
            data.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
