using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace HealthLedger.Testing;

/// <summary>One file-system call of interest seen by <see cref="SyscallTrace"/>: a move (rename or link) to a path, a folder
/// made, or an fsync of the path its descriptor was opened on.</summary>
public sealed record FileCall(string Kind, string Path);

/// <summary>
/// What a process asks of the kernel, for tests of durability that a power cut cannot be caused to check: runs one test method
/// of a test assembly (its probe) in a child process under <c>strace -f --seccomp-bpf</c> (Debian's <c>strace</c>, installed by
/// test.sh) and returns its moves, folders made and fsyncs in order.
/// </summary>
public static partial class SyscallTrace
{
    /// <summary>
    /// Runs <paramref name="probe"/> (a test method's full name in <paramref name="assembly"/>) under strace with
    /// <paramref name="environment"/> added, and returns its file calls.
    /// </summary>
    /// <exception cref="InvalidOperationException">strace is missing, or the probe failed (its output in the message).</exception>
    /// <exception cref="OperationCanceledException">The probe ran over 2 minutes (it and strace are killed) or <paramref name="ct"/> was cancelled.</exception>
    public static async Task<IReadOnlyList<FileCall>> RunAsync(Assembly assembly, string probe, IReadOnlyDictionary<string, string> environment,
        string traceFile, CancellationToken ct)
    {
        var info = new ProcessStartInfo("strace")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "-f", "--seccomp-bpf", "-qq", "-o", traceFile, "-e", "trace=%file,fsync,fdatasync", "dotnet", assembly.Location, "-method", probe },
        };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("strace did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("strace is needed for this test (test.sh installs Debian's strace package)", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(ct);
            var errors = process.StandardError.ReadToEndAsync(ct);
            using (var bound = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                bound.CancelAfter(TimeSpan.FromMinutes(2));
                try
                {
                    await process.WaitForExitAsync(bound.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true); // strace and the probe under it: nothing left running
                    throw;
                }
            }
            if (process.ExitCode != 0) throw new InvalidOperationException($"the probe under strace exited {process.ExitCode}: {await output}{await errors}");
        }
        return Parse(await File.ReadAllLinesAsync(traceFile, ct));
    }

    /// <summary>True when, after <c>calls[from]</c>, <paramref name="folder"/> was opened and that descriptor fsynced.</summary>
    public static bool SyncedAfter(IReadOnlyList<FileCall> calls, int from, string folder) =>
        calls.Skip(from + 1).Any(c => c.Kind == "sync" && c.Path == folder);

    /// <summary>The index of the first call of <paramref name="kind"/> to <paramref name="path"/>, or -1.</summary>
    public static int IndexOf(IReadOnlyList<FileCall> calls, string kind, string path)
    {
        for (var i = 0; i < calls.Count; i++)
        {
            if (calls[i].Kind == kind && calls[i].Path == path) return i;
        }
        return -1;
    }

    // The moves, folders made and fsyncs in strace's lines, in order; an fsync is named by the path its descriptor was last
    // opened on (descriptors belong to the process, not the thread). A call another thread's interrupted ("<unfinished ...>",
    // then "<... openat resumed>") is joined again.
    private static List<FileCall> Parse(IEnumerable<string> lines)
    {
        const string Unfinished = "<unfinished ...>";
        var pending = new Dictionary<string, string>();
        var opened = new Dictionary<string, string>();
        var calls = new List<FileCall>();
        foreach (var raw in lines)
        {
            var thread = raw.Split(' ', 2)[0];
            if (raw.EndsWith(Unfinished, StringComparison.Ordinal))
            {
                pending[thread] = raw[..^Unfinished.Length].TrimEnd();
                continue;
            }
            var line = Resumed().Match(raw) is { Success: true } resumed && pending.Remove(thread, out var head) ? head + resumed.Groups["rest"].Value : raw;
            if (OpenCall().Match(line) is { Success: true } open) opened[open.Groups["fd"].Value] = open.Groups["path"].Value;
            else if (SyncCall().Match(line) is { Success: true } sync && opened.TryGetValue(sync.Groups["fd"].Value, out var synced)) calls.Add(new FileCall("sync", synced));
            else if (MoveCall().Match(line) is { Success: true } move) calls.Add(new FileCall("move", move.Groups["to"].Value));
            else if (MkdirCall().Match(line) is { Success: true } mkdir) calls.Add(new FileCall("mkdir", mkdir.Groups["path"].Value));
        }
        return calls;
    }

    [GeneratedRegex("""^\d+\s+<\.\.\. \w+ resumed>(?<rest>.*)$""")]
    private static partial Regex Resumed();

    [GeneratedRegex("""^\d+\s+open(?:at)?\((?:AT_FDCWD, )?"(?<path>[^"]+)",[^)]*\)\s*= (?<fd>\d+)""")]
    private static partial Regex OpenCall();

    [GeneratedRegex("""^\d+\s+f(?:data)?sync\((?<fd>\d+)\)\s*= 0""")]
    private static partial Regex SyncCall();

    [GeneratedRegex("""^\d+\s+(?:rename|renameat|renameat2|link|linkat)\((?:AT_FDCWD, )?"[^"]+", (?:AT_FDCWD, )?"(?<to>[^"]+)"[^)]*\)\s*= 0""")]
    private static partial Regex MoveCall();

    [GeneratedRegex("""^\d+\s+mkdir(?:at)?\((?:AT_FDCWD, )?"(?<path>[^"]+)"[^)]*\)\s*= 0""")]
    private static partial Regex MkdirCall();
}
