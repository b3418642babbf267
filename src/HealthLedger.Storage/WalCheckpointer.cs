using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage;

/// <summary>
/// Copies a WAL-mode SQLite file's committed log back into the database on a thread of its own, so that the thread that
/// commits blocks never does it. SQLite's automatic checkpoint runs inside the commit that crosses its threshold (1,000 pages):
/// under load that was every few blocks, on the consensus loop, which bounds the node's throughput (docs/benchmarks.md,
/// "Where a write's 45 ms go"). The writer's connection turns it off (<c>PRAGMA wal_autocheckpoint=0</c>) and this one runs
/// <c>PRAGMA wal_checkpoint(PASSIVE)</c> when nudged after a commit, at most every <see cref="Spacing"/>. A passive checkpoint takes no lock a writer or reader waits for and copies what no reader still
/// needs; with <c>synchronous=FULL</c> the database file is fsynced before the log may be reused, so nothing committed is ever
/// only in memory (SQLite, "Write-Ahead Logging" §3–6). Durability is unchanged: each commit is still fsynced in the log.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The shortest time between two checkpoints.</summary>
    public static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);

    private readonly SqliteConnection _connection;
    private readonly AutoResetEvent _nudged = new(false);
    private readonly ManualResetEvent _stopping = new(false);
    private readonly Lock _running = new();
    private readonly Thread _thread;
    private bool _disposed;

    /// <summary>Opens a connection of its own to the file (<paramref name="connectionString"/>) and starts the thread.</summary>
    public WalCheckpointer(string connectionString, bool durable)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = durable ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpoint" };
        _thread.Start();
    }

    /// <summary>Asks for a checkpoint (after a commit); returns at once.</summary>
    public void Nudge() => _nudged.Set();

    /// <summary>
    /// One passive checkpoint now, on the caller's thread: the log's frames and how many of them are in the database after it
    /// (equal when no reader held an older snapshot); (-1, -1) when SQLite was busy (another checkpoint ran).
    /// </summary>
    public (long Log, long Checkpointed) RunOnce()
    {
        lock (_running)
        {
            if (_disposed) return (-1, -1);
            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                using var reader = command.ExecuteReader();
                return reader.Read() && reader.GetInt64(0) == 0 ? (reader.GetInt64(1), reader.GetInt64(2)) : (-1, -1);
            }
            catch (SqliteException)
            {
                // SQLITE_BUSY or LOCKED (a TRUNCATE checkpoint at shutdown): the next nudge tries again.
                return (-1, -1);
            }
        }
    }

    private void Run()
    {
        var handles = new WaitHandle[] { _stopping, _nudged };
        while (WaitHandle.WaitAny(handles) != 0)
        {
            RunOnce();
            if (_stopping.WaitOne(Spacing)) return;
        }
    }

    /// <summary>Stops the thread (a checkpoint under way finishes first) and closes the connection.</summary>
    public void Dispose()
    {
        _stopping.Set();
        _thread.Join();
        lock (_running)
        {
            if (_disposed) return;
            _disposed = true;
            _connection.Dispose();
        }
        _nudged.Dispose();
        _stopping.Dispose();
    }
}
