using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Security;
using HealthLedger.Storage;

namespace HealthLedger.Node.Encounters;

/// <summary>
/// The summaries of the entries (<see cref="EntryStore"/>: when, ward, bed, quantity, unit price, amount, deposit) kept across
/// restarts in <c>entry-summaries.sealed</c> beside the keystore (<see cref="Configuration.DataDirectory.EntrySummaryCachePath"/>),
/// so that a start does not decrypt every entry again only to rebuild them (docs/benchmarks.md, "Start-up: entry summaries
/// kept across restarts"). Each summary is filed under the SHA-256 of the entry's ciphertext, the hash its world-state entry
/// names: it is used only for that exact record, and an entry the file does not hold is opened from its ciphertext as before.
/// The file is sealed whole (AES-256-GCM, <see cref="OrganisationKeys.SealCache"/>) under a key derived from the
/// organisation's secret, its associated data naming the format, the organisation's public key and the network: nothing in
/// clear on disk, and a file of another organisation or network, an altered or a truncated one fails its tag and is ignored
/// (everything is then opened from the ciphertexts and the file written anew). Written atomically (temporary file, fsync,
/// rename, fsync of the folder). Safe to delete.
/// </summary>
/// <param name="path">The file, or null for none (nothing kept across restarts).</param>
/// <param name="organisation">The organisation whose key seals the file.</param>
/// <param name="networkId">The network the entries belong to.</param>
public sealed class EntrySummaryCache(string? path, OrganisationKeys organisation, string networkId)
{
    private static readonly byte[] Magic = "HLESC\u0001\r\n"u8.ToArray();

    /// <summary>The file, or null.</summary>
    public string? Path => path;

