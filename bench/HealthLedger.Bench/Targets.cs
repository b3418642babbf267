using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using HealthLedger.ThrowawayPostgres;

namespace HealthLedger.Bench;

/// <summary>A system under test: started fresh for each pass, in its own processes, and stopped after.</summary>
public interface ITarget : IAsyncDisposable
{
    /// <summary>Name in the report.</summary>
    string Name { get; }

    /// <summary>Starts the system and returns a client for it.</summary>
    Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct);

    /// <summary>The processes whose CPU and memory the report shows, by label.</summary>
    IReadOnlyDictionary<string, int> Processes { get; }

    /// <summary>The HealthLedger nodes' data folders (for <c>healthledger verify</c> after the run); none for PostgreSQL.</summary>
    IReadOnlyList<string> DataFolders { get; }

    /// <summary>Where <c>healthledger load</c> sends the raw-path transactions (a node, its data folder with the admin's keystore); null for PostgreSQL.</summary>
    RawPathEndpoint? RawPath => null;

    /// <summary>The admission budgets its (first) node announced once started (<see cref="ChildProcess.AdmissionAsync"/>); null for PostgreSQL.</summary>
    string? Admission => null;

    /// <summary>
    /// After the rounds: stops the target's HealthLedger nodes and runs <c>healthledger verify --json</c> on one node's data (every
    /// node of a network holds the same chain; <c>--keep-data</c> leaves all of them to verify). A node whose ledger lives in the
    /// target's throwaway PostgreSQL server is verified before the server stops. Null for a target with no ledger (PostgreSQL).
    /// </summary>
    Task<VerifyMetrics?> StopAndVerifyAsync(int pass, CancellationToken ct) => Task.FromResult<VerifyMetrics?>(null);
}

/// <summary>
/// Runs the <c>healthledger</c> executable that is running now (the same build) as a child process. A child still running when
/// this process exits (Ctrl+C whose graceful stop outlasted the CLI's termination timeout, say) is killed with its own children
/// then, so that no node outlives the bench. A bench killed with SIGKILL runs no code at all: its <c>healthledger</c> children
/// are told its process id (<see cref="ParentPidVariable"/>) and stop by themselves once it is gone, a network's nodes with it.
/// </summary>
public sealed partial class ChildProcess : IDisposable
{
    /// <summary>
    /// The environment variable through which a healthledger process tells a healthledger child its own process id: the child
    /// stops (as on Ctrl+C) once that process is gone (the CLI's <c>ParentProcess</c>).
    /// </summary>
    public const string ParentPidVariable = "HEALTHLEDGER_PARENT_PID";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ChildProcess, byte> Running = new();
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    static ChildProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillRunning();

    private ChildProcess(Process process) => _process = process;

