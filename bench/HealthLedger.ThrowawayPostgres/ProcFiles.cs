using System.Globalization;

namespace HealthLedger.ThrowawayPostgres;

/// <summary>
/// A process's files under Linux's <c>/proc</c> (proc(5)), read in one place for the benchmark's CPU figures, a temporary
/// folder's owner record, a server's process tree and the sweeps that must not remove a folder a running process uses.
/// </summary>
public static class ProcFiles
{
    /// <summary>
    /// The fields of the stat file at <paramref name="path"/> (a process's or a thread's) after the command name (which may hold
    /// spaces and parentheses), numbered from 0 for proc(5)'s field 3 (the state): the parent's id is [1], utime [11], stime
    /// [12], the start time [19]; null when the process is gone or the file unreadable.
    /// </summary>
    public static string[]? Stat(string path)
    {
        try
        {
            var stat = File.ReadAllText(path);
            var close = stat.LastIndexOf(')');
            return close < 0 ? null : stat[(close + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The fields of process <paramref name="pid"/>'s stat file, as <see cref="Stat(string)"/>.</summary>
    public static string[]? Stat(int pid) => Stat($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");

    /// <summary>Process <paramref name="pid"/>'s command line, one element per argument; null when it is gone or unreadable.</summary>
    public static string[]? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
