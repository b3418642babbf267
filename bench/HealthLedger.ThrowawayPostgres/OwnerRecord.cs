using System.Globalization;

namespace HealthLedger.ThrowawayPostgres;

/// <summary>
/// The process that owns a temporary folder (a throwaway PostgreSQL server's, a benchmark run's), recorded in a file inside it
/// (<c>owner.pid</c>: "process-id start-time pid-namespace", from Linux's <c>/proc</c>), so that a later run can tell a folder
/// whose owner was killed (SIGKILL runs no clean-up) from one whose owner still runs. A process id alone is not enough: ids
/// are reused, and a run in another PID namespace (a container sharing <c>/tmp</c>) sees none of this one's processes.
/// </summary>
public static class OwnerRecord
{
    /// <summary>Writes this process's record to <paramref name="file"/>.</summary>
    public static void Write(string file) =>
        File.WriteAllText(file, string.Join(' ', Environment.ProcessId.ToString(CultureInfo.InvariantCulture), StartTime(Environment.ProcessId) ?? "-", Namespace() ?? "-"));

    /// <summary>
    /// Whether the owner recorded in <paramref name="file"/> is surely gone: the record was made in this PID namespace and its
    /// process is not running (no such id, or an id reused by a process started at another time). False when that cannot be
    /// told (another namespace, no <c>/proc</c>, no readable record): such a folder is left alone.
    /// </summary>
    public static bool IsGone(string file)
    {
        if (!Directory.Exists("/proc/self")) return false;
        string[] fields;
        try
        {
            fields = File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        if (fields.Length == 0 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
        // Records of older runs hold the id alone.
        if (fields.Length >= 3 && fields[2] != "-" && fields[2] != Namespace()) return false;
        if (!Directory.Exists($"/proc/{pid}")) return true;
        return fields.Length >= 2 && fields[1] != "-" && StartTime(pid) is { } started && started != fields[1];
    }

    /// <summary>
    /// Removes <paramref name="folder"/>, whose owner is gone: everything in it but <paramref name="file"/> (the owner's record),
    /// then the record, then the folder, so that a removal cut short (a file written meanwhile, one this user may not remove)
    /// keeps the record and is tried again by the next sweep. True when the folder is gone.
    /// </summary>
    public static bool RemoveFolder(string folder, string file)
    {
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(folder).Where(e => e != file).ToList())
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else File.Delete(entry);
            }
            File.Delete(file);
            Directory.Delete(folder);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // Field 22 of /proc/<pid>/stat (clock ticks after boot), or null.
    private static string? StartTime(int pid) => ProcFiles.Stat(pid) is { Length: > 19 } fields ? fields[19] : null;

    // This process's PID namespace ("pid:[4026531836]"), or null.
    private static string? Namespace()
    {
        try
        {
            return new FileInfo("/proc/self/ns/pid").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
