using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace HealthLedger.ThrowawayPostgres;

/// <summary>
/// A throwaway PostgreSQL server: <c>initdb</c> into a temporary folder and <c>postgres</c> started as a child process on a free
/// loopback port, with its unix socket in that folder (shared/RECIPES.md section 12). The binaries are Debian's
/// (<c>/usr/lib/postgresql/*/bin</c>), installed with apt-get when missing and the process runs as root. As root the server runs as
/// the <c>postgres</c> user through <c>setpriv</c> (PostgreSQL refuses root), so the process held is the postmaster itself.
/// <see cref="Dispose"/> stops it (SIGINT, PostgreSQL's fast shutdown) and deletes the folder; a server still running when its
/// owner process exits (a Ctrl+C whose clean-up ran out of time) gets SIGQUIT (immediate shutdown) then; a server left behind by
/// a killed owner process is stopped by the next <see cref="StartAsync"/> (the folder records its owner's process id).
/// </summary>
public sealed class PostgresServer : IDisposable, IAsyncDisposable
{
    private const string FolderPrefix = "healthledger-pg-";
    private const string OwnerFile = "owner.pid";
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<PostgresServer, byte> Running = new();

    static PostgresServer() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var server in Running.Keys)
        {
            try
            {
                if (!server._process.HasExited) Signal(server._process.Id, "QUIT");
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // gone meanwhile
            }
        }
    };

    private readonly StringBuilder _log = new();
    private readonly bool _ownsFolder;
    private readonly ProcessStartInfo _startInfo;
    private Process _process;
    private int _disposed;

    private PostgresServer(ProcessStartInfo startInfo, string folder, int port, bool ownsFolder)
    {
        _startInfo = startInfo;
        _process = new Process { StartInfo = startInfo };
        Folder = folder;
        Port = port;
        _ownsFolder = ownsFolder;
    }

    /// <summary>The folder holding the cluster (<c>data</c>) and the unix socket.</summary>
    public string Folder { get; }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The postmaster's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The server's output so far (for a failure message).</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>A connection string for the superuser <c>postgres</c> (no password: trust) to <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres", string? extra = null) =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database}" + (extra is null ? "" : ";" + extra);

    /// <summary>
    /// Initialises and starts a server. <paramref name="durable"/> keeps PostgreSQL's default durability (<c>fsync=on</c>,
    /// <c>synchronous_commit=on</c>); false turns both off (tests that do not measure or check durability). <paramref name="settings"/>
    /// adds <c>-c name=value</c> settings. In <paramref name="folder"/> (which must exist; the server uses a subfolder) or, when null,
    /// in a new temporary folder removed at <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not installed and cannot be, or initdb or the server failed (with its output).</exception>
    /// <exception cref="TimeoutException">The server did not accept connections within 30 seconds.</exception>
    public static async Task<PostgresServer> StartAsync(string? folder = null, bool durable = true, IEnumerable<string>? settings = null,
        Action<string>? progress = null, CancellationToken ct = default)
    {
        progress ??= _ => { };
        SweepAbandoned();
        var bin = await FindOrInstallAsync(progress, ct);
        var asRoot = Environment.UserName == "root";
        var ownsFolder = folder is null;
        var root = folder is null ? Directory.CreateTempSubdirectory(FolderPrefix).FullName : Path.Combine(folder, "postgres");
        try
        {
            Directory.CreateDirectory(root);
            OwnerRecord.Write(Path.Combine(root, OwnerFile));
            if (asRoot) await RunAsync("chown", ["-R", "postgres:postgres", root], ct);
            var data = Path.Combine(root, "data");
            progress("initdb");
            await RunAsync(Wrap(asRoot, Path.Combine(bin, "initdb")),
                [.. WrapArgs(asRoot, Path.Combine(bin, "initdb")), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", .. durable ? Array.Empty<string>() : ["--no-sync"]], ct);
            var extra = new List<string> { "listen_addresses=127.0.0.1", "max_connections=300" };
            if (!durable) extra.AddRange(["fsync=off", "synchronous_commit=off", "full_page_writes=off"]);
            extra.AddRange(settings ?? []);
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                progress("starting PostgreSQL");
                var info = new ProcessStartInfo(Wrap(asRoot, Path.Combine(bin, "postgres"))) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in WrapArgs(asRoot, Path.Combine(bin, "postgres"))) info.ArgumentList.Add(a);
                foreach (var a in new[] { "-D", data, "-p", port.ToString(CultureInfo.InvariantCulture), "-k", root }) info.ArgumentList.Add(a);
                foreach (var s in extra)
                {
                    info.ArgumentList.Add("-c");
                    info.ArgumentList.Add(s);
                }
                var server = new PostgresServer(info, root, port, ownsFolder);
                server.Launch();
                bool ready;
                try
                {
                    ready = await server.WaitReadyAsync(ct);
                }
                catch
                {
                    server.Stop(); // cancelled (Ctrl+C) while it started: it must not outlive us
                    throw;
                }
                if (ready) return server;
                // The port was taken between choosing and binding it (another server on the machine): try another.
                var log = server.Log;
                server.Stop();
                if (attempt >= 3) throw new InvalidOperationException("PostgreSQL did not start:\n" + log);
            }
        }
        catch
        {
            if (ownsFolder) TryDelete(root);
            throw;
        }
    }

    /// <summary>
    /// Stops the server as an operator's restart or a failover does (fast shutdown: every connection ended, SIGINT), keeping its
    /// data and port for <see cref="StartAgainAsync"/>. For tests of what a client does while its database is gone.
    /// </summary>
    public void Shutdown() => Stop();

    /// <summary>
    /// Stops every process of the server where it stands (SIGSTOP to the postmaster and its children): a database that hangs
    /// rather than refuses, as a network that drops packets or a frozen virtual machine makes one. <see cref="Thaw"/> resumes it.
    /// </summary>
    public void Freeze() => SignalAll("STOP");

    /// <summary>Resumes the server after <see cref="Freeze"/> (SIGCONT).</summary>
    public void Thaw() => SignalAll("CONT");

    // The postmaster and its children (their parent process id, from /proc/PID/stat), each sent the signal.
    private void SignalAll(string signal)
    {
        var postmaster = _process.Id;
        var children = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == postmaster).ToList();
        foreach (var pid in children.Prepend(postmaster)) Signal(pid, signal);
    }

    // 0 when the process is gone meanwhile.
    private static int ParentOf(int pid) =>
        ProcFiles.Stat(pid) is { Length: > 1 } fields && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : 0;

    /// <summary>Starts the server again after <see cref="Shutdown"/>, on the same port and data; returns once it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">It did not start (with its output).</exception>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _process = new Process { StartInfo = _startInfo };
        Launch();
        if (!await WaitReadyAsync(ct)) throw new InvalidOperationException("PostgreSQL did not start again:\n" + Log);
    }

    // Starts the postmaster process, its output collected into Log.
    private void Launch()
    {
        var process = _process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        Running[this] = 0;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Creates database <paramref name="name"/> (a plain identifier) and returns a connection string to it (as <c>postgres</c>).</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres", "Pooling=false")))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" ENCODING 'UTF8'", connection);
            await command.ExecuteNonQueryAsync(ct);
        }
        return ConnectionString(name);
    }

    /// <summary>Runs <paramref name="sql"/> in database <paramref name="database"/> as an outside tool would (own, unpooled connection).</summary>
    public async Task ExecuteAsync(string database, string sql, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database, "Pooling=false"));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<bool> WaitReadyAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_process.HasExited) return false;
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres", "Pooling=false;Timeout=5"));
                await connection.OpenAsync(ct);
                return true;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }
            catch (NpgsqlException e)
            {
                throw new TimeoutException("PostgreSQL did not accept connections within 30 s: " + e.Message + "\n" + Log);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            if (_log.Length > 200_000) _log.Remove(0, 100_000);
            _log.AppendLine(line);
        }
    }

    /// <summary>Stops the server (fast shutdown; killed after 20 s) and removes its temporary folder.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Stop();
        if (_ownsFolder) TryDelete(Folder);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                Signal(_process.Id, "INT");
                if (!_process.WaitForExit(TimeSpan.FromSeconds(20))) _process.Kill(entireProcessTree: true);
            }
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        Running.TryRemove(this, out _);
        _process.Dispose();
    }

    // Servers whose owner process is gone (a test run that was killed): stopped, their folders removed.
    private static void SweepAbandoned()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            try
            {
                if (StopIfAbandoned(folder)) OwnerRecord.RemoveFolder(folder, Path.Combine(folder, OwnerFile));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // another run's, or not ours to remove
            }
        }
    }

    /// <summary>
    /// When the process that started the server in <paramref name="root"/> (a folder given to <see cref="StartAsync"/>, its
    /// <c>postgres</c> subfolder, or one of this class's own) is surely gone (<see cref="OwnerRecord.IsGone"/>: killed, so that
    /// nothing stopped its server), stops that server if it still runs (SIGQUIT, PostgreSQL's immediate shutdown; waits up to 5 s)
    /// and returns true: the folder may be removed. False when the owner runs or cannot be told, or the server did not stop.
    /// </summary>
    public static bool StopIfAbandoned(string root)
    {
        var ownerFile = Path.Combine(root, OwnerFile);
        if (!File.Exists(ownerFile) || !OwnerRecord.IsGone(ownerFile)) return false;
        var data = Path.Combine(root, "data");
        var pidFile = Path.Combine(data, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).First().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var postmaster)
            || !Serves(postmaster, data))
        {
            return true;
        }
        Signal(postmaster, "QUIT");
        for (var i = 0; i < 50 && Serves(postmaster, data); i++) Thread.Sleep(100);
        return !Serves(postmaster, data);
    }

    // Whether process pid runs with the data folder on its command line (a postmaster of that folder, not a process that got its id).
    private static bool Serves(int pid, string data) => ProcFiles.CommandLine(pid)?.Contains(data, StringComparer.Ordinal) == true;

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Wrap(bool asRoot, string program) => asRoot ? "setpriv" : program;

    private static string[] WrapArgs(bool asRoot, string program) => asRoot ? ["--reuid=postgres", "--regid=postgres", "--clear-groups", program] : [];

    private static readonly SemaphoreSlim Installing = new(1, 1);

    private static async Task<string> FindOrInstallAsync(Action<string> progress, CancellationToken ct)
    {
        static string? Find() => Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (Find() is { } found) return found;
        await Installing.WaitAsync(ct);
        try
        {
            if (Find() is { } installed) return installed;
            if (Environment.UserName != "root") throw new InvalidOperationException("PostgreSQL is not installed; install the 'postgresql' Debian package (or run as root to let this do so).");
            progress("installing PostgreSQL from Debian packages (apt-get)");
            await RunAsync("apt-get", ["update", "-q"], ct);
            await RunAsync("apt-get", ["install", "-y", "-q", "postgresql"], ct);
            return Find() ?? throw new InvalidOperationException("apt-get installed no PostgreSQL server binaries");
        }
        finally
        {
            Installing.Release();
        }
    }

    private static async Task RunAsync(string program, IEnumerable<string> args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var error = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed with exit code {p.ExitCode}:\n{await output}{await error}");
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
