using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage;

/// <summary>
/// What a node says of one of its SQLite files (<c>ledger.db</c>, <c>ledger.disclosures.db</c>, <c>keystore.db</c>) that it
/// could not open, by SQLite's primary result code (https://sqlite.org/rescode.html). A file the node may not read or write
/// (8, 14), or an I/O error (10: often a <c>-wal</c> or <c>-shm</c> companion that is not a regular file), says so and that its
/// content is not in question: telling the operator to restore or move aside a sound file for a permission problem would be
/// harmful advice. Damage (11, 26) and the rest keep each file's own text.
/// </summary>
public static class SqliteFileProblem
{
    /// <summary>SQLITE_ERROR (a missing table, among others).</summary>
    public const int Error = 1;

    /// <summary>SQLITE_READONLY: a write to a file opened read-only.</summary>
    public const int ReadOnly = 8;

    /// <summary>SQLITE_BUSY.</summary>
    public const int Busy = 5;

    /// <summary>SQLITE_LOCKED.</summary>
    public const int Locked = 6;

    /// <summary>SQLITE_IOERR.</summary>
    public const int IoError = 10;

    /// <summary>SQLITE_CORRUPT.</summary>
    public const int Corrupt = 11;

    /// <summary>SQLITE_FULL: the disk (or the database's size limit) is full.</summary>
    public const int Full = 13;

    /// <summary>Free bytes under which the disk holding a file counts as full for <see cref="Access"/>: SQLite grows a file by a
    /// page (4 KiB) and its <c>-shm</c> index by 32 KiB at a time.</summary>
    public const long FullBelowBytes = 1024 * 1024;

    /// <summary>SQLITE_CANTOPEN.</summary>
    public const int CantOpen = 14;

    /// <summary>SQLITE_NOTADB.</summary>
    public const int NotADatabase = 26;

    /// <summary>
    /// The message for <paramref name="e"/> when it is about access or I/O rather than the file's content, else null (the
    /// caller says its own). <paramref name="what"/> names the file (its path first); <paramref name="path"/> is its path. An
    /// I/O error, a file that cannot be opened or SQLITE_FULL while the disk holding the file has under
    /// <see cref="FullBelowBytes"/> free is said to be a full disk: SQLite reports a full disk while it opens a file in WAL
    /// mode as a plain I/O error (10), and "a failing disk" sent operators to check a sound one. With bytes to spare, a file that
    /// cannot be made there for ENOSPC is a disk out of inodes, and EDQUOT a used-up quota: said so, not as a question of access.
    /// </summary>
    public static string? Access(string what, string path, SqliteException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var name = Path.GetFileName(path);
        var user = Environment.UserName;
        var said = e.Message.TrimEnd('.');
        if (e.SqliteErrorCode is IoError or CantOpen or Full or ReadOnly)
        {
            // The disk the file is really on (a link's target); read-only before full: space cannot be freed on a read-only mount.
            var folder = Path.GetDirectoryName(Resolved(path)) ?? path;
            if (NoRoom(folder) is { } room && (e.SqliteErrorCode is not ReadOnly || OnReadOnlyFileSystem(folder)))
            {
                return $"{what} could not be written ({said}): {room}. Its content is not in question: do not restore it for this.";
            }
        }
        return e.SqliteErrorCode switch
        {
            Full => $"{what} could not be written ({said}): the disk holding it, or the database's size limit, is full; free space on it " +
                "and try again. Its content is not in question: do not restore it for this.",
            ReadOnly => $"{what} cannot be written ({said}): it, the {name}-wal or {name}-shm file beside it, or its folder is " +
                $"read-only for this user ({user}); check their owner and mode. Its content is not in question: do not restore it for this.",
            CantOpen => $"{what} cannot be opened ({said}): check that it, the {name}-wal and {name}-shm files beside it (absent, " +
                $"or regular files) and its folder can be read and written by this user ({user}). Its content is not in question: do not restore it for this.",
            IoError => $"{what} could not be read or written ({said}): a {name}-wal or {name}-shm file beside it that is not a " +
                "regular file (a FIFO, a device), or a failing disk, does this; check them before restoring anything.",
            Busy or Locked => $"{what} is locked by another process ({said}): a program holding a write transaction on it (sqlite3, a " +
                $"backup tool) or another node on the same folder; close it and start again (fuser {path} names it). Its content is not in question: do not restore it for this.",
            _ => null,
        };
    }

