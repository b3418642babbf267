using System.Diagnostics;
using System.Globalization;

namespace HealthLedger.Cli;

/// <summary>
/// A command started by another healthledger process ('cluster up' and 'consortium up' start their nodes and seeds, 'bench'
/// its nodes, networks and load and verify runs) must not outlive it: the starter names itself in the environment variable
/// <see cref="Variable"/>, and the command stops when that process is gone — as Ctrl+C stops it (a node finishes its block and
/// closes its store), so even a starter killed with SIGKILL, which cannot stop its children, leaves none running. Each starter
/// puts its own id there, so a node under 'cluster up' under 'bench' follows 'cluster up', which follows the bench.
/// </summary>
internal static class ParentProcess
{
    /// <summary>The environment variable naming the process id of the healthledger process that started this one.</summary>
    public const string Variable = Bench.ChildProcess.ParentPidVariable;

    // How often the parent is looked at (it is not this process's child, so no exit notice comes).
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A token cancelled once the process named by <see cref="Variable"/> has exited (at once when it already has); none when the
    /// variable is not set. A process that took over the id later (the id reused) is told apart by its start time.
    /// </summary>
    public static CancellationToken Gone()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            return CancellationToken.None;
        }
        var gone = new CancellationTokenSource(); // lives as long as the process
        var started = StartTime(pid);
        if (started is null)
        {
            gone.Cancel();
            return gone.Token;
        }
        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Every);
            while (await timer.WaitForNextTickAsync())
            {
                if (StartTime(pid) != started)
                {
                    await gone.CancelAsync();
                    return;
                }
            }
        }, CancellationToken.None);
        return gone.Token;
    }

    // The start time of a running process, or null when there is none of that id (or it has exited and waits to be reaped).
    private static DateTime? StartTime(int pid)
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.ReadAllText($"/proc/{pid}/stat") is var stat && stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'))
            {
                return null; // a zombie: exited, not yet reaped by its own parent
            }
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : process.StartTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
