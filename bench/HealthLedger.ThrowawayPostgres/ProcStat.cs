using System.Globalization;

namespace HealthLedger.ThrowawayPostgres;

/// <summary>
/// A process's or thread's <c>/proc/…/stat</c> line (Linux, proc(5)), read once for the benchmark's CPU figures, a temporary
/// folder's owner record and a server's process tree.
/// </summary>
public static class ProcStat
{
    /// <summary>
    /// The fields of the stat file at <paramref name="path"/> after the command name (which may hold spaces and parentheses),
    /// numbered from 0 for proc(5)'s field 3 (the state): the parent's id is [1], utime [11], stime [12], the start time [19];
    /// null when the process is gone or the file unreadable.
    /// </summary>
    public static string[]? Fields(string path)
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

    /// <summary>The fields of process <paramref name="pid"/>'s stat file, as <see cref="Fields(string)"/>.</summary>
    public static string[]? Fields(int pid) => Fields($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
}
