using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Security;
using HealthLedger.Storage;

namespace HealthLedger.Node.Encounters;

/// <summary>
/// The heads of the organisation's entries (<see cref="EntryStore"/>: ids, type, proof, correction links and the summary —
/// when, ward, bed, quantity, unit price, amount, deposit) kept across restarts in <c>entry-summaries.sealed</c> beside the
/// keystore (<see cref="Configuration.DataDirectory.EntrySummaryCachePath"/>), stamped with the block they were made at
/// (<see cref="EntryHeadsStamp"/>). A start at that very block builds the entries' heads from the file alone, without reading,
/// decoding or decrypting the entries' world-state values; a start at another block (after a crash, or with blocks committed
/// since) uses a kept head only for the entry it was made from (the same id and proof: an entry's state is written once) and
/// opens the rest from their ciphertexts (docs/benchmarks.md, "Start-up: the entry heads kept whole").
/// The file is sealed in frames of about 1 MiB (AES-256-GCM, <see cref="OrganisationKeys.SealCache(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>) under a key derived from
/// the organisation's secret, each frame's associated data naming the format, the organisation's public key, the network, the
/// frame's position and whether it is the last: nothing in clear on disk, never the whole file in memory, and a file of another
/// organisation or network, an altered, reordered or truncated one fails a tag and is ignored (everything is then opened from
/// the ciphertexts and the file written anew). Written atomically (temporary file, fsync, rename, fsync of the folder). Safe to
/// delete.
/// </summary>
/// <param name="path">The file, or null for none (nothing kept across restarts).</param>
/// <param name="organisation">The organisation whose key seals the file.</param>
/// <param name="networkId">The network the entries belong to.</param>
public sealed class EntrySummaryCache(string? path, OrganisationKeys organisation, string networkId)
{
    private static readonly byte[] Magic = "HLESC\u0002\r\n"u8.ToArray();

    // A frame's plaintext is flushed once it reaches this size; a head is never split across frames, so a frame holds at most
    // this plus one head (its texts at most 65,535 UTF-8 bytes each: longer ones are left out of the file).
    private const int FrameTarget = 1 << 20;
    private const int MaxFrame = 4 << 20;
    private const uint LastFrame = 0x8000_0000;

    /// <summary>The file, or null.</summary>
    public string? Path => path;

    /// <summary>
    /// Reads the kept heads, in the order they were saved; null when the file is missing or does not open
    /// (<paramref name="opened"/> false for a file that is there but does not open: another organisation's or network's,
    /// altered, truncated, another format).
    /// </summary>
    public KeptEntryHeads? Load(out bool opened)
    {
        opened = true;
        if (path is null || !File.Exists(path)) return null;
        opened = false;
        try
        {
            if (RegularFile.Length(path) == 0) return null; // a FIFO, a device or an empty file: not opened
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var kept = Read(file);
            opened = kept is not null;
            return kept;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // unreadable: everything is opened from the ciphertexts (and the start tries to write the file anew)
        }
    }

    /// <summary>
    /// Replaces the file with <paramref name="heads"/> (in their order), stamped with <paramref name="at"/> (null: made at no
    /// block known whole, so a start uses its heads one by one only). Nothing when there is no path. A head whose id, ward, bed
    /// or another text is longer than 65,535 UTF-8 bytes is left out (its entry is opened from its ciphertext at the next start).
    /// </summary>
    /// <exception cref="IOException">The file could not be written (the previous one, if any, is left as it was).</exception>
    public void Save(EntryHeadsStamp? at, IReadOnlyCollection<KeptEntryHead> heads)
    {
        if (path is null) return;
        var aad = Aad();
        DurableFile.Replace(path, stream =>
        {
            stream.Write(Magic);
            var frames = new FrameWriter(stream, organisation, aad);
            var writer = new HeadWriter();
            var fitting = heads.Where(h => Fits(h.Head)).ToList();
            writer.Header(at, fitting.Count);
            foreach (var head in fitting)
            {
                writer.Head(head);
                if (writer.Length >= FrameTarget) frames.Write(writer, last: false);
            }
            frames.Write(writer, last: true);
        });
    }

    // The format, the organisation's public key and the network; a frame's adds its position and whether it is the last.
    private byte[] Aad() => new CanonicalWriter(128).Raw("HealthLedger/entry-heads/v2"u8).Key(organisation.EncryptionKey)
        .Raw(Encoding.UTF8.GetBytes(networkId)).ToArray();

