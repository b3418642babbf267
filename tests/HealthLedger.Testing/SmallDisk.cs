using System.Diagnostics;

namespace HealthLedger.Testing;

/// <summary>
/// A real file system of <c>sizeMiB</c> MiB (Linux tmpfs) mounted on a fresh folder, for tests of a node whose disk fills up:
/// <see cref="Fill"/> writes a file until the kernel answers ENOSPC, <see cref="Free"/> removes it. Mounting needs root, or
/// <c>sudo</c> without a password (as <c>test.sh</c>'s package installs do); otherwise the constructor throws saying so.
/// Unmounted (lazily, so a process still holding a file there cannot keep it) and removed on dispose.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private readonly TempDirectory _dir = new();

    public SmallDisk(int sizeMiB)
    {
        Path = _dir.Combine("disk");
        Directory.CreateDirectory(Path);
        Run("mount", "-t", "tmpfs", "-o", $"size={sizeMiB}m,mode=0700", "tmpfs", Path);
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    private string Filler => System.IO.Path.Combine(Path, "filler");

    /// <summary>Fills the disk: writes zeros to a file until the write is refused for want of space.</summary>
    public void Fill()
    {
        var block = new byte[64 * 1024];
        using var stream = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true) stream.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC; write what fits in smaller pieces so that not even a page is left
            for (var size = block.Length / 2; size >= 512; size /= 2)
            {
                try
                {
                    while (true) stream.Write(block, 0, size);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>Frees what <see cref="Fill"/> took.</summary>
    public void Free() => File.Delete(Filler);

    /// <summary>Frees <paramref name="bytes"/> of what <see cref="Fill"/> took.</summary>
    public void Free(long bytes)
    {
        using var stream = new FileStream(Filler, FileMode.Open, FileAccess.Write);
        stream.SetLength(Math.Max(0, stream.Length - bytes));
    }

    /// <summary>Remounts the disk read-only (<paramref name="readOnly"/>) or read-write.</summary>
    public void Remount(bool readOnly) => Run("mount", "-o", readOnly ? "remount,ro" : "remount,rw", Path);

    public void Dispose()
    {
        try
        {
            Run("umount", "-l", Path);
        }
        finally
        {
            _dir.Dispose();
        }
    }

    private static void Run(string command, params string[] args)
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
            throw new InvalidOperationException($"'{command} {string.Join(' ', args)}' failed ({process.ExitCode}): {error.Trim()} " +
                "(the full-disk tests mount a small tmpfs: run them as root or with password-less sudo)");
        }
    }
}
