using System.Globalization;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Storage;

/// <summary>
/// Where a document file is first referenced on the chain: block <paramref name="Height"/>, transaction <paramref name="Index"/>
/// (id <paramref name="TxId"/>), and the ciphertext length it states.
/// </summary>
public readonly record struct DocumentReference(ulong Height, int Index, Hash256 TxId, long Length);

/// <summary>
/// What the last passing start-up check verified, so that the next start need not read it again (<c>ledger.checked</c> beside
/// the ledger file): every block up to <paramref name="Height"/> (whose block hash is <paramref name="Hash"/>) with its rows,
/// proposer and certificate signatures and record ciphertexts; the keys the chain made validators up to there
/// (<paramref name="Proposers"/>, which bound the proposers of later blocks); the document files blocks up to there reference
/// (<paramref name="References"/>); and per referenced document file its length and modification time when its bytes matched
/// its hash (<paramref name="Documents"/>).
/// </summary>
/// <remarks>
/// <para>
/// A cache, never a source of truth: a missing, damaged or non-matching record only makes the next check do the whole work.
/// The next quick check starts after <paramref name="Height"/> only while the stored block there still has
/// <paramref name="Hash"/> (a record at genesis, written for a chain of at most <see cref="StoreVerifier.RecentWindow"/>
/// blocks, vouches for documents only: every block is read); it trusts a document's bytes only when its length and modification time are unchanged and that time
/// lies before <paramref name="Written"/> minus <see cref="RacyWindow"/> (a file changed within the same clock tick as the record
/// is re-hashed).
/// </para>
/// <para>
/// What a start then takes on trust (the rows of blocks up to <paramref name="Height"/> and their ciphertexts) a node re-checks
/// after it started (<see cref="StoreVerifier.Sweep"/>, the integrity sweep), and <c>healthledger verify</c> re-derives in full;
/// neither reads this record. A sweep that finds damage removes it, so the start after that verifies everything and refuses.
/// </para>
/// </remarks>
public sealed record CheckedPrefix(ulong Height, Hash256 Hash, IReadOnlyList<SigningPublicKey> Proposers,
    IReadOnlyDictionary<Hash256, DocumentReference> References, DateTime Written, IReadOnlyDictionary<string, (long Length, long ModifiedTicks)> Documents)
{
    /// <summary>The file name beside a data folder's ledger file.</summary>
    public const string FileName = "ledger.checked";

    /// <summary>A document whose modification time is this close to (or after) the record's own time is re-hashed anyway.</summary>
    public static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    private const string Magic = "healthledger-checked/v2";

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
            if (RegularFile.Length(path) == 0)
            {
                unusable = RegularFile.WhyNotOpened(path);
                return null;
            }
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
        if (head.Length != 3 || !ulong.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            || !Hash256.TryParse(head[1], out var hash)
            || !long.TryParse(head[2], NumberStyles.None, CultureInfo.InvariantCulture, out var written) || written > DateTime.MaxValue.Ticks)
        {
            unusable = "its header line is malformed";
            return null;
        }
        var proposers = new List<SigningPublicKey>();
        var references = new Dictionary<Hash256, DocumentReference>();
        var documents = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in lines.AsSpan(2, lines.Length - 3))
        {
            var parts = line.Split(' ');
            var ok = parts[0] switch
            {
                "proposer" => parts.Length == 2 && SigningPublicKey.TryParse(parts[1], out var key) && Added(proposers, key),
                "reference" => parts.Length == 6 && Hash256.TryParse(parts[1], out var document)
                    && ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                    && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    && Hash256.TryParse(parts[4], out var txId)
                    && long.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var stated)
                    && references.TryAdd(document, new DocumentReference(at, index, txId, stated)),
                "document" => parts.Length == 4 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                    && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var modified)
                    && documents.TryAdd(parts[1], (length, modified)),
                _ => false,
            };
            if (!ok)
            {
                unusable = "a line is malformed";
                return null;
            }
        }
        return new CheckedPrefix(height, hash, proposers, references, new DateTime(written, DateTimeKind.Utc), documents);
    }

    /// <summary>
    /// Replaces the record beside <paramref name="ledgerPath"/> (a temporary file renamed over the old one; not fsynced: losing
    /// it only makes the next start-up check do the whole work).
    /// </summary>
    public static void Write(string ledgerPath, CheckedPrefix record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var lines = new List<string>(record.Proposers.Count + record.References.Count + record.Documents.Count + 3)
        {
            Magic,
            string.Create(CultureInfo.InvariantCulture, $"{record.Height} {record.Hash} {record.Written.Ticks}"),
        };
        lines.AddRange(record.Proposers.Select(p => $"proposer {p}"));
        lines.AddRange(record.References.OrderBy(r => r.Key).Select(r =>
            string.Create(CultureInfo.InvariantCulture, $"reference {r.Key} {r.Value.Height} {r.Value.Index} {r.Value.TxId} {r.Value.Length}")));
        lines.AddRange(record.Documents.OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => string.Create(CultureInfo.InvariantCulture, $"document {d.Key} {d.Value.Length} {d.Value.ModifiedTicks}")));
        lines.Add("checksum " + Checksum(lines.ToArray()));
        DurableFile.Replace(PathFor(ledgerPath), Encoding.ASCII.GetBytes(string.Join('\n', lines) + "\n"));
    }

    /// <summary>Removes the record beside <paramref name="ledgerPath"/>, if any.</summary>
    public static void Delete(string ledgerPath) => File.Delete(PathFor(ledgerPath));

    private static bool Added(List<SigningPublicKey> keys, SigningPublicKey key)
    {
        if (keys.Contains(key)) return false;
        keys.Add(key);
        return true;
    }

    private static string Checksum(ReadOnlySpan<string> lines) =>
        Hashing.Sha256(Encoding.ASCII.GetBytes(string.Join('\n', lines.ToArray()))).ToString()[..16];
}
