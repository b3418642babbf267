using System.Globalization;
using System.Text.Json;

namespace HealthLedger.Bench;

/// <summary>
/// A consortium of <paramref name="organisations"/> hospitals, one node each in its own process, holding only its own
/// organisation key and admin, started with <c>healthledger consortium up</c>. Each organisation's admin sets up its own doctor,
/// laboratory, pharmacy and patients at its own node, and the operations are spread over the organisations in turn
/// (<see cref="SpreadClient"/>), so every node takes client traffic, signs for its own users and proposes in its turn.
/// </summary>
public sealed class ConsortiumTarget(string folder, string password, int organisations) : ITarget
{
    /// <inheritdoc/>
    public string? Admission { get; private set; }

    private ChildProcess? _process;
    private readonly Dictionary<string, int> _pids = [];
    private readonly List<string> _folders = [];

    public string Name => "consortium";

    public IReadOnlyDictionary<string, int> Processes => _pids;

    public IReadOnlyList<string> DataFolders => _folders;

    private RawPathEndpoint? _raw;

    /// <summary>The first hospital's node, signed by its own admin (the other nodes receive the batches forwarded).</summary>
    public RawPathEndpoint? RawPath => _raw;

    public async Task<VerifyMetrics?> StopAndVerifyAsync(int pass, CancellationToken ct)
    {
        await ChildProcess.StopAsync(_process, TimeSpan.FromSeconds(30));
        return _folders.Count == 0 ? null : await ChainMeasurements.VerifyAsync(Name, pass, _folders[0], ct);
    }

    public async Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct)
    {
        var root = Path.Combine(folder, "consortium");
        var basePort = ClusterTarget.FreeBlock(organisations);
        var orgs = string.Join(",", Enumerable.Range(1, organisations).Select(k => $"Bench Hospital {k}:hospital"));
        progress($"starting a consortium of {organisations} hospitals");
        _process = ChildProcess.StartSelf(["consortium", "up", "--orgs", orgs, "--data", root, "--base-port", basePort.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["HEALTHLEDGER_ADMIN_PASSWORD"] = password });
        var urls = Enumerable.Range(0, organisations).Select(k => $"http://127.0.0.1:{basePort + k}").ToList();
        await ChildProcess.WaitForHealthAsync(urls, json => organisations == 1 || json.Split("\"connected\":true").Length - 1 == organisations - 1, _process, ct);
        if ((Admission = await _process.AdmissionAsync(ct)) is { } admission) progress($"admission per node: {admission}");
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "consortium.json"), ct));
        var clients = new List<IBenchClient>();
        var k = 0;
        _raw = null;
        foreach (var member in manifest.RootElement.GetProperty("organisations").EnumerateArray())
        {
            var id = member.GetProperty("id").GetString()!;
            var data = Path.Combine(root, id);
            _folders.Add(data);
            var pidFile = Path.Combine(data, "node.pid");
            if (File.Exists(pidFile)) _pids[id] = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
            var admin = member.GetProperty("admin").GetString()!;
            _raw ??= new RawPathEndpoint(urls[k], data, admin);
            clients.Add(new HealthLedgerClient(urls[k], password, admin, "-" + (++k).ToString(CultureInfo.InvariantCulture)));
        }
        return new SpreadClient(clients);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        await _process.StopAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }
}
