using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Storage;

/// <summary>
/// Encrypted files beside the ledger, addressed by the SHA-256 of their ciphertext: <c>documents/ab/abcdef…</c>.
/// Files are encrypted and decrypted in 64 KiB chunks (<see cref="DocumentCrypto"/>), never held whole in memory.
/// An upload is written to <c>documents/tmp/</c> and moved to its address only when complete; files that no committed
/// transaction references are moved to <c>documents/orphaned/</c> at start, never deleted silently. Folders and files are
/// created owner-only (<see cref="OwnerOnly"/>).
/// </summary>
public sealed class DocumentStore(string root) : IDocumentStore
{
    /// <summary>The folder name inside a data folder.</summary>
    public const string FolderName = "documents";

    /// <summary>The store's folder.</summary>
    public string Root { get; } = root;

    /// <summary>
    /// This store's disk operations under way (creating, writing, syncing and moving a document's file; not the waits for an
    /// upload's next bytes), so that a disk that stalls under them is seen (<c>/healthz</c>).
    /// </summary>
    public WriteWatch Writes { get; } = new();

    /// <summary>Where a document lives.</summary>
    public string PathOf(Hash256 ciphertextHash)
    {
        var hex = ciphertextHash.ToString();
        return Path.Combine(Root, hex[..2], hex);
    }

    /// <inheritdoc/>
    /// <remarks>Only a regular file with content counts (<see cref="RegularFile.Length"/>): a FIFO, a device, a folder or an empty
    /// file in a document's place is not the document (opened, a FIFO would make the read wait forever); the start-up check
    /// counts it as missing (<see cref="StoreVerifier"/>), and in a network a peer's copy replaces it (<see cref="StoreReplicaAsync"/>:
    /// a folder is set aside in <c>orphaned/</c>).</remarks>
    public bool Exists(Hash256 ciphertextHash) => RegularFile.Length(PathOf(ciphertextHash)) > 0;

