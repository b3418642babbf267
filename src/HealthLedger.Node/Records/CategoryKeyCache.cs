using System.Buffers.Binary;
using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Security;
using HealthLedger.Storage;

namespace HealthLedger.Node.Records;

/// <summary>
/// The organisation's opened category keys kept across restarts (<c>category-keys.sealed</c> beside the keystore, <see cref="Configuration.DataDirectory.CategoryKeyCachePath"/>), so that a
/// start does not redo one X25519 agreement per patient, category and epoch. The file is sealed whole (AES-256-GCM) under a
/// key derived from the organisation's own secret (<see cref="OrganisationKeys.SealCache(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>), its associated data naming the
/// format and the organisation's public key: no key in clear on disk, and a file of another organisation, an altered or a
/// truncated one fails its tag and is ignored (the keys are then opened from the chain and the file written anew).
/// Each key is stored with the hash of the organisation's envelope it was opened from (<see cref="EnvelopeHash"/>): it is
/// used only while the chain's envelope for that patient, category and epoch is still that one, so the chain stays the
/// authority (a rotation is a new epoch, which is not in the file). Written atomically (temporary file, fsync, rename,
/// fsync of the folder). Safe to delete.
/// </summary>
/// <param name="path">The file, or null for none (nothing kept across restarts).</param>
public sealed class CategoryKeyCache(string? path)
{
    private static readonly byte[] Magic = "HLCKC\u0001\r\n"u8.ToArray();

    /// <summary>One kept key: the envelope it was opened from, and the key.</summary>
    public readonly record struct Entry(string PatientId, ConsentCategories Category, int Epoch, Hash256 Envelope, byte[] Key);

    /// <summary>What <see cref="Load"/> found.</summary>
    public enum LoadResult
    {
        /// <summary>No file (or no path).</summary>
        Missing,

        /// <summary>The file opened and decoded.</summary>
        Loaded,

        /// <summary>The file is there but does not open (another organisation's, altered, truncated, another format): ignored.</summary>
        Rejected,
    }

    /// <summary>The file, or null.</summary>
    public string? Path => path;

    /// <summary>The hash that ties a kept key to the organisation's envelope on the chain: SHA-256 of the envelope's encoding.</summary>
    public static Hash256 EnvelopeHash(Envelope envelope)
    {
        var w = new CanonicalWriter(2 * 32 + Envelope.WrappedLength);
        envelope.Write(w);
        return Hashing.Sha256(w.ToArray());
    }

    /// <summary>Reads the kept keys; none when the file is missing or does not open (<paramref name="result"/> says which).</summary>
    public List<Entry> Load(OrganisationKeys organisation, out LoadResult result)
    {
        result = LoadResult.Missing;
        if (path is null || !File.Exists(path)) return [];
        byte[] file;
        try
        {
            if (RegularFile.Length(path) == 0)
            {
                result = LoadResult.Rejected; // a FIFO, a device or an empty file: not opened, replaced at the next save
                return [];
            }
            file = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            result = LoadResult.Rejected;
            return [];
        }
        result = LoadResult.Rejected;
        if (file.Length < Magic.Length || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return [];
        if (!organisation.TryOpenCache(file.AsSpan(Magic.Length), Aad(organisation), out var plaintext)) return [];
        try
        {
            if (Decode(plaintext) is not { } entries) return [];
            result = LoadResult.Loaded;
            return entries;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Replaces the file with <paramref name="entries"/> (nothing when there is no path).</summary>
    public void Save(OrganisationKeys organisation, IReadOnlyCollection<Entry> entries)
    {
        if (path is null) return;
        var plaintext = Encode(entries);
        try
        {
            var sealedBytes = organisation.SealCache(plaintext, Aad(organisation));
            DurableFile.Replace(path, [.. Magic, .. sealedBytes]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    // The format and the organisation's public key: a file sealed for another organisation (or format) does not open.
    private static byte[] Aad(OrganisationKeys organisation)
    {
        var w = new CanonicalWriter(96).Raw("HealthLedger/category-key-cache/v1"u8).Key(organisation.EncryptionKey);
        return w.ToArray();
    }

    // count (4) · per entry: id length (1) · id (UTF-8) · category (1) · epoch (4) · envelope hash (32) · key (32). Built in one
    // array of the exact size, so that no growing buffer leaves copies of the keys behind.
    private static byte[] Encode(IReadOnlyCollection<Entry> entries)
    {
        var size = 4;
        foreach (var e in entries) size += 1 + System.Text.Encoding.UTF8.GetByteCount(e.PatientId) + 1 + 4 + 32 + CategoryKeyCrypto.KeyLength;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, entries.Count);
        var at = 4;
        foreach (var e in entries)
        {
            var idLength = System.Text.Encoding.UTF8.GetBytes(e.PatientId, span[(at + 1)..]);
            span[at] = checked((byte)idLength);
            at += 1 + idLength;
            span[at++] = (byte)e.Category;
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], e.Epoch);
            at += 4;
            e.Envelope.CopyTo(span[at..]);
            at += 32;
            e.Key.CopyTo(span[at..]);
            at += CategoryKeyCrypto.KeyLength;
        }
        return bytes;
    }

    private static List<Entry>? Decode(ReadOnlySpan<byte> span)
    {
        var entries = new List<Entry>();
        if (TryDecode(span, entries)) return entries;
        foreach (var e in entries) CryptographicOperations.ZeroMemory(e.Key);
        return null;
    }

    private static bool TryDecode(ReadOnlySpan<byte> span, List<Entry> entries)
    {
        if (span.Length < 4) return false;
        var count = BinaryPrimitives.ReadInt32LittleEndian(span);
        if (count < 0 || count > span.Length / (1 + 1 + 1 + 4 + 32 + CategoryKeyCrypto.KeyLength)) return false;
        entries.Capacity = count;
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            if (at >= span.Length) return false;
            int idLength = span[at++];
            if (idLength == 0 || span.Length - at < idLength + 1 + 4 + 32 + CategoryKeyCrypto.KeyLength) return false;
            var patientId = System.Text.Encoding.UTF8.GetString(span.Slice(at, idLength));
            at += idLength;
            var category = (ConsentCategories)span[at++];
            var epoch = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            at += 4;
            var envelope = new Hash256(span.Slice(at, 32));
            at += 32;
            if (epoch < 1) return false;
            var key = span.Slice(at, CategoryKeyCrypto.KeyLength).ToArray();
            at += CategoryKeyCrypto.KeyLength;
            entries.Add(new Entry(patientId, category, epoch, envelope, key));
        }
        return at == span.Length;
    }
}
