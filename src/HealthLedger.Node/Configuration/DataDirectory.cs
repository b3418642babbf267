using System.Security.Cryptography;
using HealthLedger.Storage;

namespace HealthLedger.Node.Configuration;

/// <summary>The layout of a node's data folder.</summary>
/// <param name="Root">The folder.</param>
public sealed record DataDirectory(string Root)
{
    /// <summary>
    /// The SQLite ledger file; for a ledger in PostgreSQL (node.json's <c>store</c>) only the name the local records
    /// (<c>ledger.tip</c>, <c>ledger.checked</c>, <c>ledger.tree</c>) are kept beside.
    /// </summary>
    public string LedgerPath => Path.Combine(Root, SqliteLedgerStore.FileName);

    /// <summary>
    /// Where the node's ledger is: the SQLite file, or the PostgreSQL database node.json's <c>store</c> names. Open the ledger
    /// only through it (<see cref="LedgerLocation.Open"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">node.json is not valid.</exception>
    public LedgerLocation Ledger => new(Root, NodeConfig.Read(this)?.Store);

    /// <summary>The users' sealed keys.</summary>
    public string KeystorePath => Path.Combine(Root, Keystore.FileName);

    /// <summary>
    /// The organisation's opened category keys, sealed under a key derived from its own key (<c>Records.CategoryKeyCache</c>):
    /// a start-up cache, safe to delete (the next start opens the keys from the chain again and writes it anew).
    /// </summary>
    public string CategoryKeyCachePath => Path.Combine(Root, "category-keys.sealed");

    /// <summary>
    /// The summaries of the organisation's entries, sealed under a key derived from its own key (<c>Encounters.EntrySummaryCache</c>):
    /// a start-up cache, safe to delete (the next start opens the entries from their ciphertexts again and writes it anew).
    /// </summary>
    public string EntrySummaryCachePath => Path.Combine(Root, "entry-summaries.sealed");

    /// <summary>The file a running node holds locked (one process per data folder); <c>verify</c> holds it too while it reads.</summary>
    public string LockPath => Path.Combine(Root, "node.lock");

    /// <summary>The node's signing key (mode 0600).</summary>
    public string NodeKeyPath => Path.Combine(Root, "keys", "node.key");

    /// <summary>The organisation's keys (mode 0600).</summary>
    public string OrganisationKeyPath => Path.Combine(Root, "keys", "organisation.key");

    /// <summary>The self-signed HTTPS certificate and its key (PFX without a password, mode 0600), used when no other is configured.</summary>
    public string WebCertificatePath => Path.Combine(Root, "keys", "tls.pfx");

    /// <summary>
    /// The owner-only folder where a node run by <c>up</c> or <c>node</c> has ASP.NET Core buffer request bodies it does not hold
    /// in memory while it reads them (a page's form over 30 KiB, its files over 64 KiB: a report's file, a FHIR bundle to
    /// import), in clear until the request ends: not the machine's shared <c>/tmp</c>. An operator's <c>ASPNETCORE_TEMP</c> names
    /// another folder instead.
    /// </summary>
    public string UploadBufferPath => Path.Combine(Root, "tmp");

    /// <summary>
    /// True when the folder holds a ledger: the SQLite file, or (a ledger in PostgreSQL) the tip record of its first commit with
    /// node.json naming a store (a node.json that is not valid counts: opening the ledger then reports it).
    /// </summary>
    public bool HasNetwork
    {
        get
        {
            if (Path.Exists(LedgerPath)) return true; // whatever is there (a folder, a FIFO): opening it says what is wrong
            if (!File.Exists(LedgerTip.PathFor(LedgerPath))) return false;
            try
            {
                return Ledger.IsPostgres;
            }
            catch (InvalidDataException)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Writes secret bytes as hex to a new file only the owner may read, whole and durably: written beside it, fsynced, moved into
    /// place (never over a file already there) and its folder fsynced (<see cref="DurableFile.CreateNew"/>; the folder is entered
    /// durably in its parent, <see cref="DurableFile.CreateDirectory"/>), so that a power cut after the genesis block that names
    /// the key committed cannot leave the key file empty or missing.
    /// </summary>
    /// <exception cref="IOException">A file is already at <paramref name="path"/>, or the write or a sync failed.</exception>
    public static void WriteSecret(string path, ReadOnlySpan<byte> secret)
    {
        DurableFile.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        DurableFile.CreateNew(path, System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(secret)));
    }

    /// <summary>Reads a secret written by <see cref="WriteSecret"/>.</summary>
    /// <exception cref="InvalidDataException">The file is missing or not the expected length.</exception>
    public static byte[] ReadSecret(string path, int length)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"Key file {path} is missing.");
        if (RegularFile.Length(path) == 0) throw new InvalidDataException($"Key file {path} is not a key: {RegularFile.WhyNotOpened(path)}.");
        var text = File.ReadAllText(path).Trim();
        try
        {
            var bytes = Convert.FromHexString(text);
            if (bytes.Length == length) return bytes;
            CryptographicOperations.ZeroMemory(bytes);
        }
        catch (FormatException)
        {
        }
        throw new InvalidDataException($"Key file {path} is damaged (expected {length} bytes as hex).");
    }
}
