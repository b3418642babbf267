using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

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
}

/// <summary>Runs the <c>healthledger</c> executable that is running now (the same build) as a child process.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts <c>healthledger</c> with <paramref name="args"/>; <paramref name="env"/> adds variables.</summary>
    public static ChildProcess StartSelf(IEnumerable<string> args, IReadOnlyDictionary<string, string> env)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo { FileName = self, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "healthledger.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in env) info.Environment[k] = v;
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
            _process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
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
    private ChildProcess? _process;
    private readonly Dictionary<string, int> _pids = [];

    public string Name => "node";

    public IReadOnlyDictionary<string, int> Processes => _pids;

    public async Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{ChildProcess.FreePort()}";
        progress("starting one node");
        if (template is not null)
        {
            progress($"copying {template}");
            CopyFolder(template, Path.Combine(folder, "node"));
        }
        _process = ChildProcess.StartSelf(["up", "--data", Path.Combine(folder, "node"), "--urls", url], new Dictionary<string, string> { ["HEALTHLEDGER_ADMIN_PASSWORD"] = password });
        await ChildProcess.WaitForHealthAsync([url], _ => true, _process, ct);
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
    private ChildProcess? _process;
    private readonly Dictionary<string, int> _pids = [];

    public string Name => "cluster";

    public IReadOnlyDictionary<string, int> Processes => _pids;

    public async Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct)
    {
        var basePort = FreeBlock(nodes);
        progress($"starting a {nodes}-node cluster");
        _process = ChildProcess.StartSelf(["cluster", "up", "--nodes", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", Path.Combine(folder, "cluster"),
            "--base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture)], new Dictionary<string, string> { ["HEALTHLEDGER_ADMIN_PASSWORD"] = password });
        var urls = Enumerable.Range(0, nodes).Select(k => $"http://127.0.0.1:{basePort + k}").ToList();
        await ChildProcess.WaitForHealthAsync(urls, json => nodes == 1 || json.Split("\"connected\":true").Length - 1 == nodes - 1, _process, ct);
        foreach (Match m in PidLine().Matches(_process.Output)) _pids["node-" + m.Groups[1].Value] = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        return new HealthLedgerClient(urls[0], password); // users work at node 1 (see HealthLedgerClient)
    }

    private static int FreeBlock(int nodes)
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
/// A throwaway PostgreSQL server from the installed binaries (installed from Debian packages when missing), in a temporary
/// folder, with its default durability (fsync on, synchronous commit on). As root it runs as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresTarget(string folder, bool chained) : ITarget
{
    private ChildProcess? _server;
    private readonly Dictionary<string, int> _pids = [];

    public string Name => chained ? "postgres-chained" : "postgres";

    public IReadOnlyDictionary<string, int> Processes => _pids;

    public async Task<IBenchClient> StartAsync(Action<string> progress, CancellationToken ct)
    {
        var bin = await FindOrInstallAsync(progress, ct);
        var dir = Path.Combine(folder, Name);
        Directory.CreateDirectory(dir);
        var asRoot = Environment.UserName == "root";
        if (asRoot) await RunAsync("chown", ["-R", "postgres:postgres", folder], ct);
        progress("initdb");
        await RunAsync(Wrap(asRoot, Path.Combine(bin, "initdb")), [.. WrapArgs(asRoot, Path.Combine(bin, "initdb")), "-D", Path.Combine(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"], ct);
        var port = ChildProcess.FreePort();
        progress("starting PostgreSQL");
        var info = new ProcessStartInfo(Wrap(asRoot, Path.Combine(bin, "postgres")));
        foreach (var a in WrapArgs(asRoot, Path.Combine(bin, "postgres"))) info.ArgumentList.Add(a);
        foreach (var a in new[] { "-D", Path.Combine(dir, "data"), "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", dir,
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "shared_buffers=256MB" })
        {
            info.ArgumentList.Add(a);
        }
        _server = ChildProcess.Start(info);
        _pids["postgres"] = _server.Id;
        var connection = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Maximum Pool Size=200;Timeout=15";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var c = new Npgsql.NpgsqlConnection(connection);
                await c.OpenAsync(ct);
                break;
            }
            catch (Npgsql.NpgsqlException) when (attempt < 200 && !_server.HasExited)
            {
                await Task.Delay(100, ct);
            }
        }
        return new PostgresClient(connection, chained);
    }

    private static string Wrap(bool asRoot, string program) => asRoot ? "setpriv" : program;

    private static string[] WrapArgs(bool asRoot, string program) => asRoot ? ["--reuid=postgres", "--regid=postgres", "--clear-groups", program] : [];

    private static async Task<string> FindOrInstallAsync(Action<string> progress, CancellationToken ct)
    {
        static string? Find() => Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (Find() is { } found) return found;
        if (Environment.UserName != "root") throw new InvalidOperationException("PostgreSQL is not installed; install the 'postgresql' Debian package (or run the benchmark as root to let it do so).");
        progress("installing PostgreSQL from Debian packages (apt-get)");
        await RunAsync("apt-get", ["update", "-q"], ct);
        await RunAsync("apt-get", ["install", "-y", "-q", "postgresql"], ct);
        return Find() ?? throw new InvalidOperationException("apt-get installed no PostgreSQL server binaries");
    }

    private static async Task RunAsync(string program, IEnumerable<string> args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(program);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var p = ChildProcess.Start(info);
        var code = await p.WaitAsync(ct);
        if (code != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed with exit code {code}:\n{p.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is null) return;
        // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client session to end).
        await _server.StopAsync(TimeSpan.FromSeconds(20), "INT");
        _server.Dispose();
    }
}