    /// <summary>Kills every child started here and not yet disposed, with its children.</summary>
    internal static void KillRunning()
    {
        foreach (var child in Running.Keys) child.Kill();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // never started, or gone meanwhile
        }
    }

    public int Id => _process.Id;

    /// <summary>
    /// The admission budgets the first node this process started announced ("at most N writes, N uploads and N other requests at
    /// once", from its <c>Admission:</c> line), for the progress lines: which budget a target ran with is part of what was
    /// measured. The line follows the node's first <c>/healthz</c> answer; waited for up to 5 s, null when none came.
    /// </summary>
    public async Task<string?> AdmissionAsync(CancellationToken ct)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (AdmissionLine().Match(Output) is { Success: true } m) return m.Groups[1].Value;
            if (HasExited) return null;
            await Task.Delay(100, ct);
        }
        return null;
    }

    [GeneratedRegex(@"Admission: (at most [^\n(]*? at once)")]
    private static partial Regex AdmissionLine();

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>The variable naming how many nodes share the machine (HealthLedger.Node's <c>MachineShare.Variable</c>), which the
    /// targets do not inherit.</summary>
    public const string NodesOnMachineVariable = "HEALTHLEDGER_NODES_ON_MACHINE";

    /// <summary>Starts <c>healthledger</c> with <paramref name="args"/>; <paramref name="env"/> adds variables (<see cref="NodesOnMachineVariable"/>
    /// is not inherited).</summary>
    public static ChildProcess StartSelf(IEnumerable<string> args, IReadOnlyDictionary<string, string> env)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo { FileName = self, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "healthledger.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        // Not inherited: the targets run one at a time, each with the machine to itself ('consortium up' divides it among its own
        // nodes). An operator's exported value would divide a single node's admission budget (HealthLedger.Node's MachineShare).
        info.Environment.Remove(NodesOnMachineVariable);
        foreach (var (k, v) in env) info.Environment[k] = v;
        info.Environment[ParentPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Start(info);
    }

    /// <summary>Starts any program.</summary>
    public static ChildProcess Start(ProcessStartInfo info)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var child = new ChildProcess(new Process { StartInfo = info });
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.Start();
        Running[child] = 0;
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            if (_output.Length > 1_000_000) _output.Remove(0, 500_000);
            _output.AppendLine(line);
        }
    }

    /// <summary>Waits for the process to exit; returns its exit code.</summary>
    public async Task<int> WaitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Stops <paramref name="process"/> (SIGTERM, then SIGKILL after <paramref name="grace"/>, default 20 s) unless it is null or gone.</summary>
    public static Task StopAsync(ChildProcess? process, TimeSpan? grace = null) => process?.StopAsync(grace ?? TimeSpan.FromSeconds(20)) ?? Task.CompletedTask;

    /// <summary>A signal (SIGTERM by default), then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace, string signal = "TERM")
    {
        if (_process.HasExited) return;
        using (var term = Process.Start(new ProcessStartInfo("kill", ["-" + signal, Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })) term?.WaitForExit();
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public void Dispose()
    {
        Kill();
        Running.TryRemove(this, out _);
        _process.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task WaitForHealthAsync(IEnumerable<string> urls, Func<string, bool> ready, ChildProcess owner, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var url in urls)
        {
            for (var attempt = 0; ; attempt++)
            {
                if (owner.HasExited) throw new InvalidOperationException("the target exited while starting:\n" + owner.Output);
                try
                {
                    if (ready(await http.GetStringAsync(url + "/healthz", ct))) break;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                }
                if (attempt > 1200) throw new TimeoutException($"{url} did not become ready:\n{owner.Output}");
                await Task.Delay(100, ct);
            }
        }
    }
}

/// <summary>
/// One embedded HealthLedger node (SQLite), a separate process started with <c>healthledger up</c>: on a new network, or on a
/// copy of <paramref name="template"/> (a data folder, see <see cref="BenchConfig.NodeData"/>).
/// </summary>
public sealed class NodeTarget(string folder, string password, string? template = null) : ITarget
{
    /// <inheritdoc/>
    public string? Admission { get; private set; }

    private ChildProcess? _process;
    private readonly Dictionary<string, int> _pids = [];

    public string Name => "node";

    public IReadOnlyDictionary<string, int> Processes => _pids;

    public IReadOnlyList<string> DataFolders => [Path.Combine(folder, "node")];

    private string? _url;

    public RawPathEndpoint? RawPath => _url is null ? null : new(_url, Path.Combine(folder, "node"), "admin");

    public async Task<VerifyMetrics?> StopAndVerifyAsync(int pass, CancellationToken ct)
    {
        await ChildProcess.StopAsync(_process);
        return await ChainMeasurements.VerifyAsync(Name, pass, Path.Combine(folder, "node"), ct);
    }

    public async Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct)
    {
        var url = _url = $"http://127.0.0.1:{ChildProcess.FreePort()}";
        progress("starting one node");
        if (template is not null)
        {
            progress($"copying {template}");
            CopyFolder(template, Path.Combine(folder, "node"));
        }
        _process = ChildProcess.StartSelf(["up", "--data", Path.Combine(folder, "node"), "--urls", url], new Dictionary<string, string> { ["HEALTHLEDGER_ADMIN_PASSWORD"] = password });
        await ChildProcess.WaitForHealthAsync([url], _ => true, _process, ct);
        if ((Admission = await _process.AdmissionAsync(ct)) is { } admission) progress($"admission: {admission}");
        _pids["node"] = _process.Id;
        return new HealthLedgerClient(url, password);
    }

    private static void CopyFolder(string from, string to)
    {
        if (!Directory.Exists(from)) throw new IOException($"nodeData folder {from} does not exist");
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        await _process.StopAsync(TimeSpan.FromSeconds(20));
        _process.Dispose();
    }
}

/// <summary>A local BFT network of separate node processes, started with <c>healthledger cluster up</c>.</summary>
public sealed partial class ClusterTarget(string folder, string password, int nodes) : ITarget
{
    /// <inheritdoc/>
    public string? Admission { get; private set; }

    private ChildProcess? _process;
    private readonly Dictionary<string, int> _pids = [];

    public string Name => "cluster";

    public IReadOnlyDictionary<string, int> Processes => _pids;

    public IReadOnlyList<string> DataFolders => Enumerable.Range(1, nodes).Select(k => Path.Combine(folder, "cluster", $"node-{k}")).ToList();

