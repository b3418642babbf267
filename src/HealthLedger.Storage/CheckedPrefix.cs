using System.Globalization;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Storage;

/// <summary>
/// What the last passing start-up check verified, so that the next one need not redo the costly part (<c>ledger.checked</c>
/// beside the ledger file): the block <paramref name="Height"/> and its <paramref name="Hash"/> up to which every proposer and
/// commit-certificate signature verified, SHA-256 hashes over the stored headers (<paramref name="Headers"/>: a proposer's
/// signature is not part of the block hash) and the certificates of blocks 1 to <paramref name="Height"/>, and per
/// referenced document file its length and modification time when its bytes matched its hash.
/// </summary>
/// <remarks>
/// A cache, never a source of truth: a missing, damaged or non-matching record only makes the next check do the whole work.
/// The next quick check trusts the signatures of blocks up to <paramref name="Height"/> only when the stored block there still
/// has <paramref name="Hash"/> and the stored headers and certificates still hash to <paramref name="Headers"/> and
/// <paramref name="Certificates"/>; it trusts a document's bytes only when its length and modification time are unchanged and
/// that time lies before <paramref name="Written"/> minus <see cref="RacyWindow"/> (a file changed within the same clock tick
/// as the record is re-hashed). <c>healthledger verify</c> never reads it.
/// </remarks>
public sealed record CheckedPrefix(ulong Height, Hash256 Hash, Hash256 Headers, Hash256 Certificates, DateTime Written,
    IReadOnlyDictionary<string, (long Length, long ModifiedTicks)> Documents)
{
    /// <summary>The file name beside a data folder's ledger file.</summary>
    public const string FileName = "ledger.checked";

    /// <summary>A document whose modification time is this close to (or after) the record's own time is re-hashed anyway.</summary>
    public static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    private const string Magic = "healthledger-checked/v1";

    /// <summary>Where the record of the ledger at <paramref name="ledgerPath"/> lives.</summary>
    public static string PathFor(string ledgerPath) => Path.ChangeExtension(Path.GetFullPath(ledgerPath), ".checked");

    /// <summary>True when <paramref name="file"/> is unchanged since the record saw its bytes match.</summary>
    public bool Vouches(string name, FileInfo file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Documents.TryGetValue(name, out var seen) && seen.Length == file.Length && seen.ModifiedTicks == file.LastWriteTimeUtc.Ticks
            && file.LastWriteTimeUtc < Written - RacyWindow;
    }

    /// <summary>Reads the record beside <paramref name="ledgerPath"/>; null when there is none or it is damaged (then nothing is trusted).</summary>
    public static CheckedPrefix? Read(string ledgerPath) => Read(ledgerPath, out _);

    /// <summary>
    /// Reads the record beside <paramref name="ledgerPath"/>; null when there is none or it is damaged (then nothing is
    /// trusted). <paramref name="unusable"/> says why a record that exists was not used (unreadable, wrong format, checksum
    /// mismatch, a malformed line), for the node's log; null when there is none or it was read.
    /// </summary>
    public static CheckedPrefix? Read(string ledgerPath, out string? unusable)
    {
        unusable = null;
        string[] lines;
        var path = PathFor(ledgerPath);
        if (!File.Exists(path)) return null;
        try
        {
            lines = File.ReadAllLines(path, Encoding.ASCII);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unusable = $"it cannot be read ({e.GetType().Name})";
            return null;
        }
        if (lines.Length < 3 || lines[0] != Magic)
        {
            unusable = "it is not a record of this format";
            return null;
        }
        if (lines[^1] != "checksum " + Checksum(lines.AsSpan(0, lines.Length - 1)))
        {
            unusable = "its checksum does not match its content";
            return null;
        }
        var head = lines[1].Split(' ');
        if (head.Length != 5 || !ulong.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            || !Hash256.TryParse(head[1], out var hash) || !Hash256.TryParse(head[2], out var headers) || !Hash256.TryParse(head[3], out var certificates)
            || !long.TryParse(head[4], NumberStyles.None, CultureInfo.InvariantCulture, out var written) || written > DateTime.MaxValue.Ticks)
        {
            unusable = "its header line is malformed";
            return null;
        }
        var documents = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in lines.AsSpan(2, lines.Length - 3))
        {
            var parts = line.Split(' ');
            if (parts.Length != 3 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var modified))
            {
                unusable = "a document line is malformed";
                return null;
            }
            documents[parts[0]] = (length, modified);
        }
        return new CheckedPrefix(height, hash, headers, certificates, new DateTime(written, DateTimeKind.Utc), documents);
    }

    /// <summary>
    /// Replaces the record beside <paramref name="ledgerPath"/> (a temporary file renamed over the old one; not fsynced: losing
    /// it only makes the next start-up check do the whole work).
    /// </summary>
    public static void Write(string ledgerPath, CheckedPrefix record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var lines = new List<string>(record.Documents.Count + 3)
        {
            Magic,
            string.Create(CultureInfo.InvariantCulture, $"{record.Height} {record.Hash} {record.Headers} {record.Certificates} {record.Written.Ticks}"),
        };
        lines.AddRange(record.Documents.OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Key} {d.Value.Length} {d.Value.ModifiedTicks}")));
        lines.Add("checksum " + Checksum(lines.ToArray()));
        DurableFile.Replace(PathFor(ledgerPath), Encoding.ASCII.GetBytes(string.Join('\n', lines) + "\n"));
    }

    /// <summary>Removes the record beside <paramref name="ledgerPath"/>, if any.</summary>
    public static void Delete(string ledgerPath) => File.Delete(PathFor(ledgerPath));

    private static string Checksum(ReadOnlySpan<string> lines) =>
        Hashing.Sha256(Encoding.ASCII.GetBytes(string.Join('\n', lines.ToArray()))).ToString()[..16];
}
