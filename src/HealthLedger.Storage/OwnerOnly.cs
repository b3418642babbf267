namespace HealthLedger.Storage;

/// <summary>
/// Files and folders only their owner may read (Unix modes 0600 and 0700): a node's data folder holds its keys, the users'
/// sealed keys and every record ciphertext. Folders made here are created so (with their missing parents); folders and files that
/// exist already are tightened. Nothing to do on Windows, where the folder's ACL applies.
/// </summary>
public static class OwnerOnly
{
    /// <summary>Read and write for the owner only (0600).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Read, write and list for the owner only (0700).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and its missing parents) owner-only, or tightens it when it exists.</summary>
    public static DirectoryInfo CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return Directory.CreateDirectory(path);
        if (Directory.Exists(path))
        {
            Tighten(path, DirectoryMode);
            return new DirectoryInfo(path);
        }
        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only: missing parents are made one by one.
        var missing = new Stack<string>();
        for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!) missing.Push(folder);
        DirectoryInfo? made = null;
        while (missing.TryPop(out var folder)) made = Directory.CreateDirectory(folder, DirectoryMode);
        return made!;
    }

    /// <summary>
    /// Makes sure <paramref name="path"/> exists before another component (SQLite) opens it: an empty file is created with mode
    /// 0600 when there is none (SQLite gives its -wal and -shm files the same mode). A file that is there is left as it is until
    /// the caller has found it to be its own (<see cref="TightenDatabaseFiles"/>): one it refuses is not changed.
    /// </summary>
    public static void PrepareDatabaseFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path)) return;
        using (new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode }))
        {
        }
    }

    /// <summary>
    /// Tightens a SQLite file the caller opened and found to be its own, and the <c>-wal</c> and <c>-shm</c> files beside it, to
    /// 0600 (a file made before data folders were owner-only, or copied in with a wider mode).
    /// </summary>
    public static void TightenDatabaseFiles(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (File.Exists(file)) Tighten(file, FileMode);
        }
    }

    /// <summary>Options to create a new file owner-only (<see cref="FileStreamOptions.UnixCreateMode"/> 0600 on Unix).</summary>
    public static FileStreamOptions NewFile(System.IO.FileMode mode = System.IO.FileMode.CreateNew, FileAccess access = FileAccess.Write, FileShare share = FileShare.None,
        int bufferSize = 4096, bool useAsync = false)
    {
        var options = new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            BufferSize = bufferSize,
            Options = useAsync ? FileOptions.Asynchronous : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        return options;
    }

    /// <summary>
    /// Writes <paramref name="text"/> (UTF-8, no byte-order mark) to a new or replaced file that only its owner may read, whole and
    /// durably (<see cref="DurableFile.Replace(string, byte[])"/>: a temporary file fsynced, renamed over the old one, the folder
    /// fsynced), so that a power cut leaves the old content or the new one, never a torn or empty file.
    /// </summary>
    public static void WriteAllText(string path, string text) => DurableFile.Replace(path, new System.Text.UTF8Encoding(false).GetBytes(text));

    private static void Tighten(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return;
        if ((File.GetUnixFileMode(path) & ~mode) != 0) File.SetUnixFileMode(path, mode);
    }
}
