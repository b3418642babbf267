using System.Diagnostics;

namespace HealthLedger.Testing;

/// <summary>Files that are not regular files, made with the system's own tools (coreutils), for tests of what reads them.</summary>
public static class SpecialFiles
{
    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/> with <c>mkfifo</c>: opening it to read waits for a writer.</summary>
    /// <exception cref="IOException">mkfifo failed.</exception>
    public static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", ["-m", "600", path]) { RedirectStandardError = true })!;
        var error = mkfifo.StandardError.ReadToEnd();
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0) throw new IOException($"mkfifo {path} failed: {error}");
    }
}
