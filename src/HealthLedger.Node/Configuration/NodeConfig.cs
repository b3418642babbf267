using System.Text.Json;

using HealthLedger.Storage;

namespace HealthLedger.Node.Configuration;

/// <summary>A node's local settings, kept in <c>node.json</c> in its data folder.</summary>
/// <param name="Urls">Where the web UI and API listen (<c>;</c>-separated); absent: <c>--urls</c> or the default,
/// <c>http://localhost:5080</c>. A file made by hand only to set another field (the admission limits, the hospital) needs none.</param>
/// <param name="PeerUrl">
/// Where the peer endpoint listens when the chain does not (yet) name this node — a node joining after genesis learns its
/// record from the blocks it syncs. When the chain has an address for the node, that one is used.
/// </param>
/// <param name="TimeZone">The hospital's time zone (IANA id; default UTC), see <see cref="NodeOptions.TimeZone"/>.</param>
/// <param name="ClockSkewMinutes">How far in the future a recorded time may lie (default 5), see <see cref="NodeOptions.ClockSkew"/>.</param>
/// <param name="PublicUrl">The address users reach the web UI at (e.g. <c>https://records.hospital.example</c>): printed in report
/// printouts and their QR codes. Without it the request's own scheme and host are used.</param>
/// <param name="Certificate">The HTTPS certificate for <c>https://</c> URLs: a PFX file, or a PEM file (with <paramref name="CertificateKey"/>
/// when the key is in a file of its own). Without it the self-signed <c>keys/tls.pfx</c> is used (made at <c>init</c>, or at the first start on HTTPS).</param>
/// <param name="CertificateKey">The PEM private key of <paramref name="Certificate"/> when it is a separate file.</param>
/// <param name="KnownProxies">IP addresses of reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> headers are believed.</param>
/// <param name="Hospital">The hospital's name, contact details, currency and UI culture, see <see cref="HospitalSettings"/>.</param>
/// <param name="Store">Where the ledger is (<see cref="LedgerLocation"/>): absent or <c>sqlite</c> for the embedded file <c>ledger.db</c>;
/// otherwise a PostgreSQL connection string (Npgsql's, e.g. <c>Host=db;Database=healthledger;Username=healthledger</c>), set by
/// <c>healthledger init --store</c>. It may hold a password (the file is owner-only); <c>PGPASSWORD</c> or <c>~/.pgpass</c> keep it out.</param>
/// <param name="Admission">How much work the node takes on at once before it answers 503 with <c>Retry-After</c>, see <see cref="AdmissionLimits"/>
/// (missing fields keep their defaults).</param>
public sealed record NodeConfig(string? Urls = null, string? PeerUrl = null, string? TimeZone = null, int? ClockSkewMinutes = null, string? PublicUrl = null, string? Certificate = null, string? CertificateKey = null,
    IReadOnlyList<string>? KnownProxies = null, HospitalSettings? Hospital = null, AdmissionLimits? Admission = null, string? Store = null)
{
    /// <summary>Options for a node serving <paramref name="dataDirectory"/> with these settings.</summary>
    public NodeOptions Options(string dataDirectory)
    {
        var defaults = new NodeOptions { DataDirectory = dataDirectory };
        return defaults with
        {
            TimeZone = TimeZone is { Length: > 0 } zone ? zone : defaults.TimeZone,
            ClockSkew = ClockSkewMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : defaults.ClockSkew,
            Hospital = Hospital ?? defaults.Hospital,
            Admission = Admission ?? defaults.Admission,
            MempoolCapacity = (Admission ?? defaults.Admission).Mempool,
        };
    }

    /// <summary>The file name.</summary>
    public const string FileName = "node.json";

    /// <summary>The settings for messages: the store as its server, database and user (a connection string may hold a password).</summary>
    public override string ToString() =>
        $"NodeConfig {{ Urls = {Urls}, PeerUrl = {PeerUrl}, PublicUrl = {PublicUrl}, Store = {(LedgerLocation.IsPostgresSetting(Store) ? PostgresLedgerStore.Describe(Store!) : LedgerLocation.SqliteSetting)} }}";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        // A misspelt setting ("writez") is an error naming it, not a default silently kept.
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        // A setting given twice is an error naming it, not its last copy silently read (which one an editor shows may differ).
        AllowDuplicateProperties = false,
    };

    /// <summary>Writes the config.</summary>
    public static void Write(DataDirectory data, NodeConfig config) =>
        OwnerOnly.WriteAllText(Path.Combine(data.Root, FileName), JsonSerializer.Serialize(config, Json) + "\n");

    /// <summary>Reads the config, or null when the folder has none.</summary>
    /// <exception cref="InvalidDataException">The file is not valid.</exception>
    public static NodeConfig? Read(DataDirectory data)
    {
        var path = Path.Combine(data.Root, FileName);
        if (!File.Exists(path)) return null;
        if (RegularFile.Length(path) == 0) throw new InvalidDataException($"{path} is not a node configuration: {RegularFile.WhyNotOpened(path)}.");
        try
        {
            var config = JsonSerializer.Deserialize<NodeConfig>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} is not a node configuration: it holds null, not a JSON object.");
            if (config.Urls is { } urls && string.IsNullOrWhiteSpace(urls))
            {
                throw new InvalidDataException($"{path}: urls is empty; name where the node listens (e.g. \"http://localhost:5080\") or leave it out for the default.");
            }
            if (config.Hospital?.Problems() is [var (field, message), ..])
            {
                throw new InvalidDataException($"{path}: hospital.{field}: {message}");
            }
            if (LedgerLocation.SettingProblem(config.Store) is { } storeProblem) throw new InvalidDataException($"{path}: store: {storeProblem}");
            // Said here, at the start, naming the file (it was "Unknown time zone …" after the start-up check, naming neither).
            if (config.TimeZone is { Length: > 0 } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            {
                throw new InvalidDataException($"{path}: timeZone: unknown time zone {JsonSerializer.Serialize(zone)}: use an IANA id such as \"UTC\" or \"Europe/Berlin\".");
            }
            if (config.Admission?.Problems() is [var (limit, problem), ..])
            {
                throw new InvalidDataException($"{path}: admission.{limit}: {problem}");
            }
            return config;
        }
        catch (JsonException e) when (e.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
        {
            var setting = e.Path is { Length: > 2 } at && at.StartsWith("$.", StringComparison.Ordinal) ? at[2..] : e.Path;
            throw new InvalidDataException($"{path}: {setting} is given more than once; keep one.");
        }
        catch (JsonException e) when (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var setting = e.Path is { Length: > 2 } at && at.StartsWith("$.", StringComparison.Ordinal) ? at[2..] : e.Path;
            throw new InvalidDataException($"{path}: {setting} is not a setting of node.json (docs/operations.md names them; a misspelt one would be ignored).");
        }
        catch (JsonException e) when (e.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            // Valid JSON of the wrong type ([] for the file, 123 for urls): say which, not "not valid JSON".
            var setting = e.Path is { Length: > 2 } at && at.StartsWith("$.", StringComparison.Ordinal) ? at[2..] : null;
            throw new InvalidDataException(setting is null
                ? $"{path} is not a node configuration: it must be a JSON object of settings (docs/operations.md names them)."
                : $"{path}: {setting} has a value of the wrong type (docs/operations.md gives each setting's).");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}");
        }
    }
}
