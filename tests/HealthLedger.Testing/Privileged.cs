using System.Diagnostics;

namespace HealthLedger.Testing;

/// <summary>Runs a system command that needs root (mount, umount, mkfs, fsfreeze): directly as root, else through <c>sudo -n</c>.</summary>
public static class Privileged
{
    /// <summary>
    /// Runs <paramref name="command"/> with <paramref name="args"/> and waits for it; throws <see cref="InvalidOperationException"/>
    /// with its error output and <paramref name="why"/> (which tests need it, and how to run them) when it fails.
    /// </summary>
    public static void Run(string why, string command, params string[] args)
    {
        var root = Environment.UserName == "root";
        var start = new ProcessStartInfo(root ? command : "sudo") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (!root) start.ArgumentList.Add("-n");
        if (!root) start.ArgumentList.Add(command);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{command} {string.Join(' ', args)}' failed ({process.ExitCode}): {error.Trim()} ({why})");
        }
    }
}