    /// <inheritdoc/>
    /// <remarks>Written to <c>tmp/</c>, fsynced, then moved to its address and its folder fsynced (<see cref="DurableFile.MoveIntoPlace"/>:
    /// the caller commits a transaction that references it next, so the file must outlast a power cut as that commit does); the
    /// temporary file is removed on any failure. The node's own disk failing (full, read-only, an fsync refused, a folder of the
    /// store that is not one) throws <see cref="DocumentStoreFailureException"/> with nothing left filed; the plaintext stream
    /// failing (an upload that broke off) throws its own exception, as it was.</remarks>
    public async Task<DocumentWriteResult> WriteAsync(Stream plaintext, ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> aad, long maxBytes,
        Func<ReadOnlyMemory<byte>, string?>? check, CancellationToken ct)
    {
        var tmp = NodeSide(() => Path.Combine(PrepareTmp(), Guid.NewGuid().ToString("N")));
        string? target = null;
        var committed = false;
        var upload = new CallersStream(plaintext);
        try
        {
            using var plainHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var cipherHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var aes = new AesGcm(dataKey.Span, DocumentCrypto.TagSize);
            var prefix = RandomNumberGenerator.GetBytes(DocumentCrypto.PrefixSize);
            var header = new byte[DocumentCrypto.HeaderSize];
            DocumentCrypto.WriteHeader(header, prefix);
            long total = 0, written = 0;
            await using (var output = Watched(() => new FileStream(tmp, OwnerOnly.NewFile(bufferSize: 1 << 16, useAsync: true))))
            {
                using (Writes.Begin()) await output.WriteAsync(header, ct);
                cipherHash.AppendData(header);
                written += header.Length;
                var current = new byte[DocumentCrypto.ChunkSize];
                var next = new byte[DocumentCrypto.ChunkSize];
                var sealedChunk = new byte[DocumentCrypto.ChunkSize + DocumentCrypto.TagSize];
                var currentLength = await FillAsync(upload.ReadAsync, current, ct);
                if (currentLength == 0) return DocumentWriteResult.Fail("The file is empty.");
                if (check?.Invoke(current.AsMemory(0, currentLength)) is { } problem) return DocumentWriteResult.Fail(problem);
                uint index = 0;
                while (true)
                {
                    var nextLength = currentLength == DocumentCrypto.ChunkSize ? await FillAsync(upload.ReadAsync, next, ct) : 0;
                    total += currentLength;
                    if (total > maxBytes) return DocumentWriteResult.Fail($"The file is larger than the limit of {maxBytes / (1024 * 1024)} MB.");
                    var last = nextLength == 0;
                    plainHash.AppendData(current, 0, currentLength);
                    DocumentCrypto.SealChunk(aes, prefix, index++, last, current.AsSpan(0, currentLength), sealedChunk, aad.Span);
                    var sealedLength = currentLength + DocumentCrypto.TagSize;
                    using (Writes.Begin()) await output.WriteAsync(sealedChunk.AsMemory(0, sealedLength), ct);
                    cipherHash.AppendData(sealedChunk, 0, sealedLength);
                    written += sealedLength;
                    if (last) break;
                    (current, next) = (next, current);
                    currentLength = nextLength;
                }
                using (Writes.Begin())
                {
                    await output.FlushAsync(ct);
                    output.Flush(flushToDisk: true);
                }
            }
            var reference = new DocumentRef(new Hash256(plainHash.GetHashAndReset()), new Hash256(cipherHash.GetHashAndReset()), written);
            target = PathOf(reference.CiphertextHash);
            Watched(() => DurableFile.MoveIntoPlace(tmp, target, overwrite: false));
            committed = true;
            return DocumentWriteResult.Ok(reference, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && !upload.Failed)
        {
            // Moved but its folder not synced: not kept, so that nothing the caller will not reference stays filed.
            if (target is not null && !File.Exists(tmp)) TryDelete(target);
            throw Failure(e);
        }
        finally
        {
            if (!committed) TryDelete(tmp);
        }
    }

    // A disk operation marked under way (Writes) while it runs.
    private T Watched<T>(Func<T> operation)
    {
        using var underWay = Writes.Begin();
        return operation();
    }

    private void Watched(Action operation)
    {
        using var underWay = Writes.Begin();
        operation();
    }

    // documents/ (entered durably in the data folder, DurableFile.CreateDirectory) and its tmp/.
    private string PrepareTmp()
    {
        DurableFile.CreateDirectory(Root);
        return OwnerOnly.CreateDirectory(Path.Combine(Root, "tmp")).FullName;
    }

    private DocumentStoreFailureException Failure(Exception e) =>
        new($"The document store at {Root} cannot store a file: {e.Message}", e);

    // Runs a step on the node's own disk: its I/O failure is a DocumentStoreFailureException.
    private T NodeSide<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path)) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next start, which sets aside every file no committed transaction references (MoveOrphans).
        }
    }

    /// <inheritdoc/>
    public void Discard(Hash256 ciphertextHash)
    {
        var path = PathOf(ciphertextHash);
        if (File.Exists(path)) File.Delete(path);
    }

    /// <inheritdoc/>
    public async Task<string?> DecryptToAsync(DocumentRef reference, ReadOnlyMemory<byte> dataKey, ReadOnlyMemory<byte> aad, Stream output, CancellationToken ct)
    {
        var path = PathOf(reference.CiphertextHash);
        if (RegularFile.Length(path) == 0) return Path.Exists(path) ? $"the stored file is not readable as a file ({RegularFile.WhyNotOpened(path)})" : "the stored file is missing";
        if (await HashFileAsync(path, ct) != reference.CiphertextHash) return "the stored file was changed: it does not match the hash on the chain";
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var header = new byte[DocumentCrypto.HeaderSize];
        var prefix = new byte[DocumentCrypto.PrefixSize];
        if (await FillAsync(input, header, ct) != header.Length || !DocumentCrypto.TryReadHeader(header, prefix)) return "the stored file is not a document";
        using var aes = new AesGcm(dataKey.Span, DocumentCrypto.TagSize);
        var sealedChunk = new byte[DocumentCrypto.ChunkSize + DocumentCrypto.TagSize];
        var plain = new byte[DocumentCrypto.ChunkSize];
        var remaining = input.Length - DocumentCrypto.HeaderSize;
        for (uint index = 0; remaining > 0; index++)
        {
            var length = (int)Math.Min(sealedChunk.Length, remaining);
            if (await FillAsync(input, sealedChunk.AsMemory(0, length), ct) != length) return "the stored file is truncated";
            remaining -= length;
            if (!DocumentCrypto.TryOpenChunk(aes, prefix, index, remaining == 0, sealedChunk.AsSpan(0, length), plain, aad.Span)) return "the stored file does not decrypt";
            await output.WriteAsync(plain.AsMemory(0, length - DocumentCrypto.TagSize), ct);
        }
        return null;
    }

    /// <inheritdoc/>
    /// <remarks>The bytes go to <c>tmp/</c> first and are moved into place (durably, <see cref="DurableFile.MoveIntoPlace"/>) only
    /// when their SHA-256 and length match.</remarks>
    public async Task<string?> StoreReplicaAsync(Hash256 expected, long length, Stream ciphertext, CancellationToken ct)
    {
        if (Exists(expected)) return null;
        var tmp = NodeSide(() => System.IO.Path.Combine(PrepareTmp(), $"replica-{expected}-{Environment.ProcessId}-{Guid.NewGuid():N}"));
        var copy = new CallersStream(ciphertext);
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long written = 0;
            await using (var output = Watched(() => new FileStream(tmp, OwnerOnly.NewFile(bufferSize: 1 << 16, useAsync: true))))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await copy.ReadAsync(buffer, ct)) > 0)
                {
                    written += read;
                    if (written > length) return $"the copy of document {expected} is longer than the chain says";
                    sha.AppendData(buffer, 0, read);
                    using (Writes.Begin()) await output.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                using (Writes.Begin())
                {
                    await output.FlushAsync(ct);
                    output.Flush(flushToDisk: true);
                }
            }
            if (written != length || new Hash256(sha.GetHashAndReset()) != expected) return $"the copy of document {expected} does not match the hash on the chain";
            var target = PathOf(expected);
            // A folder in the document's place (a rename cannot replace one) is set aside in orphaned/, not deleted: the copy
            // takes its place (a FIFO, a device or an empty file the rename replaces).
            if (Directory.Exists(target)) Directory.Move(target, System.IO.Path.Combine(OwnerOnly.CreateDirectory(System.IO.Path.Combine(Root, "orphaned")).FullName, $"{expected}-folder-{Guid.NewGuid():N}"));
            Watched(() => DurableFile.MoveIntoPlace(tmp, target, overwrite: true));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && !copy.Failed)
        {
            throw Failure(e);
        }
        finally
        {
            TryDelete(tmp);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Orphans live in <c>orphaned/</c>.</remarks>
    public async Task<bool> TryRestoreOrphanAsync(Hash256 hash, CancellationToken ct)
    {
        var orphan = System.IO.Path.Combine(Root, "orphaned", hash.ToString());
        try
        {
            if (RegularFile.Length(orphan) == 0 || await HashFileAsync(orphan, ct) != hash) return false;
            DurableFile.MoveIntoPlace(orphan, PathOf(hash), overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(e);
        }
    }

    /// <inheritdoc/>
    public Stream? OpenCiphertext(Hash256 ciphertextHash)
    {
        if (!Exists(ciphertextHash)) return null; // a FIFO or a device in its place is never opened (a peer's request would wait forever)
        try
        {
            return new FileStream(PathOf(ciphertextHash), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>SHA-256 of a file, streamed.</summary>
    public static async Task<Hash256> HashFileAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return new Hash256(await SHA256.HashDataAsync(stream, ct));
    }

    /// <summary>Every stored document as (the hash it is filed under, its path), skipping tmp/ and orphaned/.</summary>
    public IEnumerable<(string Name, string Path)> Enumerate()
    {
        if (!Directory.Exists(Root)) yield break;
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var name = System.IO.Path.GetFileName(dir);
            if (name is "tmp" or "orphaned") continue;
            foreach (var file in Directory.EnumerateFiles(dir)) yield return (System.IO.Path.GetFileName(file), file);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Moves the files to <c>orphaned/</c>; so does a file whose name is not a hash.</remarks>
    public int MoveOrphans(IReadOnlySet<Hash256> referenced)
    {
        var moved = 0;
        foreach (var (name, path) in Enumerate().ToList())
        {
            if (Hash256.TryParse(name, out var hash) && referenced.Contains(hash)) continue;
            var target = System.IO.Path.Combine(OwnerOnly.CreateDirectory(System.IO.Path.Combine(Root, "orphaned")).FullName, name);
            File.Move(path, target, overwrite: true);
            moved++;
        }
        return moved;
    }

    private static Task<int> FillAsync(Stream stream, Memory<byte> buffer, CancellationToken ct) => FillAsync(stream.ReadAsync, buffer, ct);

    private static async Task<int> FillAsync(Func<Memory<byte>, CancellationToken, ValueTask<int>> read, Memory<byte> buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var got = await read(buffer[total..], ct);
            if (got == 0) break;
            total += got;
        }
        return total;
    }

    // The caller's stream (an upload, a peer's copy), read through: whether it failed, so that its IOException is passed on as
    // it is and never taken for the node's own disk failing (DocumentStoreFailureException).
    private sealed class CallersStream(Stream inner)
    {
        public bool Failed { get; private set; }

        public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
        {
            try
            {
                return await inner.ReadAsync(buffer, ct);
            }
            catch (IOException)
            {
                Failed = true;
                throw;
            }
        }
    }
}

/// <summary>The outcome of <see cref="IDocumentStore.WriteAsync"/>.</summary>
/// <param name="Reference">The stored document, on success.</param>
/// <param name="PlaintextLength">The file's size.</param>
/// <param name="Error">Why it was refused.</param>
public sealed record DocumentWriteResult(DocumentRef? Reference, long PlaintextLength, string? Error)
{
    /// <summary>Stored.</summary>
    public static DocumentWriteResult Ok(DocumentRef reference, long length) => new(reference, length, null);

    /// <summary>Refused; nothing stored.</summary>
    public static DocumentWriteResult Fail(string error) => new(null, 0, error);
}
