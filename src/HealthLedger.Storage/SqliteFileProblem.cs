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

    /// <summary>SQLITE_CANTOPEN.</summary>
    public const int CantOpen = 14;

    /// <summary>SQLITE_NOTADB.</summary>
    public const int NotADatabase = 26;

    /// <summary>
    /// The message for <paramref name="e"/> when it is about access or I/O rather than the file's content, else null (the
    /// caller says its own). <paramref name="what"/> names the file (its path first); <paramref name="path"/> is its path.
    /// </summary>
    public static string? Access(string what, string path, SqliteException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var name = Path.GetFileName(path);
        var user = Environment.UserName;
        var said = e.Message.TrimEnd('.');
        return e.SqliteErrorCode switch
        {
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
}
