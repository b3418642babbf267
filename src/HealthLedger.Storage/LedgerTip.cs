using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Storage;

/// <summary>
/// The independent record of a ledger's committed tip: the height and hash of the last block the store committed, kept in
/// its own small file beside the ledger (<c>ledger.tip</c>) and replaced durably after every commit (written to a temporary
/// file, fsynced, renamed over the old one, the folder fsynced). A store found behind it lost committed blocks (a lost or
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

    /// <summary>
    /// Replaces the record beside <paramref name="ledgerPath"/> with <paramref name="tip"/>: a temporary file (owner-only),
    /// fsynced when <paramref name="durable"/>, renamed over the old record, then the folder fsynced (Unix) so that the rename
    /// itself survives a power cut. A crash at any moment leaves the old record or the new one, never a mix.
    /// </summary>
    public static void Write(string ledgerPath, LedgerTip tip, bool durable = true)
    {
        ArgumentNullException.ThrowIfNull(tip);
        var path = PathFor(ledgerPath);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, OwnerOnly.NewFile(FileMode.Create)))
        {
            stream.Write(Encoding.ASCII.GetBytes($"{Magic} {tip.Height.ToString(CultureInfo.InvariantCulture)} {tip.Hash} {Checksum(tip.Height, tip.Hash)}\n"));
            stream.Flush(flushToDisk: durable);
        }
        File.Move(temporary, path, overwrite: true);
        if (durable) SyncDirectory(Path.GetDirectoryName(path)!);
    }

    private static string Checksum(ulong height, Hash256 hash) =>
        Hashing.Sha256(Encoding.ASCII.GetBytes($"{Magic} {height.ToString(CultureInfo.InvariantCulture)} {hash}")).ToString()[..16];

    /// <summary>fsync of a folder, so that a rename inside it is durable (nothing to do on Windows).</summary>
    internal static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = NativeMethods.Open(directory, NativeMethods.ReadOnlyDirectory);
        if (fd < 0) throw new IOException($"Cannot open folder {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (NativeMethods.FSync(fd) != 0) throw new IOException($"Cannot sync folder {directory} (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"block {Height} (hash {Hash})";
}
