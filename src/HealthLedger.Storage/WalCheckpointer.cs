using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage;

/// <summary>
/// Copies a WAL-mode SQLite file's committed log back into the database on a thread of its own, so that the thread that
/// commits blocks never does it. SQLite's automatic checkpoint runs inside the commit that crosses its threshold (1,000 pages):
/// under load that was every few blocks, on the consensus loop, which bounds the node's throughput (docs/benchmarks.md,
/// "Where a write's 45 ms go"). The writer's connection turns it off (<c>PRAGMA wal_autocheckpoint=0</c>) and this one runs
/// <c>PRAGMA wal_checkpoint(PASSIVE)</c> when nudged after a commit, at most every <see cref="Spacing"/>, and again every
/// <see cref="Retry"/> without a nudge while the last one left part of the log uncopied. A passive checkpoint takes no lock a writer or reader waits for and copies what no reader still
/// needs; with <c>synchronous=FULL</c> the database file is fsynced before the log may be reused, so nothing committed is ever
/// only in memory (SQLite, "Write-Ahead Logging" §3–6). Durability is unchanged: each commit is still fsynced in the log.
/// </summary>
/// <remarks>
/// A passive checkpoint copies the log but never makes SQLite start it again from its beginning: only a writer that finds
/// every frame copied and no reader still using the log does, which under steady load (a read always under way) hardly ever
/// happens. The log then grew without bound (0.6–1.2 GB in one 30-second fixed-load round of the benchmark, every write into
/// blocks the file system had to allocate and zero, every fsync committing the file's new size too), so once the log holds
/// <see cref="RestartFrames"/> a <c>PRAGMA wal_checkpoint(RESTART)</c> follows the passive one: it waits at most
/// <see cref="RestartWait"/> for the readers still in the log (the block writer waits meanwhile) and otherwise gives up for
/// <see cref="RestartBackoff"/>; once it succeeds the next commit writes the log from its start again, over blocks it already
/// has (SQLite, "Write-Ahead Logging" §4, "Avoiding Excessively Large WAL Files"; docs/benchmarks.md, "The write-ahead log
/// that never restarted"). A log that grew past <see cref="SizeLimit"/> (a reader held an old snapshot for long) is cut back to
/// it when a commit starts it again (<c>PRAGMA journal_size_limit</c>, set by the store's writer); when no commit comes (the
/// node idle once the long read ended) this thread empties it instead (<c>PRAGMA wal_checkpoint(TRUNCATE)</c>), so that an
/// idle node does not keep a grown log on disk. Under load the log is never emptied: it is written over in place.
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The shortest time between two checkpoints.</summary>
    public static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How soon a checkpoint that left part of the log uncopied (a reader held an older snapshot, or SQLite was busy) is tried
    /// again when no commit nudges it first: an idle store's log is still copied back once its readers are done, and a log
    /// damaged meanwhile is found (<see cref="Failure"/>) without waiting for the next write.
    /// </summary>
    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// From this many frames in the log (64 MiB of 4 KiB pages) a checkpoint is followed by a restarting one (see remarks).
    /// </summary>
    public const long RestartFrames = 16_384;

    /// <summary>The longest a restarting checkpoint waits for readers still in the log (and keeps the writer waiting): 20 ms.</summary>
    public static readonly TimeSpan RestartWait = TimeSpan.FromMilliseconds(20);

    /// <summary>After a restarting checkpoint that found readers still in the log, the next one is tried no sooner than this: 1 s.</summary>
    public static readonly TimeSpan RestartBackoff = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The size the log is cut back to when it starts again and beyond which an idle store empties it: 128 MiB (see remarks).
    /// </summary>
    public const long SizeLimit = 128L * 1024 * 1024;

    private readonly long _restartFrames;
    private readonly long _sizeLimit;
    private readonly string _logPath;
    private readonly TimeSpan _restartBackoff;
    private long _restartNotBefore; // Environment.TickCount64

    private readonly SqliteConnection _connection;
    private readonly AutoResetEvent _nudged = new(false);
    private readonly ManualResetEvent _stopping = new(false);
    private readonly Lock _running = new();
    private readonly Thread _thread;
    private bool _disposed;
    private volatile SqliteException? _failedWith;

    /// <summary>
    /// Opens a connection of its own to the file (<paramref name="connectionString"/>) and starts the thread; a log of
    /// <see cref="LedgerStoreOptions.WalRestartFrames"/> frames or more is restarted, and tried again
    /// <see cref="LedgerStoreOptions.WalRestartBackoff"/> after a restart that found readers, and a log larger than
    /// <see cref="LedgerStoreOptions.WalSizeLimit"/> bytes is emptied when the store is idle (<see cref="RestartFrames"/>,
    /// <see cref="RestartBackoff"/>, <see cref="SizeLimit"/> but in tests); fsynced as <see cref="LedgerStoreOptions.DurableCommits"/> says.
    /// </summary>
    public WalCheckpointer(string connectionString, LedgerStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _restartFrames = options.WalRestartFrames;
        _restartBackoff = options.WalRestartBackoff;
        _sizeLimit = options.WalSizeLimit;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _logPath = _connection.DataSource + "-wal";
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = options.DurableCommits ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
            // Only a restarting checkpoint waits (a passive one never does): for readers, at most this long.
            command.CommandText = $"PRAGMA busy_timeout={(int)RestartWait.TotalMilliseconds};";
            command.ExecuteNonQuery();
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "SQLite checkpoint" };
        _thread.Start();
    }

    /// <summary>
    /// The checkpoint's failure other than SQLite being busy (e.g. <c>SQLITE_IOERR_SHORT_READ</c> when the log was cut short
    /// under the running store), or null. Set by the checkpoint that found it, on this thread or a caller's of
    /// <see cref="RunOnce"/>, with no write needed; once set it stays set and no further checkpoint is tried: the store refuses
    /// writes. A new exception each time (each may be thrown on its own thread).
    /// </summary>
    public CheckpointFailedException? Failure => _failedWith is { } cause ? new CheckpointFailedException(_connection.DataSource, cause) : null;

    /// <summary>Asks for a checkpoint (after a commit); returns at once.</summary>
    public void Nudge() => _nudged.Set();

    /// <summary>
    /// One passive checkpoint now, on the caller's thread, and a restarting one after it when the log holds at least
    /// <see cref="RestartFrames"/>: the log's frames and how many of them are in the database after it (equal when no reader
    /// held an older snapshot); (-1, -1) when SQLite was busy (another checkpoint ran).
    /// </summary>
    /// <exception cref="CheckpointFailedException">This checkpoint or an earlier one failed (<see cref="Failure"/>).</exception>
    public (long Log, long Checkpointed) RunOnce()
    {
        lock (_running)
        {
            if (Failure is { } failed) throw failed;
            if (_disposed) return (-1, -1);
            try
            {
                var (busy, log, copied) = Checkpoint("PASSIVE");
                if (busy || log < _restartFrames || Environment.TickCount64 < _restartNotBefore) return busy ? (-1, -1) : (log, copied);
                // Busy here means a reader was still in the log after RestartWait (one holding an old snapshot may hold it for
                // long: the integrity sweep, a backup): what was copied stays copied, and the restart is tried again after
                // RestartBackoff, so that such a reader keeps the writer waiting at most RestartWait a second.
                var restart = Checkpoint("RESTART");
                if (!restart.Busy) return (restart.Log, restart.Copied);
                _restartNotBefore = Environment.TickCount64 + (long)_restartBackoff.TotalMilliseconds;
                return (log, copied);
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SqliteFileProblem.Busy or SqliteFileProblem.Locked)
            {
                // A TRUNCATE checkpoint at shutdown, or another process's: the next nudge tries again.
                return (-1, -1);
            }
            catch (SqliteException e)
            {
                // Anything else (an I/O error, a log cut short, a full disk) does not mend by trying again: it is kept, and the
                // store refuses further writes with it (a node stops, as when a commit fails).
                _failedWith = e;
                throw Failure!;
            }
        }
    }

    // PRAGMA wal_checkpoint(mode)'s row: whether it could not finish (busy), the log's frames, the frames copied.
    private (bool Busy, long Log, long Copied) Checkpoint(string mode)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2)) : (true, -1, -1);
    }

    /// <summary>
    /// When the log file is larger than the size limit, copies what it can into the database and empties it
    /// (<c>PRAGMA wal_checkpoint(TRUNCATE)</c>, waiting at most <see cref="RestartWait"/> for readers, and keeping the writer
    /// waiting meanwhile): true when the log is now within the limit, false when it is not (readers still in it, or SQLite busy).
    /// </summary>
    /// <exception cref="CheckpointFailedException">This checkpoint or an earlier one failed (<see cref="Failure"/>).</exception>
    public bool TruncateOversizedLog()
    {
        lock (_running)
        {
            if (Failure is { } failed) throw failed;
            if (_disposed || !Oversized()) return true;
            try
            {
                var (busy, _, _) = Checkpoint("TRUNCATE");
                return !busy && !Oversized();
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SqliteFileProblem.Busy or SqliteFileProblem.Locked)
            {
                return false;
            }
            catch (SqliteException e)
            {
                _failedWith = e;
                throw Failure!;
            }
        }
    }

    private bool Oversized()
    {
        try
        {
            return new FileInfo(_logPath).Length > _sizeLimit; // 0 when there is no log file
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Run()
    {
        var handles = new WaitHandle[] { _stopping, _nudged };
        var behind = false; // the last checkpoint left frames in the log alone, or left it oversized: try again after Retry even without a nudge
        int woke;
        while ((woke = WaitHandle.WaitAny(handles, behind ? Retry : Timeout.InfiniteTimeSpan)) != 0)
        {
            try
            {
                if (woke == WaitHandle.WaitTimeout && Oversized())
                {
                    // No commit for Retry (woken by the timer, not a nudge) and a log grown past the limit: an idle store empties
                    // it with one TRUNCATE checkpoint, which copies what it can first as a passive one does, instead of a passive
                    // and a restarting one before it (the writer waited up to twice RestartWait then: break-it, 2026-12-06).
                    behind = !TruncateOversizedLog();
                }
                else
                {
                    var (log, copied) = RunOnce();
                    // A grown log after a commit: checked again at the next quiet Retry (a commit that starts the log again
                    // cuts it back by itself).
                    behind = log < 0 || copied < log || Oversized();
                }
            }
            catch (CheckpointFailedException)
            {
                return; // kept in Failure: the store's WriteFailure reports it at once, and its next write throws it
            }
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

/// <summary>
/// SQLite could not copy a ledger's write-ahead log into the ledger file (a checkpoint failed for a reason other than being
/// busy): the store refuses further writes, because what it appends to a log it cannot read back may not survive a restart.
/// </summary>
public sealed class CheckpointFailedException : IOException
{
    /// <summary>The failure of the checkpoint of the ledger at <paramref name="path"/>, SQLite's own error as the inner exception.</summary>
    public CheckpointFailedException(string path, SqliteException inner)
        : base($"The write-ahead log of {System.IO.Path.GetFileName(path)} could not be copied into it (SQLite's checkpoint failed: {inner.Message}). "
            + "Nothing more is written to this ledger: " + (SqliteFileProblem.DiskFull(path, inner) is { } full ? full
                : "stop the node and run 'healthledger verify' on its data folder (docs/operations.md, \"The tip record\")."), inner)
    {
        Path = path;
    }

    /// <summary>The ledger file's path.</summary>
    public string Path { get; }
}
