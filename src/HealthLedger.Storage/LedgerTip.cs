using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Storage;

/// <summary>
/// The independent record of a ledger's committed tip: the height and hash of the last block the store committed, kept in
/// its own small file beside the ledger (<c>ledger.tip</c>) and rewritten in place durably after every commit (one
/// fixed-length write inside the file's first sector and one fdatasync; see <see cref="Write"/>). A store found behind it lost committed blocks (a lost or
/// damaged write-ahead log, a ledger file restored from an older copy): the start-up check and <c>verify</c> refuse it.
/// </summary>
/// <param name="Height">The height of the last committed block.</param>
/// <param name="Hash">Its hash.</param>
public sealed record LedgerTip(ulong Height, Hash256 Hash)
{
    /// <summary>The file name beside a data folder's ledger file (<c>ledger.db</c>): the ledger's name with the extension <c>.tip</c>.</summary>
    public const string FileName = "ledger.tip";

    private const string Magic = "healthledger-tip/v1";

    /// <summary>Where the record of the ledger at <paramref name="ledgerPath"/> lives.</summary>
    public static string PathFor(string ledgerPath) => Path.ChangeExtension(Path.GetFullPath(ledgerPath), ".tip");

    /// <summary>Reads the record beside <paramref name="ledgerPath"/>: null when there is no record file.</summary>
    /// <exception cref="InvalidDataException">The record file is damaged (it does not parse or its checksum does not match).</exception>
    public static LedgerTip? Read(string ledgerPath)
    {
        var path = PathFor(ledgerPath);
        string text;
        try
        {
            if (File.Exists(path) && RegularFile.Length(path) == 0) throw new InvalidDataException($"the tip record {Path.GetFileName(path)} is damaged ({RegularFile.WhyNotOpened(path)})");
            text = File.ReadAllText(path, Encoding.ASCII);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var parts = text.Trim().Split(' ');
        if (parts.Length == 4 && parts[0] == Magic
            && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            && Hash256.TryParse(parts[2], out var hash)
            && parts[3] == Checksum(height, hash))
        {
            return new LedgerTip(height, hash);
        }
        throw new InvalidDataException($"the tip record {Path.GetFileName(path)} is damaged (it does not parse or its checksum does not match)");
    }

    /// <summary>The record's fixed length: one ASCII line padded with spaces, well inside one disk sector (512 bytes).</summary>
    public const int RecordLength = 160;

    /// <summary>
    /// Replaces the record beside <paramref name="ledgerPath"/> with <paramref name="tip"/>, in place: one fixed-length write at
    /// the start of the file (inside its first 512-byte sector, which disks write whole) and, when <paramref name="durable"/>, one
    /// fdatasync. The first write, which creates the file, also fsyncs the folder so that the new name survives a power cut.
    /// A write torn by a power cut (on a disk that does not write a sector whole) is refused as damaged by its checksum, never
    /// read as another tip.
    /// </summary>
    public static void Write(string ledgerPath, LedgerTip tip, bool durable = true)
    {
        ArgumentNullException.ThrowIfNull(tip);
        var path = PathFor(ledgerPath);
        var line = $"{Magic} {tip.Height.ToString(CultureInfo.InvariantCulture)} {tip.Hash} {Checksum(tip.Height, tip.Hash)}";
        var record = new byte[RecordLength];
        record.AsSpan().Fill((byte)' ');
        Encoding.ASCII.GetBytes(line, record);
        record[^1] = (byte)'\n';
        var created = !File.Exists(path);
        using (var stream = new FileStream(path, OwnerOnly.NewFile(FileMode.OpenOrCreate, share: FileShare.ReadWrite)))
        {
            RandomAccess.Write(stream.SafeFileHandle, record, 0);
            if (stream.Length > RecordLength) stream.SetLength(RecordLength); // a record of an older version (written whole before)
            if (durable) DataSync(stream);
        }
        if (durable && created) DurableFile.SyncDirectory(Path.GetDirectoryName(path)!);
    }

    // fdatasync on Linux (the data, not the modification time: no journal commit for the inode); fsync elsewhere.
    private static void DataSync(FileStream stream)
    {
        if (!OperatingSystem.IsLinux())
        {
            stream.Flush(flushToDisk: true);
            return;
        }
        var handle = stream.SafeFileHandle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (NativeMethods.FDataSync((int)handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"Cannot sync {stream.Name} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static string Checksum(ulong height, Hash256 hash) =>
        Hashing.Sha256(Encoding.ASCII.GetBytes($"{Magic} {height.ToString(CultureInfo.InvariantCulture)} {hash}")).ToString()[..16];

    /// <inheritdoc/>
    public override string ToString() => $"block {Height} (hash {Hash})";
}
