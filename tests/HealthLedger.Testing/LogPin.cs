using Microsoft.Data.Sqlite;

namespace HealthLedger.Testing;

/// <summary>
/// A reader holding one snapshot of a WAL-mode SQLite file open (a read-only connection inside a read transaction), so that
/// no checkpoint (SQLite's own or the ledger store's checkpoint thread) copies what is committed after it into the database
/// file: those frames stay in the write-ahead log alone until the pin is released (SQLite, "Write-Ahead Logging" §2.2, a
/// checkpoint stops at the oldest reader's end mark). The WAL tests use it to know which blocks a lost or damaged log loses,
/// instead of racing the checkpoint thread. What was committed before the pin may still be copied by a checkpoint under way
/// when it is taken: a test that copies the database file checkpoints first. Releasing the pin does not checkpoint (the
/// connection is read-only and not pooled).
/// </summary>
public sealed class LogPin : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    /// <summary>Takes the snapshot of the database at <paramref name="path"/> (which must exist, in WAL mode) now.</summary>
    public LogPin(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        _connection.Open();
        _transaction = _connection.BeginTransaction(deferred: true);
        using var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_schema;"; // a deferred transaction takes its snapshot at its first read
        command.ExecuteScalar();
    }

    /// <summary>Ends the read transaction and closes the connection.</summary>
    public void Dispose()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}
