using System.Diagnostics;
using System.Globalization;

namespace HealthLedger.Cli.Commands;

/// <summary>
/// Child processes of this executable ('node', 'seed') for 'cluster up' and 'consortium up': their output prefixed with a name,
/// stopped together (SIGTERM, then SIGKILL after 15 s) when the parent is asked to stop, and stopping by themselves when the
/// parent is gone without asking them (killed with SIGKILL: each child watches it, <see cref="ParentProcess"/>).
/// </summary>
internal sealed class NodeProcesses : IAsyncDisposable
{
    private readonly List<(string Name, Process Process)> _running = [];

    // Each child's "exited with code" line, printed when it exits (WaitAsync): awaited before the child's Process is disposed,
    // which would otherwise race the line (its exit code unreadable once disposed, and the line lost).
    private readonly Dictionary<Process, Task> _exitReports = [];

    // The folder of each node started by StartNode, for the line that says how to start it again when it goes down by itself.
    private readonly Dictionary<Process, (string Name, string Folder)> _nodes = [];

    // How long a node's exit waits for this command's own stop before it is reported as a node gone down (WentDown).
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    // The children this object was asked to stop (their exits are expected: no "still run" line).
    private readonly HashSet<Process> _stopping = [];

    /// <summary>The running children, in start order.</summary>
    public IReadOnlyList<(string Name, Process Process)> Running => _running;

    /// <summary>The file in a node's folder holding the process id of the node 'cluster up' / 'consortium up' started there, while it runs.</summary>
    public const string PidFileName = "node.pid";

    /// <summary>
    /// Starts <c>healthledger node --data <paramref name="folder"/></c>, stopping when this process exits. Its process id is in
    /// <c>folder/node.pid</c> while it runs (removed when it exits), so one node can be stopped alone (<c>kill $(cat DIR/node.pid)</c>:
    /// the others keep running, and this process reports the exit and keeps supervising them).
    /// </summary>
    /// <remarks>With <paramref name="sharedBy"/>, the node is told how many nodes this command runs on the machine
    /// (<see cref="Node.Configuration.MachineShare"/>, unless the variable is set already), so that its admission budgets are
    /// its share of the machine's processors; without it, the node takes the whole machine's budget.</remarks>
    public Process StartNode(string name, string folder, int? sharedBy = null)
    {
        var share = sharedBy is { } nodes && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Node.Configuration.MachineShare.Variable))
            ? new Dictionary<string, string> { [Node.Configuration.MachineShare.Variable] = nodes.ToString(CultureInfo.InvariantCulture) }
            : null;
        var process = Start(name, ["node", "--data", folder], share);
        var pidFile = Path.Combine(folder, PidFileName);
        var pid = process.Id.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(pidFile, pid + "\n");
        lock (_nodes) _nodes[process] = (name, folder);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            try
            {
                if (File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() == pid) File.Delete(pidFile);
            }
            catch (IOException)
            {
                // best effort: a stale file names a process that is gone
            }
        };
        return process;
    }

    /// <summary>
    /// Starts this executable with <paramref name="arguments"/> and extra environment variables; output lines are prefixed with the
    /// name. The child stops when this process is gone (<see cref="ParentProcess.Variable"/> names it).
    /// </summary>
    public Process Start(string name, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var self = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(NodeProcesses).Assembly.Location);
        info.FileName = self;
        foreach (var arg in arguments) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        info.Environment[ParentProcess.Variable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        var prefix = $"[{name}] ";
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine(prefix + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(prefix + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _running.Add((name, process));
        return process;
    }

    /// <summary>
    /// Waits until every child has exited (returns 1: a node should not stop by itself) or <paramref name="cancellationToken"/>
    /// is cancelled by Ctrl+C or SIGTERM (returns 0; <see cref="DisposeAsync"/> then stops them).
    /// </summary>
    public async Task<int> WaitAsync(CancellationToken cancellationToken)
    {
        var exits = new List<Task>();
        foreach (var (name, process) in _running)
        {
            var report = process.WaitForExitAsync(CancellationToken.None).ContinueWith(_ =>
            {
                Console.WriteLine($"{name} exited with code {process.ExitCode}");
                if (WentDown(process, cancellationToken) is { } line) Console.WriteLine(line);
            }, TaskScheduler.Default);
            lock (_exitReports) _exitReports[process] = report;
            exits.Add(report);
        }
        try
        {
            await Task.WhenAll(exits).WaitAsync(cancellationToken);
            return 1;
        }
        catch (OperationCanceledException)
        {
            lock (_stopping) _stopping.UnionWith(_running.Select(r => r.Process));
            Console.WriteLine("Stopping the nodes…");
            return 0;
        }
    }

    /// <summary>Stops one child (SIGTERM, then SIGKILL after 15 s) and forgets it.</summary>
    public async Task StopAsync(Process process)
    {
        _running.RemoveAll(r => r.Process == process);
        await StopAll([process]);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAll(_running.Select(r => r.Process).ToList());
        _running.Clear();
    }

    // SIGTERM first (the nodes finish their current block and close their stores), SIGKILL after 15 s.
    private async Task StopAll(IReadOnlyList<Process> processes)
    {
        lock (_stopping) _stopping.UnionWith(processes);
        foreach (var p in processes.Where(p => !p.HasExited))
        {
            if (OperatingSystem.IsWindows()) p.Kill();
            else
            {
                using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
                term?.WaitForExit();
            }
        }
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        foreach (var p in processes)
        {
            try
            {
                await p.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None);
            }
            Task? report;
            lock (_exitReports) _exitReports.Remove(p, out report);
            if (report is not null) await report; // the exit line, printed before the process is disposed
            lock (_nodes) _nodes.Remove(p);
            p.Dispose();
        }
    }

    // What an operator needs when a node went down while this command was not stopping it (it failed, or someone killed it):
    // how many of the nodes started here still run, and the command that starts it again. Null for an expected exit.
    private string? WentDown(Process process, CancellationToken stopping)
    {
        lock (_stopping)
        {
            if (_stopping.Contains(process)) return null;
        }
        // Counted as the node went down (another may go down within the grace below).
        string name, folder;
        int running, started;
        lock (_nodes)
        {
            if (!_nodes.TryGetValue(process, out var node)) return null;
            (name, folder) = node;
            started = _nodes.Count;
            running = _nodes.Keys.Count(p => !p.HasExited);
        }
        // Ctrl+C in a terminal reaches the nodes too (they share its process group), and a node's exit may come just before this
        // command's own stop begins: an exit followed within a second by that stop is part of it.
        if (stopping.WaitHandle.WaitOne(StopGrace)) return null;
        lock (_stopping)
        {
            if (_stopping.Contains(process)) return null;
        }
        return running == 0
            ? $"No node started here is running any more. Start {name} again with: healthledger node --data {folder}"
            : $"{running} of the {started} nodes started here still run (a network of 3f + 1 voting nodes decides with f of them down; " +
              $"/healthz on a running node shows its consensus). Once what its lines above say is put right, start {name} again with: healthledger node --data {folder}";
    }
}
