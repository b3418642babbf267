using System.Globalization;
using HealthLedger.Core.Primitives;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage;

/// <summary>
/// The pending disclosures of a SQLite ledger in a SQLite file of their own beside it (<c>ledger.disclosures.db</c>: the
/// ledger's name with <c>.disclosures.db</c>; WAL, <c>synchronous=FULL</c> under <see cref="LedgerStoreOptions.DurableCommits"/>),
/// with its own connection and lock: a read's group commit (its fsync) never holds the ledger's writer lock, so block commits
/// do not queue behind it, nor it behind them. Table <c>pending_disclosures(seq, id, event)</c>, as the ledger's own table
/// was; rows an older node left in <c>ledger.db</c> are moved here when the ledger is opened for writing
/// (<see cref="MoveFrom"/>). Storage failures surface as <see cref="SqliteException"/>. A file deleted or replaced while it is
/// open (or its write-ahead log deleted) is noticed at the next write, before and after its commit, and written anew at its
/// path with every row the old one held (<see cref="Reattached"/>): a disclosure is durable only in the file the folder names.
/// </summary>
public sealed class PendingDisclosureFile : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS pending_disclosures (
            seq   INTEGER PRIMARY KEY,
            id    BLOB NOT NULL UNIQUE,
            event BLOB NOT NULL
        );
        """;

    private readonly string _path;
    private SqliteConnection? _connection; // null while a displaced file could not be replaced (see Attached)
    private readonly Lock _lock = new();
    private readonly bool _readOnly, _durable;
    private bool _disposed;
    // Rows read from a displaced file (deleted or replaced while open) and not yet stored in a file at the path.
    private List<(Hash256 Id, byte[] Event)> _carried = [];

    private PendingDisclosureFile(string path, SqliteConnection connection, bool readOnly, bool durable)
    {
        _path = path;
        _connection = connection;
        _readOnly = readOnly;
        _durable = durable;
    }

    /// <summary>How many times the file was found deleted or replaced while open, and written anew at its path.</summary>
    public int Reattached { get; private set; }

    /// <summary>The file name beside a data folder's ledger file (<c>ledger.db</c>).</summary>
    public const string FileName = "ledger.disclosures.db";

    /// <summary>How messages name the file at <paramref name="path"/>: its path and what it holds.</summary>
    public static string Described(string path) => $"{path} (the pending disclosures: reads served but not yet on the chain)";

    /// <summary>The pending disclosures' file beside the ledger file <paramref name="ledgerPath"/>.</summary>
    public static string PathBeside(string ledgerPath) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(ledgerPath))!, System.IO.Path.GetFileNameWithoutExtension(ledgerPath) + ".disclosures.db");

    /// <summary>Opens (creating when missing) the file for writing.</summary>
    public static PendingDisclosureFile Open(string path, bool durable) => new(path, Connect(path, durable), readOnly: false, durable);

    private static SqliteConnection Connect(string path, bool durable)
    {
        OwnerOnly.PrepareDatabaseFile(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            connection.Open();
            SqliteFileProblem.RequireWritable(connection);
            SqliteFileProblem.RequireOwnTable(connection, Described(path), "pending_disclosures", "a pending disclosures file");
            OwnerOnly.TightenDatabaseFiles(path);
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, durable ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
            Execute(connection, "PRAGMA busy_timeout=5000;");
            Execute(connection, Schema);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens the file for reading only, or null when there is none; a file that is not a SQLite database fails here (<see cref="SqliteException"/>).
    /// <paramref name="immutable"/>: as immutable, on a file system mounted read-only (<see cref="SqliteLedgerStore.OpenReadOnly"/>).</summary>
    public static PendingDisclosureFile? OpenReadOnly(string path, bool immutable = false)
    {
        if (!File.Exists(path)) return null;
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = immutable ? SqliteLedgerStore.ImmutableUri(path) : path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "SELECT COUNT(*) FROM sqlite_master;"); // a file that is not a database fails here, not later
            return new PendingDisclosureFile(path, connection, readOnly: true, durable: false);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Moves the rows pending in the ledger's own <c>pending_disclosures</c> table (a ledger written before this file existed)
    /// here: first stored here durably (in their order, after those already here; an id already here is kept), then deleted
    /// from the ledger. A crash between the two leaves them in both, and the next open moves them again (no duplicates here:
    /// the ids are unique); none is lost. Returns how many were moved.
    /// </summary>
    public int MoveFrom(SqliteConnection ledger)
    {
        var rows = new List<(Hash256, byte[])>();
        using (var select = ledger.CreateCommand())
        {
            select.CommandText = "SELECT id, event FROM pending_disclosures ORDER BY seq";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var id = Blob(reader, 0);
                if (id.Length != 32) throw new StoreCorruptException($"The ledger beside {_path} holds a pending disclosure whose id is {id.Length} bytes, not 32.");
                rows.Add((new Hash256(id), Blob(reader, 1)));
            }
        }
        if (rows.Count == 0) return 0;
        Save(rows);
        Execute(ledger, "DELETE FROM pending_disclosures;");
        return rows.Count;
    }

    /// <summary>Stores the disclosures in one transaction (fsynced when durable); an id already pending is kept as it was.</summary>
    public void Save(IReadOnlyList<(Hash256 Id, byte[] Event)> disclosures)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        if (disclosures.Count == 0) return;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Insert(Attached(), disclosures);
            // Deleted or replaced between the check and the commit: what was just written went with the old file, and is
            // moved to the file at the path (with every other row it held) before the caller serves the read.
            if (Displaced(_connection!)) Attached();
        }
    }

    private static void Insert(SqliteConnection connection, IReadOnlyList<(Hash256 Id, byte[] Event)> disclosures)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT OR IGNORE INTO pending_disclosures(id, event) VALUES ($id, $e)";
        var id = command.Parameters.Add("$id", SqliteType.Blob);
        var data = command.Parameters.Add("$e", SqliteType.Blob);
        foreach (var (key, bytes) in disclosures)
        {
            id.Value = key.ToArray();
            data.Value = bytes;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>At most <paramref name="max"/> pending disclosures, oldest first, after the first <paramref name="skip"/>.</summary>
    public IReadOnlyList<(Hash256 Id, byte[] Event)> Read(int max, int skip)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Rows(_readOnly ? _connection! : Attached(), max, skip);
        }
    }

    // The rows of a connection's file, oldest first (max -1: all of them); an id that is not 32 bytes is a damaged file.
    private List<(Hash256 Id, byte[] Event)> Rows(SqliteConnection connection, int max, int skip)
    {
        var list = new List<(Hash256, byte[])>();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, event FROM pending_disclosures ORDER BY seq LIMIT $max OFFSET $skip";
        command.Parameters.AddWithValue("$max", max);
        command.Parameters.AddWithValue("$skip", skip);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var id = Blob(reader, 0);
            if (id.Length != 32) throw new StoreCorruptException($"{_path} holds a pending disclosure whose id is {id.Length} bytes, not 32.");
            list.Add((new Hash256(id), Blob(reader, 1)));
        }
        return list;
    }

    /// <summary>How many disclosures are pending.</summary>
    public long Count()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = (_readOnly ? _connection! : Attached()).CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM pending_disclosures";
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Forgets the pending disclosures with these ids, in one transaction; unknown ids are ignored.</summary>
    public void Delete(IReadOnlyCollection<Hash256> ids)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        if (ids.Count == 0) return;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var connection = Attached();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM pending_disclosures WHERE id = $id";
            var id = command.Parameters.Add("$id", SqliteType.Blob);
            foreach (var key in ids)
            {
                id.Value = key.ToArray();
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    /// <summary>Moves everything committed from the file's write-ahead log into the file (a clean stop); false when it could not.</summary>
    public bool Checkpoint()
    {
        if (_readOnly) return false;
        lock (_lock)
        {
            if (_disposed || _connection is null) return false;
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _connection?.Dispose();
        }
    }

    /// <summary>
    /// The connection to the file at the path. When the file it had open is no longer there (deleted, or replaced by another
    /// file, while the node runs) or its write-ahead log was deleted, what it writes would live only as long as the process:
    /// a served read's disclosure lost at the next crash. Then the rows it still holds are read, it is closed, the file at
    /// the path is opened (created when missing) and the rows are stored
    /// there, fsynced, before anything else is written. When that fails (a file there that is not a database, a folder that
    /// cannot be written) the rows are carried in memory and the caller gets the error: the read is refused.
    /// </summary>
    private SqliteConnection Attached()
    {
        if (_connection is { } current && !Displaced(current)) return current;
        if (_connection is { } displaced)
        {
            var moved = Moved(displaced);
            _carried.AddRange(Rows(displaced, max: -1, skip: 0));
            displaced.Dispose();
            _connection = null;
            // SQLite does not checkpoint nor remove the log of a file that moved: a log left at the path is the old file's,
            // and would be replayed onto whatever file is there now (damaging it). Its rows are carried; it is set aside.
            if (moved)
            {
                if (File.Exists(_path + "-wal")) File.Move(_path + "-wal", _path + "-wal.displaced", overwrite: true);
                File.Delete(_path + "-shm");
            }
        }
        var connection = Connect(_path, _durable);
        try
        {
            Insert(connection, _carried);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        _carried = [];
        _connection = connection;
        Reattached++;
        return connection;
    }

    // Deleted, replaced (another file at the path: SQLite's own check of the path's inode), or its log deleted (a writing
    // connection in WAL mode always has one while open).
    private bool Displaced(SqliteConnection connection) => !File.Exists(_path + "-wal") || Moved(connection);

    private bool Moved(SqliteConnection connection)
    {
        if (!File.Exists(_path)) return true;
        var moved = 0;
        return FileControl(connection, NativeMethods.SqliteHasMoved, ref moved) && moved != 0;
    }

    private static bool FileControl(SqliteConnection connection, int op, ref int value)
    {
        var handle = connection.Handle!;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return NativeMethods.SqliteFileControl(handle.DangerousGetHandle(), "main", op, ref value) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // no such call in this SQLite: the checks of the paths above remain
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    private static byte[] Blob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
