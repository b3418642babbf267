namespace HealthLedger.Testing;

/// <summary>
/// A real ext4 file system of <c>sizeMiB</c> MiB in an image file, mounted through a loop device on a fresh folder, whose writes
/// can be stalled as a hung disk stalls them: <see cref="Freeze"/> (<c>fsfreeze -f</c>) makes every write and <c>fsync</c> there
/// wait until <see cref="Thaw"/>; reads of what is cached go on. Mounting needs root, or <c>sudo</c> without a password;
/// otherwise the constructor throws saying so. Thawed, unmounted (the loop device is released with it) and removed on dispose.
/// </summary>
public sealed class FrozenDisk : IDisposable
{
    private readonly TempDirectory _dir = new();
    private bool _frozen;

    public FrozenDisk(int sizeMiB)
    {
        var image = _dir.Combine("disk.img");
        using (var file = new FileStream(image, FileMode.CreateNew)) file.SetLength(sizeMiB * 1024L * 1024);
        Run("mkfs.ext4", "-q", "-F", image);
        Path = _dir.Combine("disk");
        Directory.CreateDirectory(Path);
        Run("mount", "-o", "loop", image, Path);
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Stalls every write to the file system until <see cref="Thaw"/>.</summary>
    public void Freeze()
    {
        Run("fsfreeze", "-f", Path);
        _frozen = true;
    }

    /// <summary>Lets the stalled writes go on.</summary>
    public void Thaw()
    {
        if (!_frozen) return;
        Run("fsfreeze", "-u", Path);
        _frozen = false;
    }

    public void Dispose()
    {
        try
        {
            Thaw();
            Run("umount", "-l", Path);
        }
        finally
        {
            _dir.Dispose();
        }
    }

    private static void Run(string command, params string[] args) => Privileged.Run("the frozen-disk tests mount an ext4 image through a loop device: run them as root or with password-less sudo", command, args);
}