    private static byte[] FrameAad(byte[] aad, long index, bool last)
    {
        var frame = new byte[aad.Length + 9];
        aad.CopyTo(frame, 0);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(aad.Length), index);
        frame[^1] = last ? (byte)1 : (byte)0;
        return frame;
    }

    private static bool Fits(EntryView head) => Fits(head.Id) && Fits(head.PatientId) && Fits(head.DoctorId) && Fits(head.AuthorId)
        && Fits(head.CorrectsId) && Fits(head.CorrectedBy ?? "") && Fits(head.Details.Ward) && Fits(head.Details.Bed);

    private static bool Fits(string text) => text.Length <= ushort.MaxValue / 3 || Encoding.UTF8.GetByteCount(text) <= ushort.MaxValue;

    // Writes sealed frames: length (4 bytes, the top bit set on the last frame) and the sealed plaintext, sealed into one
    // reused buffer (no ~1 MiB allocation per frame).
    private sealed class FrameWriter(Stream stream, OrganisationKeys organisation, byte[] aad)
    {
        private long _index;
        private byte[] _sealed = [];

        // Seals and writes the writer's bytes, then empties it.
        public void Write(HeadWriter plaintext, bool last)
        {
            var length = plaintext.Length + Overhead;
            if (_sealed.Length < length) _sealed = new byte[Math.Max(length, FrameTarget + (1 << 16))];
            organisation.SealCache(plaintext.Bytes, FrameAad(aad, _index++, last), _sealed.AsSpan(0, length));
            plaintext.Clear();
            Span<byte> prefix = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)length | (last ? LastFrame : 0));
            stream.Write(prefix);
            stream.Write(_sealed, 0, length);
        }
    }

    // Flags of a head.
    private const byte DataKeyed = 1, HasQuantity = 2, HasUnitPrice = 4, HasAmount = 8, IsDeposit = 16, HasCorrects = 32, HasCorrectedBy = 64;

    // Plaintext: a header — stamp present (1) · its height (8) · its state root (32) · number of heads (4) — then per head:
    // flags (1) · type (1) · id (text) · patient, doctor, author (table refs) · corrects, corrected by (texts, by flag) · proof:
    // transaction (32), height (8), timestamp (8) · occurred at: UTC ticks (8), offset in minutes (2) · ward, bed (table refs) ·
    // quantity (4), unit price (16), amount (16) by flag. A text: its UTF-8 length (2) and bytes. A table ref: a 4-byte number,
    // 0 for a text that follows and is added to the table, else the table's entry number + 1 (each id and name once in the file).
    private sealed class HeadWriter
    {
        private readonly Dictionary<string, int> _table = new(StringComparer.Ordinal);
        private byte[] _buffer = new byte[FrameTarget + (1 << 16)];

        public int Length { get; private set; }

        // The bytes written since the last Clear.
        public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, Length);

        // Wipes the bytes written and starts again (the buffer is kept).
        public void Clear()
        {
            CryptographicOperations.ZeroMemory(_buffer.AsSpan(0, Length));
            Length = 0;
        }

        private Span<byte> Room(int bytes)
        {
            if (Length + bytes > _buffer.Length)
            {
                var larger = new byte[Math.Max(_buffer.Length * 2, Length + bytes)];
                _buffer.AsSpan(0, Length).CopyTo(larger);
                CryptographicOperations.ZeroMemory(_buffer);
                _buffer = larger;
            }
            var span = _buffer.AsSpan(Length, bytes);
            Length += bytes;
            return span;
        }

        public void Header(EntryHeadsStamp? at, int count)
        {
            var span = Room(45);
            span[0] = at is null ? (byte)0 : (byte)1;
            BinaryPrimitives.WriteUInt64LittleEndian(span[1..], at?.Height ?? 0);
            (at?.StateRoot ?? default).CopyTo(span[9..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[41..], count);
        }

        public void Head(KeptEntryHead kept)
        {
            var (h, s) = (kept.Head, kept.Head.Details);
            var flags = (byte)((kept.DataKeyed ? DataKeyed : 0) | (s.Quantity is null ? 0 : HasQuantity) | (s.UnitPrice is null ? 0 : HasUnitPrice)
                | (s.Amount is null ? 0 : HasAmount) | (s.Deposit ? IsDeposit : 0) | (h.CorrectsId.Length == 0 ? 0 : HasCorrects)
                | (h.CorrectedBy is null ? 0 : HasCorrectedBy));
            var span = Room(2);
            span[0] = flags;
            span[1] = (byte)h.Type;
            Text(h.Id);
            Tabled(h.PatientId);
            Tabled(h.DoctorId);
            Tabled(h.AuthorId);
            if (h.CorrectsId.Length > 0) Text(h.CorrectsId);
            if (h.CorrectedBy is { } by) Text(by);
            span = Room(48 + 10);
            h.Proof.TxId.CopyTo(span);
            BinaryPrimitives.WriteUInt64LittleEndian(span[32..], h.Proof.Height);
            BinaryPrimitives.WriteUInt64LittleEndian(span[40..], h.Proof.Timestamp);
            BinaryPrimitives.WriteInt64LittleEndian(span[48..], s.OccurredAt.UtcTicks);
            BinaryPrimitives.WriteInt16LittleEndian(span[56..], checked((short)s.OccurredAt.TotalOffsetMinutes));
            Tabled(s.Ward);
            Tabled(s.Bed);
            if (s.Quantity is { } quantity) BinaryPrimitives.WriteInt32LittleEndian(Room(4), quantity);
            if (s.UnitPrice is { } price) WriteDecimal(Room(16), price);
            if (s.Amount is { } amount) WriteDecimal(Room(16), amount);
        }

        private void Text(string text)
        {
            var length = Encoding.UTF8.GetByteCount(text);
            var span = Room(2 + length);
            BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)length));
            Encoding.UTF8.GetBytes(text, span[2..]);
        }

        private void Tabled(string text)
        {
            if (_table.TryGetValue(text, out var at))
            {
                BinaryPrimitives.WriteInt32LittleEndian(Room(4), at + 1);
                return;
            }
            _table[text] = _table.Count;
            BinaryPrimitives.WriteInt32LittleEndian(Room(4), 0);
            Text(text);
        }

        private static void WriteDecimal(Span<byte> span, decimal value)
        {
            Span<int> bits = stackalloc int[4];
            decimal.GetBits(value, bits);
            for (var i = 0; i < 4; i++) BinaryPrimitives.WriteInt32LittleEndian(span[(4 * i)..], bits[i]);
        }
    }

    // The heads of a file, or null when it is not one of ours whole.
    private KeptEntryHeads? Read(Stream file)
    {
        Span<byte> magic = stackalloc byte[8];
        if (file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) != Magic.Length || !magic.SequenceEqual(Magic)) return null;
        var aad = Aad();
        var reader = new HeadReader();
        Span<byte> prefix = stackalloc byte[4];
        // One buffer for the frames' sealed bytes and one for their plaintext, reused: a frame each (~1 MiB, the large-object
        // heap) was ~440 MB of garbage at 2 million heads, collected only by a full collection, in the start's peak.
        var sealedBuffer = new byte[FrameTarget + (1 << 16)];
        var plainBuffer = new byte[sealedBuffer.Length];
        try
        {
            for (long index = 0; ; index++)
            {
                if (file.ReadAtLeast(prefix, 4, throwOnEndOfStream: false) != 4) return null; // truncated before its last frame
                var word = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
                var last = (word & LastFrame) != 0;
                var length = (int)(word & ~LastFrame);
                if (length > MaxFrame || length < Overhead) return null;
                if (length > sealedBuffer.Length)
                {
                    CryptographicOperations.ZeroMemory(plainBuffer);
                    (sealedBuffer, plainBuffer) = (new byte[length], new byte[length]);
                }
                var sealedBytes = sealedBuffer.AsSpan(0, length);
                if (file.ReadAtLeast(sealedBytes, length, throwOnEndOfStream: false) != length) return null;
                var plaintext = plainBuffer.AsSpan(0, length - Overhead);
                if (!organisation.TryOpenCache(sealedBytes, FrameAad(aad, index, last), plaintext)) return null;
                var read = reader.Frame(plaintext, first: index == 0);
                CryptographicOperations.ZeroMemory(plaintext);
                if (!read) return null;
                if (last) return file.ReadByte() < 0 ? reader.Finish() : null; // nothing may follow the last frame
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plainBuffer);
        }
    }

    // A sealed frame's bytes beyond its plaintext: nonce and tag.
    private const int Overhead = RecordCrypto.NonceLength + RecordCrypto.TagLength;

    private sealed class HeadReader
    {
        // Strict UTF-8 (invalid bytes: the file is not ours).
        private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

        private readonly List<string> _table = [];
        private List<KeptEntryHead> _heads = [];
        private EntryHeadsStamp? _stamp;
        private int _count;

        public KeptEntryHeads? Finish() => _heads.Count == _count ? new KeptEntryHeads(_stamp, _heads) : null;

        public bool Frame(ReadOnlySpan<byte> span, bool first)
        {
            var at = 0;
            if (first)
            {
                if (span.Length < 45 || span[0] > 1) return false;
                _stamp = span[0] == 1 ? new EntryHeadsStamp(BinaryPrimitives.ReadUInt64LittleEndian(span[1..]), new Hash256(span.Slice(9, 32))) : null;
                _count = BinaryPrimitives.ReadInt32LittleEndian(span[41..]);
                if (_count < 0 || _count > 100_000_000) return false;
                _heads = new List<KeptEntryHead>(Math.Min(_count, 16_000_000));
                at = 45;
            }
            while (at < span.Length)
            {
                if (_heads.Count == _count || !TryHead(span, ref at, out var head)) return false;
                _heads.Add(head);
            }
            return true;
        }

        private bool TryHead(ReadOnlySpan<byte> span, ref int at, out KeptEntryHead head)
        {
            head = default;
            if (span.Length - at < 2) return false;
            var flags = span[at];
            var type = (EntryType)span[at + 1];
            at += 2;
            if ((flags & 0x80) != 0 || !Enum.IsDefined(type)) return false;
            if (!TryText(span, ref at, out var id) || id.Length == 0 || !TryTabled(span, ref at, out var patient) || !TryTabled(span, ref at, out var doctor)
                || !TryTabled(span, ref at, out var author)) return false;
            var corrects = "";
            string? correctedBy = null;
            if ((flags & HasCorrects) != 0 && !TryText(span, ref at, out corrects)) return false;
            if ((flags & HasCorrectedBy) != 0)
            {
                if (!TryText(span, ref at, out var by)) return false;
                correctedBy = by;
            }
            if (span.Length - at < 58) return false;
            var proof = new RecordProof(new Hash256(span.Slice(at, 32)), BinaryPrimitives.ReadUInt64LittleEndian(span[(at + 32)..]),
                BinaryPrimitives.ReadUInt64LittleEndian(span[(at + 40)..]));
            var ticks = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 48)..]);
            var offset = BinaryPrimitives.ReadInt16LittleEndian(span[(at + 56)..]);
            at += 58;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks || Math.Abs((int)offset) > 14 * 60) return false;
            var local = ticks + offset * TimeSpan.TicksPerMinute;
            if (local < DateTime.MinValue.Ticks || local > DateTime.MaxValue.Ticks) return false;
            if (!TryTabled(span, ref at, out var ward) || !TryTabled(span, ref at, out var bed)) return false;
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
            var summary = new EntryDetails
            {
                OccurredAt = new DateTimeOffset(local, TimeSpan.FromMinutes(offset)),
                Ward = ward,
                Bed = bed,
                Quantity = quantity,
                UnitPrice = price,
                Amount = amount,
                Deposit = (flags & IsDeposit) != 0,
            };
            head = new KeptEntryHead(new EntryView(id, patient, type, doctor, corrects, author, summary, proof, correctedBy), (flags & DataKeyed) != 0);
            return true;
        }

        private bool TryTabled(ReadOnlySpan<byte> span, ref int at, out string text)
        {
            text = "";
            if (span.Length - at < 4) return false;
            var reference = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            at += 4;
            if (reference == 0)
            {
                if (!TryText(span, ref at, out text)) return false;
                _table.Add(text);
                return true;
            }
            if (reference < 0 || reference > _table.Count) return false;
            text = _table[reference - 1];
            return true;
        }

        private static bool TryText(ReadOnlySpan<byte> span, ref int at, out string text)
        {
            text = "";
            if (span.Length - at < 2) return false;
            int length = BinaryPrimitives.ReadUInt16LittleEndian(span[at..]);
            at += 2;
            if (span.Length - at < length) return false;
            if (length > 0)
            {
                try
                {
                    text = StrictUtf8.GetString(span.Slice(at, length));
                }
                catch (DecoderFallbackException)
                {
                    return false;
                }
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
}

/// <summary>The block a file of kept entry heads was made at: its height and the state root its header names.</summary>
/// <param name="Height">The block's height.</param>
/// <param name="StateRoot">The world state's root after it.</param>
public sealed record EntryHeadsStamp(ulong Height, Hash256 StateRoot);

/// <summary>An entry's head as kept across restarts, and whether it is sealed with its own data key (its reference is then read from the world state at start).</summary>
/// <param name="Head">The head: ids, type, proof, correction links; <see cref="EntryView.Details"/> holds the summary only.</param>
/// <param name="DataKeyed">Whether the entry is sealed with its own data key rather than under its patient's category key.</param>
public readonly record struct KeptEntryHead(EntryView Head, bool DataKeyed);

/// <summary>The heads read from the file, in their saved order, and the block they were made at (null: none known whole).</summary>
/// <param name="At">The block the heads stand for whole, or null.</param>
/// <param name="Heads">The heads.</param>
public sealed record KeptEntryHeads(EntryHeadsStamp? At, IReadOnlyList<KeptEntryHead> Heads);