    /// <summary>
    /// Reads the kept summaries by ciphertext hash; empty when the file is missing or does not open (<paramref name="opened"/>
    /// false for a file that is there but does not open: another organisation's or network's, altered, truncated, another format).
    /// </summary>
    public Dictionary<Hash256, EntryDetails> Load(out bool opened)
    {
        opened = true;
        if (path is null || !File.Exists(path)) return [];
        opened = false;
        if (Open(path) is not { } plaintext) return [];
        try
        {
            var summaries = new Dictionary<Hash256, EntryDetails>();
            if (!TryDecode(plaintext, summaries)) return [];
            opened = true;
            return summaries;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    // The file's plaintext, or null when it cannot be read or does not open. Apart from Load so that the sealed bytes (as
    // large as the plaintext: ~200 MB at 2 million entries) are garbage before the summaries are decoded, not held beside them.
    private byte[]? Open(string file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // unreadable: everything is opened from the ciphertexts (and the start tries to write the file anew)
        }
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return null;
        return organisation.TryOpenCache(bytes.AsSpan(Magic.Length), Aad(), out var plaintext) ? plaintext : null;
    }

    /// <summary>Replaces the file with <paramref name="summaries"/> (nothing when there is no path).</summary>
    /// <exception cref="IOException">The file could not be written (the previous one, if any, is left as it was).</exception>
    public void Save(IReadOnlyCollection<(Hash256 Ciphertext, EntryDetails Summary)> summaries)
    {
        if (path is null) return;
        // A ward or bed name longer than its 2-byte length holds (65,535 UTF-8 bytes) is left out: its entry is opened from its
        // ciphertext at the next start (an overflow here would have failed the start or the stop).
        var plaintext = Encode(summaries.Where(s => Fits(s.Summary.Ward) && Fits(s.Summary.Bed)).ToList());
        try
        {
            DurableFile.Replace(path, [.. Magic, .. organisation.SealCache(plaintext, Aad())]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    // The format, the organisation's public key and the network.
    private byte[] Aad() => new CanonicalWriter(128).Raw("HealthLedger/entry-summaries/v1"u8).Key(organisation.EncryptionKey)
        .Raw(Encoding.UTF8.GetBytes(networkId)).ToArray();

    // Flags of a summary.
    private const byte HasQuantity = 1, HasUnitPrice = 2, HasAmount = 4, IsDeposit = 8;

    // count (4) · per summary: ciphertext hash (32) · occurred at: UTC ticks (8), offset in minutes (2) · ward and bed: UTF-8
    // length (2) and bytes · flags (1) · quantity (4) · unit price (16) · amount (16), the last three present by flag. Built in
    // one array of the exact size, wiped by the caller.
    private static byte[] Encode(IReadOnlyCollection<(Hash256 Ciphertext, EntryDetails Summary)> summaries)
    {
        var size = 4;
        foreach (var (_, s) in summaries)
        {
            size += 32 + 8 + 2 + 2 + Encoding.UTF8.GetByteCount(s.Ward) + 2 + Encoding.UTF8.GetByteCount(s.Bed) + 1
                + (s.Quantity is null ? 0 : 4) + (s.UnitPrice is null ? 0 : 16) + (s.Amount is null ? 0 : 16);
        }
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, summaries.Count);
        var at = 4;
        foreach (var (hash, s) in summaries)
        {
            hash.CopyTo(span[at..]);
            at += 32;
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], s.OccurredAt.UtcTicks);
            BinaryPrimitives.WriteInt16LittleEndian(span[(at + 8)..], checked((short)s.OccurredAt.TotalOffsetMinutes));
            at += 10;
            at += WriteText(span[at..], s.Ward);
            at += WriteText(span[at..], s.Bed);
            span[at++] = (byte)((s.Quantity is null ? 0 : HasQuantity) | (s.UnitPrice is null ? 0 : HasUnitPrice) | (s.Amount is null ? 0 : HasAmount)
                | (s.Deposit ? IsDeposit : 0));
            if (s.Quantity is { } quantity)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], quantity);
                at += 4;
            }
            if (s.UnitPrice is { } price) at += WriteDecimal(span[at..], price);
            if (s.Amount is { } amount) at += WriteDecimal(span[at..], amount);
        }
        return bytes;
    }

    private static bool Fits(string text) => text.Length <= ushort.MaxValue / 3 || Encoding.UTF8.GetByteCount(text) <= ushort.MaxValue;

    private static int WriteText(Span<byte> span, string text)
    {
        var length = Encoding.UTF8.GetBytes(text, span[2..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)length));
        return 2 + length;
    }

    private static int WriteDecimal(Span<byte> span, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        for (var i = 0; i < 4; i++) BinaryPrimitives.WriteInt32LittleEndian(span[(4 * i)..], bits[i]);
        return 16;
    }

    private static bool TryDecode(ReadOnlySpan<byte> span, Dictionary<Hash256, EntryDetails> summaries)
    {
        if (span.Length < 4) return false;
        var count = BinaryPrimitives.ReadInt32LittleEndian(span);
        if (count < 0 || count > span.Length / (32 + 10 + 4 + 1)) return false;
        summaries.EnsureCapacity(count);
        var names = new Dictionary<string, string>(StringComparer.Ordinal); // each ward and bed name once, not once per entry
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            if (span.Length - at < 32 + 10) return false;
            var hash = new Hash256(span.Slice(at, 32));
            var ticks = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 32)..]);
            var offset = BinaryPrimitives.ReadInt16LittleEndian(span[(at + 40)..]);
            at += 42;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks || Math.Abs((int)offset) > 14 * 60) return false;
            if (!TryReadText(span, ref at, names, out var ward) || !TryReadText(span, ref at, names, out var bed) || at >= span.Length) return false;
            var flags = span[at++];
            if ((flags & ~(HasQuantity | HasUnitPrice | HasAmount | IsDeposit)) != 0) return false;
            int? quantity = null;
            if ((flags & HasQuantity) != 0)
            {
                if (span.Length - at < 4) return false;
                quantity = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
                at += 4;
            }
            decimal? price = null, amount = null;
            if ((flags & HasUnitPrice) != 0 && !TryReadDecimal(span, ref at, out price)) return false;
            if ((flags & HasAmount) != 0 && !TryReadDecimal(span, ref at, out amount)) return false;
            var local = ticks + offset * TimeSpan.TicksPerMinute;
            if (local < DateTime.MinValue.Ticks || local > DateTime.MaxValue.Ticks) return false;
            var occurredAt = new DateTimeOffset(local, TimeSpan.FromMinutes(offset));
            summaries[hash] = new EntryDetails
            {
                OccurredAt = occurredAt,
                Ward = ward,
                Bed = bed,
                Quantity = quantity,
                UnitPrice = price,
                Amount = amount,
                Deposit = (flags & IsDeposit) != 0,
            };
        }
        return at == span.Length;
    }

    // Strict UTF-8 (invalid bytes: the file is not ours), each distinct name made into a string once: looked up in names by its
    // characters, decoded on the stack when short.
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private static bool TryReadText(ReadOnlySpan<byte> span, ref int at, Dictionary<string, string> names, out string text)
    {
        text = "";
        if (span.Length - at < 2) return false;
        int length = BinaryPrimitives.ReadUInt16LittleEndian(span[at..]);
        at += 2;
        if (span.Length - at < length) return false;
        if (length > 0)
        {
            var bytes = span.Slice(at, length);
            Span<char> chars = length <= 256 ? stackalloc char[length] : new char[length]; // UTF-8 never has more chars than bytes
            try
            {
                chars = chars[..StrictUtf8.GetChars(bytes, chars)];
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
            var lookup = names.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(chars, out var held))
            {
                held = new string(chars);
                names[held] = held;
            }
            text = held;
        }
        at += length;
        return true;
    }

    private static bool TryReadDecimal(ReadOnlySpan<byte> span, ref int at, out decimal? value)
    {
        value = null;
        if (span.Length - at < 16) return false;
        Span<int> bits = stackalloc int[4];
        for (var i = 0; i < 4; i++) bits[i] = BinaryPrimitives.ReadInt32LittleEndian(span[(at + 4 * i)..]);
        try
        {
            value = new decimal(bits);
        }
        catch (ArgumentException)
        {
            return false;
        }
        at += 16;
        return true;
    }
}