    /// <summary>
    /// Throws <see cref="SqliteException"/> (<see cref="ReadOnly"/>) when SQLite opened <paramref name="connection"/> read-only
    /// though it was asked to write: it does so without a word when the file or its folder may not be written, and the first
    /// write would then fail far from the start.
    /// </summary>
    public static void RequireWritable(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1) throw new SqliteException("SQLite Error 8: 'attempt to write a readonly database'.", ReadOnly);
    }

    /// <summary>
    /// Throws <see cref="StoreCorruptException"/> when the database already holds tables but not <paramref name="table"/>: another
    /// SQLite file (another node file, or anything else) copied in this one's place. Checked before anything is written to it
    /// (the journal mode, the schema), so such a file is left exactly as it was.
    /// </summary>
    public static void RequireOwnTable(SqliteConnection connection, string what, string table, string kind)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
        var tables = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        if (tables.Count == 0 || tables.Contains(table, StringComparer.Ordinal)) return;
        throw new StoreCorruptException($"{what} is not {kind}: it holds other tables ({string.Join(", ", tables.Take(4))}{(tables.Count > 4 ? ", …" : "")}) " +
            $"and no '{table}' table; another file was put in its place. Nothing was written to it. Restore it from a backup of the data folder.");
    }

    /// <summary>
    /// What to do when a running node's write met a full disk: <paramref name="error"/> (or one inside it) is SQLITE_FULL, ENOSPC
    /// (28) or EDQUOT (122), or the disk holding <paramref name="path"/> (its folder; a link's target) has under
    /// <see cref="FullBelowBytes"/> free. Null otherwise. The ledger's own writes are transactions: a full disk leaves the last
    /// committed block as it was, and the start after checks the folder.
    /// </summary>
    public static string? DiskFull(string path, Exception? error)
    {
        ArgumentNullException.ThrowIfNull(path);
        var saysFull = false;
        for (var e = error; e is not null; e = e.InnerException) saysFull |= e is SqliteException { SqliteErrorCode: Full } or IOException { HResult: 28 or 122 };
        var folder = Directory.Exists(path) ? Path.GetFullPath(path) : Path.GetDirectoryName(Resolved(path)) ?? path;
        var free = FreeBytes(folder);
        if (!(free < FullBelowBytes))
        {
            // Bytes to spare: out of inodes or over the user's quota (a file cannot be made), else not a full disk at all.
            if (!saysFull || OutOfSpace(WriteProbe(folder)) is not { } outOf) return null;
            return $"{outOf(folder)}: free some and start the node again; the start checks the ledger, and nothing needs restoring for this.";
        }
        return $"the disk holding {folder} is full{(free is { } bytes ? $" ({bytes:N0} bytes free)" : "")}: free space on it (df -h names its use) " +
            "and start the node again; the start checks the ledger, and nothing needs restoring for this.";
    }

    /// <summary>
    /// Why nothing can be written in <paramref name="folder"/> and what to do, when its disk tells: mounted read-only, full
    /// (under <see cref="FullBelowBytes"/> free), out of inodes, or over this user's quota; each ends "… and try again". Null when
    /// none of these holds (a file can be made there, or the failure is another). Asked once a write has failed.
    /// </summary>
    public static string? NoRoom(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        // A folder still to be made (init's) is asked of the nearest one that exists: the disk it would be made on.
        var existing = Path.GetFullPath(folder);
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent) existing = parent;
        var probe = WriteProbe(existing);
        if (probe == ReadOnlyFileSystemErrno)
        {
            return $"the file system holding {folder} is mounted read-only: remount it read-write (or move the data folder to a writable disk) and try again";
        }
        if (FreeBytes(existing) is { } free && free < FullBelowBytes)
        {
            return $"the disk holding {folder} is full ({free:N0} bytes free): free space on it (df -h names its use) and try again";
        }
        return OutOfSpace(probe) is { } outOf ? $"{outOf(folder)}: free some and try again" : null;
    }

    // What a write probe's ENOSPC (bytes to spare, so no inode left) or EDQUOT says of the folder's disk, else null.
    private static Func<string, string>? OutOfSpace(int probe) => probe switch
    {
        NoSpaceErrno => folder => $"the disk holding {folder} has no file entries (inodes) left, though it has bytes free (df -i names its use)",
        QuotaErrno => folder => $"this user's ({Environment.UserName}) disk quota on the disk holding {folder} is used up (quota -s names it)",
        _ => null,
    };

    // The file's full path with every link resolved (the path itself when it is not a link or cannot be resolved).
    private static string Resolved(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Path.GetFullPath(path);
        }
    }

    // Linux error numbers a write probe tells apart (errno(3)).
    private const int NoSpaceErrno = 28; // ENOSPC: no block, or no inode, left
    private const int ReadOnlyFileSystemErrno = 30; // EROFS
    private const int QuotaErrno = 122; // EDQUOT

    /// <summary>Whether <paramref name="folder"/> is on a file system mounted read-only: a file made there (and removed at once)
    /// is refused with EROFS (30). Only asked once an open has failed.</summary>
    public static bool OnReadOnlyFileSystem(string folder) => WriteProbe(folder) == ReadOnlyFileSystemErrno;

    // The Linux error number (errno) of making an empty file in the folder (removed at once): 0 when it could be made, -1 when
    // the failure carries none (access refused, a bad path). ENOSPC with bytes to spare is a disk out of inodes.
    private static int WriteProbe(string folder)
    {
        try
        {
            using var probe = new FileStream(Path.Combine(folder, $".healthledger-write-probe-{Environment.ProcessId}"), FileMode.CreateNew,
                FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return 0;
        }
        catch (IOException e)
        {
            return e.HResult is > 0 and < 4096 ? e.HResult : -1;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }

    /// <summary>The bytes this user may still write on the file system holding <paramref name="path"/> (its folder when it is not
    /// there), or null when that cannot be told.</summary>
    public static long? FreeBytes(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var probe = File.Exists(full) || Directory.Exists(full) ? full : Path.GetDirectoryName(full);
            return probe is null ? null : new DriveInfo(probe).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
