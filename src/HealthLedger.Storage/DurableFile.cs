using System.Runtime.InteropServices;

namespace HealthLedger.Storage;

/// <summary>Whole-file writes that survive a crash: the old content or the new one (or none), never a torn mix; moves made durable.</summary>
public static class DurableFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> (owner-only): written to a temporary file beside it,
    /// fsynced, renamed over the old one, then the folder fsynced so that the rename survives a power cut.
    /// </summary>
    public static void Replace(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Replace(path, stream => stream.Write(content));
    }

    /// <summary>
    /// <see cref="Replace(string, byte[])"/> for content written piece by piece to a stream (never whole in memory):
    /// <paramref name="write"/> writes it to the temporary file; if it throws, the file is left as it was.
    /// </summary>
    public static void Replace(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(path, write, overwrite: true);
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a new file at <paramref name="path"/> (owner-only) as <see cref="Replace(string, byte[])"/>
    /// does — a temporary file beside it fsynced, moved in, the folder fsynced — but never over a file already there.
    /// </summary>
    /// <exception cref="IOException">A file is already at <paramref name="path"/> (nothing is left beside it), or the write or a sync failed.</exception>
    public static void CreateNew(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Write(path, stream => stream.Write(content), overwrite: false);
    }

    /// <summary>
    /// Copies <paramref name="source"/> to a new file at <paramref name="target"/> (owner-only) as <see cref="CreateNew"/> writes:
    /// streamed to a temporary file beside it, fsynced, moved in without overwriting, the folder fsynced. The target's folder is
    /// made when missing and entered durably in its parent (<see cref="CreateDirectory"/>).
    /// </summary>
    /// <exception cref="IOException">A file is already at <paramref name="target"/>, <paramref name="source"/> cannot be read, or the
    /// write or a sync failed (nothing is left at the target).</exception>
    public static void CopyNew(string source, string target)
    {
        CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        using var from = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Write(target, stream => from.CopyTo(stream), overwrite: false);
    }

    private static void Write(string path, Action<Stream> write, bool overwrite)
    {
        // Created new (owner-only): a temporary file a crash left is removed first, not written into with the mode it had.
        var temporary = path + ".tmp";
        File.Delete(temporary);
        try
        {
            using (var stream = new FileStream(temporary, OwnerOnly.NewFile(FileMode.CreateNew, bufferSize: 1 << 16)))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The first error is the one to report.
            }
            throw;
        }
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Moves a complete, already fsynced file to <paramref name="target"/> so that the move survives a power cut: the target's
    /// folder is made when missing and entered durably in its parent (<see cref="CreateDirectory"/>), and after the rename the
    /// target's folder is fsynced. POSIX makes a rename durable only through its folder's fsync: a later fsync of another file
    /// (the ledger's commit) does not carry it on every file system (btrfs, for one, logs each file's fsync apart).
    /// </summary>
    /// <exception cref="IOException">The move or a sync failed (e.g. <paramref name="target"/> exists and
    /// <paramref name="overwrite"/> is false).</exception>
    public static void MoveIntoPlace(string source, string target, bool overwrite)
    {
        var folder = CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        File.Move(source, target, overwrite);
        SyncDirectory(folder);
    }

    /// <summary>
    /// Makes <paramref name="folder"/> and any missing parent (owner-only, <see cref="OwnerOnly.CreateDirectory"/>) and enters
    /// it durably in its parent: the first time this process uses a folder its parent is fsynced, whether this call made it or
    /// found it (another thread may have made it and not yet synced, or an earlier process been stopped in between), and so is
    /// the parent of each folder this call made. A folder found is tightened to owner-only; one entered before and removed since
    /// is made and entered again. Returns the folder's full path.
    /// </summary>
    /// <exception cref="IOException">A folder cannot be made or synced.</exception>
    public static string CreateDirectory(string folder)
    {
        folder = Path.GetFullPath(folder);
        // Still there: a folder removed while the process runs (an operator's clean-up, a disk swapped) is made and entered again.
        if (Entered.ContainsKey(folder) && Directory.Exists(folder)) return folder;
        var missing = new List<string>();
        for (var f = folder; !Directory.Exists(f); f = Path.GetDirectoryName(f)!) missing.Add(f);
        OwnerOnly.CreateDirectory(folder); // also tightens one that exists to owner-only
        if (missing.Count == 0) missing.Add(folder);
        for (var i = missing.Count - 1; i >= 0; i--) SyncDirectory(Path.GetDirectoryName(missing[i])!);
        Entered.TryAdd(folder, 0);
        return folder;
    }

    // Folders this process has entered durably in their parents (CreateDirectory): a few hundred at most (a document store's
    // 256 shards and the node's own folders).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> Entered = new(StringComparer.Ordinal);

    /// <summary>fsync of a folder, so that a rename or a new entry inside it is durable (nothing to do on Windows).</summary>
    /// <exception cref="IOException">The folder cannot be opened or synced (errno in the message).</exception>
    internal static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = NativeMethods.Open(directory, NativeMethods.ReadOnlyDirectory);
        if (fd < 0) throw new IOException($"Cannot open folder {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (NativeMethods.FSync(fd) != 0) throw new IOException($"Cannot sync folder {directory} (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }
}
