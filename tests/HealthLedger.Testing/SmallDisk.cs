namespace HealthLedger.Testing;

/// <summary>
/// A real file system of <c>sizeMiB</c> MiB (Linux tmpfs) mounted on a fresh folder, for tests of a node whose disk fills up:
/// <see cref="Fill"/> writes a file until the kernel answers ENOSPC, <see cref="Free"/> removes it; <see cref="FillInodes"/> uses
/// up its inodes instead. Mounting needs root, or
/// <c>sudo</c> without a password (as <c>test.sh</c>'s package installs do); otherwise the constructor throws saying so.
/// Unmounted (lazily, so a process still holding a file there cannot keep it) and removed on dispose.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private readonly TempDirectory _dir = new();

    /// <param name="sizeMiB">Its size.</param>
    /// <param name="inodes">How many files and folders it can hold at most (tmpfs <c>nr_inodes</c>); the kernel's default when null.</param>
    public SmallDisk(int sizeMiB, int? inodes = null)
    {
        Path = _dir.Combine("disk");
        Directory.CreateDirectory(Path);
        Run("mount", "-t", "tmpfs", "-o", $"size={sizeMiB}m,mode=0700{(inodes is { } n ? $",nr_inodes={n}" : "")}", "tmpfs", Path);
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

    private string Files => System.IO.Path.Combine(Path, "files");

    /// <summary>Uses up the disk's inodes: makes empty files until the kernel answers ENOSPC, bytes to spare.</summary>
    public void FillInodes()
    {
        Directory.CreateDirectory(Files);
        try
        {
            for (var i = 0; ; i++) File.Create(System.IO.Path.Combine(Files, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).Dispose();
        }
        catch (IOException)
        {
            // ENOSPC: no inode left
        }
    }

    /// <summary>Frees the inodes <see cref="FillInodes"/> took.</summary>
    public void FreeInodes() => Directory.Delete(Files, recursive: true);

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

    private static void Run(string command, params string[] args) => Privileged.Run("the full-disk tests mount a small tmpfs: run them as root or with password-less sudo", command, args);
}