    public async Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct)
    {
        var basePort = FreeBlock(nodes);
        progress($"starting a {nodes}-node cluster");
        _process = ChildProcess.StartSelf(["cluster", "up", "--nodes", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", Path.Combine(folder, "cluster"),
            "--base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture)], new Dictionary<string, string> { ["HEALTHLEDGER_ADMIN_PASSWORD"] = password });
        var urls = Enumerable.Range(0, nodes).Select(k => $"http://127.0.0.1:{basePort + k}").ToList();
        await ChildProcess.WaitForHealthAsync(urls, json => nodes == 1 || json.Split("\"connected\":true").Length - 1 == nodes - 1, _process, ct);
        if ((Admission = await _process.AdmissionAsync(ct)) is { } admission) progress($"admission per node: {admission}");
        foreach (Match m in PidLine().Matches(_process.Output)) _pids["node-" + m.Groups[1].Value] = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        _url = urls[0];
        return new HealthLedgerClient(urls[0], password); // users work at node 1 (see HealthLedgerClient)
    }

    private string? _url;

    /// <summary>Node 1, whose folder holds the admin's keystore (<c>init --nodes</c>); the others receive the batches forwarded.</summary>
    public RawPathEndpoint? RawPath => _url is null ? null : new(_url, DataFolders[0], "admin");

    public async Task<VerifyMetrics?> StopAndVerifyAsync(int pass, CancellationToken ct)
    {
        await ChildProcess.StopAsync(_process, TimeSpan.FromSeconds(30));
        return await ChainMeasurements.VerifyAsync(Name, pass, DataFolders[0], ct);
    }

    /// <summary>A first port such that it and the next <paramref name="nodes"/> − 1, and the same 100 above, are free.</summary>
    internal static int FreeBlock(int nodes)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = Random.Shared.Next(20_000, 40_000);
            if (Enumerable.Range(candidate, nodes).Concat(Enumerable.Range(candidate + 100, nodes)).All(IsFree)) return candidate;
        }
        throw new InvalidOperationException("no free block of ports");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^node-(\d+): pid (\d+)", RegexOptions.Multiline)]
    private static partial Regex PidLine();

    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        await _process.StopAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }
}

/// <summary>
/// A throwaway PostgreSQL server (<see cref="PostgresServer"/>: the installed Debian binaries, installed when missing), in a
/// temporary folder, with its default durability (fsync on, synchronous commit on). As root it runs as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresTarget(string folder, bool chained) : ITarget
{
    private PostgresServer? _server;
    private readonly Dictionary<string, int> _pids = [];

    public string Name => chained ? "postgres-chained" : "postgres";

    public IReadOnlyDictionary<string, int> Processes => _pids;

    public IReadOnlyList<string> DataFolders => [];

    public async Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct)
    {
        _server = await PostgresServer.StartAsync(folder, durable: true, settings: ["shared_buffers=256MB"], progress, ct);
        _pids["postgres"] = _server.ProcessId;
        return new PostgresClient(_server.ConnectionString("postgres", "Maximum Pool Size=200;Timeout=15"), chained);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// One HealthLedger node whose ledger is in a throwaway PostgreSQL server (default durability, as <see cref="PostgresTarget"/>):
/// <c>healthledger init --store</c>, then <c>healthledger up</c> as for <see cref="NodeTarget"/>. The report shows the node's and
/// the server's processes (the server with its backends).
/// </summary>
public sealed class NodePostgresTarget(string folder, string password) : ITarget
{
    /// <inheritdoc/>
    public string? Admission { get; private set; }

    private PostgresServer? _server;
    private ChildProcess? _process;
    private readonly Dictionary<string, int> _pids = [];

    public string Name => "node-postgres";

    public IReadOnlyDictionary<string, int> Processes => _pids;

    /// <summary>None: the ledger is in the throwaway server, which stops with the target; see <see cref="StopAndVerifyAsync"/>.</summary>
    public IReadOnlyList<string> DataFolders => [];

    private string? _url;

    public RawPathEndpoint? RawPath => _url is null ? null : new(_url, Path.Combine(folder, "node"), "admin");

    /// <summary>Stops the node and runs <c>healthledger verify</c> on its folder while the PostgreSQL server still runs.</summary>
    public async Task<VerifyMetrics?> StopAndVerifyAsync(int pass, CancellationToken ct)
    {
        await ChildProcess.StopAsync(_process);
        return await ChainMeasurements.VerifyAsync(Name, pass, Path.Combine(folder, "node"), ct);
    }

    public async Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct)
    {
        _server = await PostgresServer.StartAsync(folder, durable: true, settings: ["shared_buffers=256MB"], progress, ct);
        _pids["postgres"] = _server.ProcessId;
        var store = await _server.CreateDatabaseAsync("ledger", ct);
        var data = Path.Combine(folder, "node");
        var env = new Dictionary<string, string> { ["HEALTHLEDGER_ADMIN_PASSWORD"] = password };
        progress("init --store (PostgreSQL)");
        using (var init = ChildProcess.StartSelf(["init", "--data", data, "--store", store], env))
        {
            if (await init.WaitAsync(ct) != 0) throw new InvalidOperationException("init --store failed:\n" + init.Output);
        }
        var url = $"http://127.0.0.1:{ChildProcess.FreePort()}";
        progress("starting one node on PostgreSQL");
        _url = url;
        _process = ChildProcess.StartSelf(["up", "--data", data, "--urls", url], env);
        await ChildProcess.WaitForHealthAsync([url], _ => true, _process, ct);
        if ((Admission = await _process.AdmissionAsync(ct)) is { } admission) progress($"admission: {admission}");
        _pids["node"] = _process.Id;
        return new HealthLedgerClient(url, password);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync(TimeSpan.FromSeconds(20));
            _process.Dispose();
        }
        if (_server is not null) await _server.DisposeAsync();
    }
}
