using System.Globalization;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Verification;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage;

/// <summary>
/// The ledger in one SQLite file (WAL mode): blocks, transactions, receipts and the world state. A block and all of
/// its effects are written in one SQLite transaction, so after a crash or kill at any moment the file holds either
/// the whole block or none of it. One writer; any number of readers on their own connections. The pending disclosures are in
/// a file of their own beside it (<see cref="PendingDisclosureFile"/>), with their own writer and lock. Storage failures surface
/// as <see cref="SqliteException"/>.
/// </summary>
public sealed class SqliteLedgerStore : ILedgerStore
{
    private readonly string _path;
    private readonly SqliteConnection _writer;
    private readonly Lock _writeLock = new();
    private readonly Lock _tipLock = new();
    private readonly bool _readOnly;
    private readonly bool _durable;
    private bool _disposed;
    private ulong? _recordedHeight;
    private PendingDisclosureFile? _disclosures; // null only when opened read-only beside no such file (the ledger's own table is read)

    private SqliteLedgerStore(string path, SqliteConnection writer, bool readOnly, LedgerStoreOptions options)
    {
        _path = path;
        _writer = writer;
        _readOnly = readOnly;
        _durable = options.DurableCommits;
        try
        {
            _recordedHeight = readOnly ? null : LedgerTip.Read(path)?.Height;
        }
        catch (InvalidDataException)
        {
            _recordedHeight = null; // a damaged record is replaced by the next commit (the start-up check refuses it first)
        }
        TipHeight = QueryTipHeight(writer);
        if (!readOnly) _checkpointer = new WalCheckpointer(writer.ConnectionString, options);
    }

    private readonly WalCheckpointer? _checkpointer; // null when read-only

    // Writes to the ledger file: refused when the store is read-only, or once its checkpoint failed (what is appended to a log
    // SQLite can no longer copy back may not survive a restart).
    private void ThrowIfNotWritable()
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        if (_checkpointer?.Failure is { } failed) throw failed;
    }

    /// <summary>
    /// One passive checkpoint now, as the store's own checkpoint thread runs after commits: the write-ahead log's frames and how
    /// many of them are in <c>ledger.db</c> after it (equal when no reader held an older snapshot); (-1, -1) when SQLite was
    /// busy or the store is read-only.
    /// </summary>
    /// <exception cref="CheckpointFailedException">The checkpoint failed for another reason, now or before; the store then refuses writes.</exception>
    public (long Log, long Checkpointed) CheckpointPassive() => _checkpointer?.RunOnce() ?? (-1, -1);

    /// <inheritdoc/>
    /// <remarks>The checkpoint thread's failure (<see cref="CheckpointFailedException"/>), set as soon as a checkpoint finds it.</remarks>
    public Exception? WriteFailure => _checkpointer?.Failure;

    /// <summary>The ledger file's path.</summary>
    public string Path => _path;

    /// <summary>The file name of the ledger inside a data folder.</summary>
    public const string FileName = "ledger.db";

    /// <inheritdoc/>
    public ulong? TipHeight { get; private set; }

    /// <summary>Opens (and when <paramref name="create"/> is set, creates) the ledger file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="create"/> is false.</exception>
    /// <exception cref="StoreCorruptException">The file is not a HealthLedger ledger of a known version.</exception>
    public static SqliteLedgerStore Open(string path, bool create, LedgerStoreOptions? options = null)
    {
        options ??= LedgerStoreOptions.Default;
        RefuseNotRegular(path);
        if (!create && !File.Exists(path)) throw new FileNotFoundException($"No ledger at {path}.", path);
        OwnerOnly.PrepareDatabaseFile(path);
        // A write waits at most 5 s for a lock another process holds (SQLite's busy_timeout below, and Microsoft.Data.Sqlite's own
        // retry of a busy database, 30 s by default, cut to the same): then it fails as an outage, which the node reports on
        // /healthz and tries again (ConsensusHost.StoreWrite).
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = 5 }.ToString();
        return OpenWith(path, connectionString, readOnly: false, options, connection =>
        {
            SqliteFileProblem.RequireWritable(connection);
            SqliteFileProblem.RequireOwnTable(connection, path, "meta", "a HealthLedger ledger");
            OwnerOnly.TightenDatabaseFiles(path);
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, options.DurableCommits ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
            Execute(connection, "PRAGMA busy_timeout=5000;");
            // Checkpoints run on a thread of their own (WalCheckpointer), not inside the commit that crosses SQLite's threshold.
            Execute(connection, "PRAGMA wal_autocheckpoint=0;");
            // A log that grew past 128 MiB (a reader held an old snapshot for long) is cut back to that when it next starts again
            // (or emptied by the checkpoint thread when no commit comes); in steady state it stays near WalCheckpointer.RestartFrames
            // (64 MiB) and is written over in place.
            Execute(connection, FormattableString.Invariant($"PRAGMA journal_size_limit={options.WalSizeLimit};"));
            InitialiseSchema(connection);
        });
    }

    /// <summary>
    /// Of the ledger file at <paramref name="path"/> and its pending-disclosure file, those that have no <c>-wal</c> and no
    /// <c>-shm</c> file beside them now (a cleanly stopped node's folder). A read-only connection to a WAL database makes both
    /// and cannot remove them: give the list to <see cref="RemoveEmptyLogs"/> once done.
    /// </summary>
    public static IReadOnlyList<string> FilesWithoutLogs(string path) => new[] { path, PendingDisclosureFile.PathBeside(path) }
        .Where(f => File.Exists(f) && !File.Exists(f + "-wal") && !File.Exists(f + "-shm")).ToArray();

    /// <summary>
    /// Removes the <c>-wal</c> (when empty: nothing was written to it) and then the <c>-shm</c> file of each of
    /// <paramref name="files"/>, after closing this process's pooled connections. Only for a caller that holds the node's lock
    /// (<c>node.lock</c>: no node has the files open), after it disposed its read-only stores; a file it cannot remove stays.
    /// </summary>
    public static void RemoveEmptyLogs(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        SqliteConnection.ClearAllPools();
        foreach (var file in files)
        {
            try
            {
                if (new FileInfo(file + "-wal") is not { Exists: true, Length: 0 }) continue;
                File.Delete(file + "-wal");
                File.Delete(file + "-shm");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // left as they are: SQLite removes them at the node's next clean stop
            }
        }
    }

    /// <summary>
    /// Opens an existing ledger for reading only (verification of a stopped node's data). On a file system mounted read-only
    /// (a snapshot, a backup on read-only media) with no write-ahead log beside the file, SQLite cannot make the <c>-shm</c>
    /// index a WAL-mode file needs to be read, so the file is opened as immutable (https://sqlite.org/uri.html#uriimmutable):
    /// nothing can change it there.
    /// </summary>
    public static SqliteLedgerStore OpenReadOnly(string path)
    {
        RefuseNotRegular(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No ledger at {path}.", path);
        var immutable = ImmutableCopy(path);
        return OpenWith(path, ReadOnlyConnectionString(path, immutable), readOnly: true, LedgerStoreOptions.Default with { DurableCommits = false },
            connection => CheckSchema(connection, path), immutable);
    }

    /// <summary>Whether a file is to be read as immutable: on a file system mounted read-only, with no <c>-wal</c> file holding frames beside it.</summary>
    internal static bool ImmutableCopy(string path) =>
        !(RegularFile.Length(path + "-wal") > 0) && System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } folder && SqliteFileProblem.OnReadOnlyFileSystem(folder);

    private bool _immutable;

    private static SqliteLedgerStore OpenWith(string path, string connectionString, bool readOnly, LedgerStoreOptions options, Action<SqliteConnection> prepare,
        bool immutable = false)
    {
        var connection = new SqliteConnection(connectionString);
        PendingDisclosureFile? disclosures = null;
        try
        {
            connection.Open();
            prepare(connection);
            var disclosuresPath = PendingDisclosureFile.PathBeside(path);
            const string GiveUp = "Restore it from a backup; only to give up the disclosures it held (they are then missing from the audit trail), move it aside and start again.";
            // A file there that is empty or not a regular file (a FIFO, a device, a folder) is not taken for "no disclosures pending".
            if (RegularFile.StandsInTheWay(disclosuresPath))
            {
                throw new StoreCorruptException($"{PendingDisclosureFile.Described(disclosuresPath)} was not opened: {RegularFile.WhyNotOpened(disclosuresPath)}. {GiveUp}");
            }
            try
            {
                if (readOnly)
                {
                    disclosures = PendingDisclosureFile.OpenReadOnly(disclosuresPath, immutable && ImmutableCopy(disclosuresPath));
                }
                else
                {
                    disclosures = PendingDisclosureFile.Open(disclosuresPath, options.DurableCommits);
                }
            }
            catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
            {
                // Not the ledger's fault: say which file, and what giving it up costs (or that its content is not in question).
                var what = PendingDisclosureFile.Described(disclosuresPath);
                throw new StoreCorruptException((e is SqliteException sqlite ? SqliteFileProblem.Access(what, disclosuresPath, sqlite) : null)
                    ?? $"{what} is not a readable SQLite file: {e.Message} {GiveUp}");
            }
            if (!readOnly) disclosures!.MoveFrom(connection); // rows an older node left in the ledger's own table
            return new SqliteLedgerStore(path, connection, readOnly, options) { _disclosures = disclosures, _immutable = immutable };
        }
        catch (SqliteException e)
        {
            disclosures?.Dispose();
            connection.Dispose();
            throw new StoreCorruptException(Unreadable(path, e));
        }
        catch
        {
            disclosures?.Dispose();
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One SQLite transaction; fsynced when <see cref="LedgerStoreOptions.DurableCommits"/> is set. Then the tip record
    /// (<see cref="LedgerTip"/>, <c>ledger.tip</c> beside the file) is replaced, durably under the same option.
    /// </remarks>
    /// <exception cref="CheckpointFailedException">The store's checkpoint thread failed (other than busy): nothing is written.</exception>
    public void Commit(Block block, IReadOnlyList<Receipt> receipts, StateChangeSet changes, IReadOnlyDictionary<Hash256, byte[]>? blobs = null,
        byte[]? certificate = null, byte[]? consensusState = null)
    {
        ThrowIfNotWritable();
        var height = block.Header.Height;
        lock (_writeLock)
        {
            var expected = TipHeight is { } tip ? tip + 1 : 0;
            if (height != expected) throw new InvalidOperationException($"Expected block {expected}, got {height}.");
            if (receipts.Count != block.Transactions.Count) throw new ArgumentException("One receipt per transaction is required.", nameof(receipts));
            using var transaction = _writer.BeginTransaction();
            using (var insertBlock = Command(transaction, "INSERT INTO blocks(height, hash, header) VALUES ($h, $hash, $header)"))
            {
                insertBlock.Parameters.AddWithValue("$h", (long)height);
                insertBlock.Parameters.AddWithValue("$hash", block.Header.Hash.ToArray());
                insertBlock.Parameters.AddWithValue("$header", block.Header.Encode());
                insertBlock.ExecuteNonQuery();
            }
            using (var insertTx = Command(transaction, "INSERT INTO transactions(height, idx, tx_id, body) VALUES ($h, $i, $id, $body)"))
            {
                var pHeight = insertTx.Parameters.Add("$h", SqliteType.Integer);
                var pIndex = insertTx.Parameters.Add("$i", SqliteType.Integer);
                var pId = insertTx.Parameters.Add("$id", SqliteType.Blob);
                var pBody = insertTx.Parameters.Add("$body", SqliteType.Blob);
                insertTx.Prepare();
                pHeight.Value = (long)height;
                for (var i = 0; i < block.Transactions.Count; i++)
                {
                    var tx = block.Transactions[i];
                    pIndex.Value = i;
                    pId.Value = tx.Id.ToArray();
                    pBody.Value = tx.Encoded.ToArray();
                    insertTx.ExecuteNonQuery();
                }
            }
            using (var insertReceipt = Command(transaction, "INSERT INTO receipts(height, idx, body) VALUES ($h, $i, $body)"))
            {
                var pHeight = insertReceipt.Parameters.Add("$h", SqliteType.Integer);
                var pIndex = insertReceipt.Parameters.Add("$i", SqliteType.Integer);
                var pBody = insertReceipt.Parameters.Add("$body", SqliteType.Blob);
                insertReceipt.Prepare();
                pHeight.Value = (long)height;
                for (var i = 0; i < receipts.Count; i++)
                {
                    pIndex.Value = i;
                    pBody.Value = receipts[i].Encode();
                    insertReceipt.ExecuteNonQuery();
                }
            }
            using (var upsert = Command(transaction, "INSERT INTO state(key, value, height) VALUES ($k, $v, $h) ON CONFLICT(key) DO UPDATE SET value = excluded.value, height = excluded.height"))
            using (var delete = Command(transaction, "DELETE FROM state WHERE key = $k"))
            {
                var pKey = upsert.Parameters.Add("$k", SqliteType.Text);
                var pValue = upsert.Parameters.Add("$v", SqliteType.Blob);
                upsert.Parameters.AddWithValue("$h", (long)height);
                upsert.Prepare();
                var pDeleteKey = delete.Parameters.Add("$k", SqliteType.Text);
                delete.Prepare();
                foreach (var (key, value) in changes.Entries)
                {
                    if (value is null)
                    {
                        pDeleteKey.Value = key;
                        delete.ExecuteNonQuery();
                    }
                    else
                    {
                        pKey.Value = key;
                        pValue.Value = value;
                        upsert.ExecuteNonQuery();
                    }
                }
            }
            if (blobs is { Count: > 0 })
            {
                using var insertBlob = Command(transaction, "INSERT OR IGNORE INTO blobs(hash, data, height) VALUES ($k, $d, $h)");
                var pHash = insertBlob.Parameters.Add("$k", SqliteType.Blob);
                var pData = insertBlob.Parameters.Add("$d", SqliteType.Blob);
                insertBlob.Parameters.AddWithValue("$h", (long)height);
                insertBlob.Prepare();
                foreach (var (hash, data) in blobs.OrderBy(b => b.Key))
                {
                    pHash.Value = hash.ToArray();
                    pData.Value = data;
                    insertBlob.ExecuteNonQuery();
                }
            }
            if (certificate is not null)
            {
                using var insertCommit = Command(transaction, "INSERT INTO commits(height, certificate) VALUES ($h, $c)");
                insertCommit.Parameters.AddWithValue("$h", (long)height);
                insertCommit.Parameters.AddWithValue("$c", certificate);
                insertCommit.ExecuteNonQuery();
            }
            if (consensusState is not null) SaveConsensusState(transaction, consensusState);
            transaction.Commit();
            TipHeight = height;
            _checkpointer?.Nudge();
            _tipLock.Enter();
        }
        // The tip record is its own file with its own fdatasync: written outside the writer's lock, so that other writes
        // (disclosures, received votes) do not queue behind it. Commits come one after the other (one committing thread), and
        // the tip lock, taken before the writer's lock is let go, keeps their records in order.
        try
        {
            // The record never moves back: a store recovering blocks it lost (a node of a network syncing them from peers) keeps
            // the higher record until it reaches it again.
            if (_recordedHeight is not { } recorded || height >= recorded)
            {
                LedgerTip.Write(_path, new LedgerTip(height, block.Header.Hash), _durable);
                _recordedHeight = height;
            }
        }
        finally
        {
            _tipLock.Exit();
        }
    }

    /// <inheritdoc/>
    /// <remarks>The file <c>ledger.tip</c> beside the ledger file (the ledger's name with the extension <c>.tip</c>).</remarks>
    public LedgerTip? ReadRecordedTip() => LedgerTip.Read(_path);

    /// <inheritdoc/>
    public StoredBlock? ReadBlock(ulong height) => ReadBlocks(height, height).FirstOrDefault();

    /// <inheritdoc/>
    public IEnumerable<StoredBlock> ReadBlocks(ulong from = 0, ulong to = long.MaxValue, OrphanCounter? orphans = null)
    {
        using var connection = OpenReader();
        using var blocks = Query(connection, "SELECT height, hash, header FROM blocks WHERE height BETWEEN $from AND $to ORDER BY height", from, to);
        using var txs = Query(connection, "SELECT height, idx, tx_id, body FROM transactions WHERE height BETWEEN $from AND $to ORDER BY height, idx", from, to);
        using var receipts = Query(connection, "SELECT height, idx, body FROM receipts WHERE height BETWEEN $from AND $to ORDER BY height, idx", from, to);
        var hasTx = txs.Read();
        var hasReceipt = receipts.Read();
        while (blocks.Read())
        {
            var height = blocks.GetInt64(0);
            var storedTxs = new List<StoredTransaction>();
            for (; hasTx && txs.GetInt64(0) <= height; hasTx = txs.Read())
            {
                if (txs.GetInt64(0) < height)
                {
                    orphans?.Add();
                    continue;
                }
                storedTxs.Add(new StoredTransaction(txs.GetInt32(1), Blob(txs, 2), Blob(txs, 3)));
            }
            var storedReceipts = new List<byte[]>();
            for (; hasReceipt && receipts.GetInt64(0) <= height; hasReceipt = receipts.Read())
            {
                if (receipts.GetInt64(0) < height)
                {
                    orphans?.Add();
                    continue;
                }
                storedReceipts.Add(Blob(receipts, 2));
            }
            yield return new StoredBlock((ulong)height, Blob(blocks, 1), Blob(blocks, 2), storedTxs, storedReceipts);
        }
        for (; hasTx; hasTx = txs.Read()) orphans?.Add();
        for (; hasReceipt; hasReceipt = receipts.Read()) orphans?.Add();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Keys are compared as UTF-8 bytes, so the keys that start with a prefix are one contiguous range from the prefix on:
    /// the scan seeks to it on the primary key and stops at the first key past it.
    /// </remarks>
    public IEnumerable<KeyValuePair<string, byte[]>> ReadState(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        var upper = KeyRange.UpperBound(prefix);
        command.CommandText = upper is null ? $"SELECT {StateColumns} FROM state WHERE key >= $p ORDER BY key" : $"SELECT {StateColumns} FROM state WHERE key >= $p AND key < $u ORDER BY key";
        command.Parameters.AddWithValue("$p", prefix);
        if (upper is not null) command.Parameters.AddWithValue("$u", upper);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = reader.GetString(0);
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) yield break;
            yield return StateRow(reader, key);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Read from a view opened for it (<see cref="OpenStateSnapshot"/>: two readers meeting in the middle).</remarks>
    public IReadOnlyList<KeyValuePair<string, byte[]>> ReadAllState()
    {
        using var snapshot = OpenStateSnapshot();
        return snapshot.ReadAll();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Two read transactions on two connections of their own, each begun with a read of the tip height (which fixes its
    /// snapshot), held open until the view is disposed: they do not block commits, but the write-ahead log's checkpoints stop
    /// short of them. Were the two heights to differ (a commit between the two snapshots: the start-up check reads before the
    /// node commits), the view is the first transaction's alone. <see cref="IStateSnapshot.ReadAll()"/> reads from both ends of
    /// the key order at once, so that the rows' strings and arrays (3.7 million, 1.2 GB at 100,000 patients) are made on two
    /// cores: each reader stops at the first key the other has already read, and the overlap a race may leave is dropped when
    /// the halves are joined; the key where they met is kept, so that <see cref="IStateSnapshot.Read"/> later reads each row
    /// from the transaction it was read from then.
    /// </remarks>
    public IStateSnapshot OpenStateSnapshot() => new SqliteStateSnapshot(this);

    private sealed class SqliteStateSnapshot : IStateSnapshot
    {
        private readonly Lock _lock = new();
        private (SqliteConnection Connection, SqliteTransaction Transaction)? _up;
        private (SqliteConnection Connection, SqliteTransaction Transaction)? _down;
        private bool _split; // ReadAll joined the two readers' rows: the rows up to _through are _up's, the rest _down's
        private string? _through;
        private bool _disposed;

        public SqliteStateSnapshot(SqliteLedgerStore store)
        {
            try
            {
                var (up, upTip) = Begin(store);
                _up = up;
                var (down, downTip) = Begin(store);
                if (downTip == upTip)
                {
                    _down = down;
                }
                else
                {
                    down.Transaction.Dispose();
                    down.Connection.Dispose();
                }
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        private static ((SqliteConnection Connection, SqliteTransaction Transaction) Held, long? Tip) Begin(SqliteLedgerStore store)
        {
            var connection = store.OpenReader();
            try
            {
                var transaction = connection.BeginTransaction(deferred: true);
                using var tip = connection.CreateCommand();
                tip.Transaction = transaction;
                tip.CommandText = "SELECT MAX(height) FROM blocks";
                return ((connection, transaction), tip.ExecuteScalar() as long?);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        public IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll() => ReadAll(null);

        public IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll(Predicate<string>? withoutValue)
        {
            var (up, down) = Transactions();
            if (down is not { } other || _split) return withoutValue is null ? Read().ToList() : [.. Read().Select(r => withoutValue(r.Key) ? new KeyValuePair<string, byte[]>(r.Key, []) : r)];
            var upRows = new List<KeyValuePair<string, byte[]>>();
            var downRows = new List<KeyValuePair<string, byte[]>>();
            string? lastUp = null, lastDown = null;
            try
            {
                Parallel.Invoke(
                    () => FromOneEnd(up, ascending: true, upRows, () => Volatile.Read(ref lastDown), key => Volatile.Write(ref lastUp, key), withoutValue),
                    () => FromOneEnd(other, ascending: false, downRows, () => Volatile.Read(ref lastUp), key => Volatile.Write(ref lastDown, key), withoutValue));
            }
            catch (AggregateException e)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            var last = upRows.Count > 0 ? upRows[^1].Key : null;
            for (var i = downRows.Count - 1; i >= 0; i--)
            {
                if (last is null || Utf8Order.Compare(downRows[i].Key, last) > 0) upRows.Add(downRows[i]);
            }
            lock (_lock)
            {
                _split = true;
                _through = last;
            }
            return upRows;
        }

        public IEnumerable<KeyValuePair<string, byte[]>> Read()
        {
            var (up, down) = Transactions();
            bool split;
            string? through;
            lock (_lock)
            {
                split = _split;
                through = _through;
            }
            if (!split || down is not { } other)
            {
                foreach (var row in Rows(up, $"SELECT {StateColumns} FROM state ORDER BY key", null)) yield return row;
                yield break;
            }
            if (through is null)
            {
                foreach (var row in Rows(other, $"SELECT {StateColumns} FROM state ORDER BY key", null)) yield return row;
                yield break;
            }
            foreach (var row in Rows(up, $"SELECT {StateColumns} FROM state WHERE key <= $k ORDER BY key", through)) yield return row;
            foreach (var row in Rows(other, $"SELECT {StateColumns} FROM state WHERE key > $k ORDER BY key", through)) yield return row;
        }

        private ((SqliteConnection Connection, SqliteTransaction Transaction) Up, (SqliteConnection Connection, SqliteTransaction Transaction)? Down) Transactions()
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed || _up is null, this);
                return (_up.Value, _down);
            }
        }

        private static IEnumerable<KeyValuePair<string, byte[]>> Rows((SqliteConnection Connection, SqliteTransaction Transaction) at, string sql, string? key)
        {
            using var command = at.Connection.CreateCommand();
            command.Transaction = at.Transaction;
            command.CommandText = sql;
            if (key is not null) command.Parameters.AddWithValue("$k", key);
            using var reader = command.ExecuteReader();
            while (reader.Read()) yield return StateRow(reader, reader.GetString(0));
        }

        // Reads state rows from one end of the key order until the next key is one the reader from the other end has read (its
        // last key, published after the row is kept).
        private static void FromOneEnd((SqliteConnection Connection, SqliteTransaction Transaction) at, bool ascending, List<KeyValuePair<string, byte[]>> rows,
            Func<string?> otherLast, Action<string> publish, Predicate<string>? withoutValue)
        {
            using var command = at.Connection.CreateCommand();
            command.Transaction = at.Transaction;
            command.CommandText = ascending ? $"SELECT {StateColumns} FROM state ORDER BY key" : $"SELECT {StateColumns} FROM state ORDER BY key DESC";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var key = reader.GetString(0);
                if (otherLast() is { } met && (ascending ? Utf8Order.Compare(key, met) >= 0 : Utf8Order.Compare(key, met) <= 0)) break;
                rows.Add(withoutValue?.Invoke(key) == true ? StateKeyOnly(reader, key) : StateRow(reader, key));
                publish(key);
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                if (_disposed) return;
                _disposed = true;
            }
            foreach (var held in new[] { _up, _down })
            {
                if (held is not { } h) continue;
                h.Transaction.Dispose();
                h.Connection.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public byte[]? ReadBlob(Hash256 hash)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM blobs WHERE hash = $k";
        command.Parameters.AddWithValue("$k", hash.ToArray());
        return command.ExecuteScalar() as byte[];
    }

    /// <inheritdoc/>
    /// <remarks>One connection and one prepared statement for all of them, asked in hash order (neighbouring pages of the index).</remarks>
    public byte[]?[] ReadBlobs(IReadOnlyList<Hash256> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var found = new byte[]?[hashes.Count];
        if (hashes.Count == 0) return found;
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM blobs WHERE hash = $k";
        var parameter = command.Parameters.Add("$k", SqliteType.Blob);
        command.Prepare();
        foreach (var i in Enumerable.Range(0, hashes.Count).OrderBy(i => hashes[i]))
        {
            parameter.Value = hashes[i].ToArray();
            found[i] = command.ExecuteScalar() as byte[];
        }
        return found;
    }

    /// <inheritdoc/>
    public IEnumerable<(byte[] Hash, byte[] Data, ulong Height)> ReadBlobs()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT hash, data, height FROM blobs ORDER BY hash";
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return (Blob(reader, 0), Blob(reader, 1), (ulong)reader.GetInt64(2));
    }

    /// <inheritdoc/>
    public IEnumerable<(string Key, ulong Height)> ReadStateHeights()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, height FROM state ORDER BY key";
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return (reader.GetString(0), (ulong)reader.GetInt64(1));
    }

    /// <inheritdoc/>
    public (string Key, ulong Height)? FirstStateFiledAfter(ulong height)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, height FROM state WHERE height > $h ORDER BY key LIMIT 1";
        command.Parameters.AddWithValue("$h", (long)Math.Min(height, long.MaxValue));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), (ulong)reader.GetInt64(1)) : null;
    }

    /// <inheritdoc/>
    public byte[]? ReadStateValue(string key)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {StateColumns} FROM state WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? StateRow(reader, key).Value : null;
    }

    /// <inheritdoc/>
    public CommittedTransaction? FindTransaction(Hash256 id)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT t.height, t.idx, r.body FROM transactions t JOIN receipts r ON r.height = t.height AND r.idx = t.idx WHERE t.tx_id = $id LIMIT 1";
        command.Parameters.AddWithValue("$id", id.ToArray());
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return Receipt.TryDecode(Blob(reader, 2), out var receipt, out _)
            ? new CommittedTransaction((ulong)reader.GetInt64(0), reader.GetInt32(1), receipt!)
            : null;
    }

    /// <inheritdoc/>
    public byte[]? ReadCertificate(ulong height)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT certificate FROM commits WHERE height = $h";
        command.Parameters.AddWithValue("$h", (long)height);
        return ScalarBytes(command);
    }

    /// <inheritdoc/>
    public IReadOnlyList<(Hash256 Hash, byte[] Data)> ReadBlobsAt(ulong height, IEnumerable<Hash256> referenced)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        var list = new List<(Hash256, byte[])>();
        var hashes = referenced.Distinct().Order().ToList();
        if (hashes.Count == 0) return list;
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        // By the primary key: "WHERE height = $h" has no index to use and scanned every ciphertext stored.
        command.CommandText = "SELECT data FROM blobs WHERE hash = $k AND height = $h";
        var key = command.Parameters.Add("$k", SqliteType.Blob);
        command.Parameters.AddWithValue("$h", (long)Math.Min(height, long.MaxValue));
        command.Prepare();
        foreach (var hash in hashes)
        {
            key.Value = hash.ToArray();
            if (command.ExecuteScalar() is byte[] data) list.Add((hash, data));
        }
        return list;
    }

    /// <inheritdoc/>
    public void SaveConsensusState(byte[] state)
    {
        ThrowIfNotWritable();
        lock (_writeLock)
        {
            using var transaction = _writer.BeginTransaction();
            SaveConsensusState(transaction, state);
            transaction.Commit();
        }
    }

    private void SaveConsensusState(SqliteTransaction transaction, byte[] state)
    {
        using var command = Command(transaction, "INSERT INTO consensus(id, state) VALUES (1, $s) ON CONFLICT(id) DO UPDATE SET state = excluded.state");
        command.Parameters.AddWithValue("$s", state);
        command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public byte[]? ReadConsensusState()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT state FROM consensus WHERE id = 1";
        return ScalarBytes(command);
    }

    /// <inheritdoc/>
    public void SaveReceivedVotes(byte[] votes)
    {
        ThrowIfNotWritable();
        lock (_writeLock)
        {
            using var transaction = _writer.BeginTransaction();
            using var command = Command(transaction, "INSERT INTO received_votes(id, votes) VALUES (1, $v) ON CONFLICT(id) DO UPDATE SET votes = excluded.votes");
            command.Parameters.AddWithValue("$v", votes);
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    /// <inheritdoc/>
    public byte[]? ReadReceivedVotes()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT votes FROM received_votes WHERE id = 1";
        try
        {
            return ScalarBytes(command);
        }
        catch (SqliteException)
        {
            return null; // a file opened read-only that predates the table
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// In the file beside the ledger (<see cref="PendingDisclosureFile"/>, <c>ledger.disclosures.db</c>), with its own connection
    /// and lock: never waits for a block commit, nor holds one up. Fsynced when <see cref="LedgerStoreOptions.DurableCommits"/> is
    /// set; otherwise it survives a crash or kill of the process (WAL).
    /// </remarks>
    public void SavePendingDisclosures(IReadOnlyList<(Hash256 Id, byte[] Event)> disclosures)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        _disclosures!.Save(disclosures);
    }

    /// <inheritdoc/>
    public IReadOnlyList<(Hash256 Id, byte[] Event)> ReadPendingDisclosures(int max, int skip = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        if (_disclosures is not null) return _disclosures.Read(max, skip);
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, event FROM pending_disclosures ORDER BY seq LIMIT $max OFFSET $skip";
        command.Parameters.AddWithValue("$max", max);
        command.Parameters.AddWithValue("$skip", skip);
        var list = new List<(Hash256, byte[])>();
        try
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = Blob(reader, 0);
                if (id.Length != 32) throw new StoreCorruptException($"{_path} holds a pending disclosure whose id is {id.Length} bytes, not 32.");
                list.Add((new Hash256(id), Blob(reader, 1)));
            }
        }
        catch (SqliteException) when (_readOnly)
        {
            // a file opened read-only that predates the table
        }
        return list;
    }

    /// <inheritdoc/>
    public long CountPendingDisclosures()
    {
        if (_disclosures is not null) return _disclosures.Count();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM pending_disclosures";
        try
        {
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (SqliteException) when (_readOnly)
        {
            return 0; // a file opened read-only that predates the table
        }
    }

    /// <inheritdoc/>
    public void DeletePendingDisclosures(IReadOnlyCollection<Hash256> ids)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        _disclosures!.Delete(ids);
    }

    // A stored value as bytes whatever its SQLite type (a value an outside edit turned into text is damage, not absence).
    private static byte[]? ScalarBytes(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? reader.GetFieldValue<byte[]>(0) : null;
    }

    /// <inheritdoc/>
    public long CountTransactions()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM transactions";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>PRAGMA wal_checkpoint(TRUNCATE)</c> after closing the pooled reader connections (SQLite checkpoints the whole log only
    /// when no reader holds an older snapshot): everything committed is then in <c>ledger.db</c> itself and <c>ledger.db-wal</c>
    /// is empty; the same for the pending disclosures' file (<see cref="PendingDisclosureFile"/>). A checkpoint that cannot
    /// complete (another process reading the file) is reported as false, and so is the ledger's after its checkpoint thread failed
    /// (<see cref="WriteFailure"/>): a log SQLite cannot read back is left as it is, for <c>healthledger verify</c>.
    /// </remarks>
    public bool Checkpoint()
    {
        if (_readOnly) return false;
        var disclosures = _disclosures?.Checkpoint() ?? true;
        if (_checkpointer?.Failure is not null) return false;
        lock (_writeLock)
        {
            if (_disposed) return false;
            using (var pool = new SqliteConnection(ReadOnlyConnectionString(_path, _immutable))) SqliteConnection.ClearPool(pool);
            using var command = _writer.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0 && disclosures;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed) return;
            _disposed = true;
            _checkpointer?.Dispose();
            _writer.Dispose();
            _disclosures?.Dispose();
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Reads every row of <c>transactions</c> and looks each up in <c>transactions_by_id</c> (about as long as reading the
    /// transactions once more); SQLite's first ten findings are given, joined.
    /// </remarks>
    public string? IndexProblem()
    {
        var findings = new List<string>();
        try
        {
            using var connection = OpenReader();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check(transactions);";
            using var reader = command.ExecuteReader();
            while (reader.Read() && findings.Count < 10) findings.Add(reader.GetString(0));
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB: the check itself could not go on
        {
            findings.Add(e.Message);
        }
        return findings is ["ok"] ? null
            : $"the ledger file's transactions table or its transaction-id index (transactions_by_id) is damaged (SQLite's integrity_check: {string.Join("; ", findings)}); " +
              "the node would not find committed transactions by their id. The index is derived from the table: on the stopped node, " +
              $"'sqlite3 {_path} \"REINDEX transactions_by_id\"' rebuilds it (then verify again); a damaged table needs the data folder restored from a backup";
    }

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(ReadOnlyConnectionString(_path, _immutable));
        connection.Open();
        return connection;
    }

    private static string ReadOnlyConnectionString(string path, bool immutable = false) => new SqliteConnectionStringBuilder
    {
        DataSource = immutable ? ImmutableUri(path) : path,
        Mode = SqliteOpenMode.ReadOnly,
        Pooling = true,
    }.ToString();

    /// <summary>A SQLite URI filename opening <paramref name="path"/> as immutable (https://sqlite.org/uri.html).</summary>
    internal static string ImmutableUri(string path) => "file:" + Uri.EscapeDataString(System.IO.Path.GetFullPath(path)).Replace("%2F", "/", StringComparison.Ordinal) + "?immutable=1";

    private static SqliteDataReader Query(SqliteConnection connection, string sql, ulong from, ulong to)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$from", (long)Math.Min(from, long.MaxValue));
        command.Parameters.AddWithValue("$to", (long)Math.Min(to, long.MaxValue));
        return command.ExecuteReader(System.Data.CommandBehavior.Default);
    }

    // The state columns every read of rows selects: key, value, and whether both are stored with the types the node writes.
    private const string StateColumns = "key, value, typeof(key) = 'text' AND typeof(value) IN ('blob', 'null')";

    // A state row as stored (StateColumns), key already read: a TEXT key and a BLOB value (NULL reads as empty), the types the
    // node writes. SQLite keeps a value of any type in any column, and a row a hand edit stored with another type reads one
    // way here and another in a query that compares it (a BLOB key is above every TEXT bound, a TEXT value is no BLOB), so it
    // is refused, naming the key, wherever it is read.
    private static KeyValuePair<string, byte[]> StateRow(SqliteDataReader reader, string key) =>
        reader.GetInt64(2) != 0 ? new(key, Blob(reader, 1))
            : throw new InvalidDataException($"State row '{key}' is not stored as a TEXT key with a BLOB value: the ledger was changed outside the node.");

    // A state row as stored (StateColumns), key already read, its value not read (IStateSnapshot.ReadAll(withoutValue)).
    private static KeyValuePair<string, byte[]> StateKeyOnly(SqliteDataReader reader, string key) =>
        reader.GetInt64(2) != 0 ? new(key, [])
            : throw new InvalidDataException($"State row '{key}' is not stored as a TEXT key with a BLOB value: the ledger was changed outside the node.");

    private static byte[] Blob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);

    private SqliteCommand Command(SqliteTransaction transaction, string sql)
    {
        var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void InitialiseSchema(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = SqliteSchema.Create;
            command.ExecuteNonQuery();
            command.CommandText = "INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', $v)";
            command.Parameters.AddWithValue("$v", SqliteSchema.Version.ToString(CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        }
        transaction.Commit();
        CheckSchema(connection, connection.DataSource);
    }

    private static void CheckSchema(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE name = 'schema_version'";
        string? version;
        try
        {
            version = command.ExecuteScalar() as string;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteFileProblem.Error)
        {
            throw new StoreCorruptException($"{path} is not a HealthLedger ledger (no meta table).");
        }
        catch (SqliteException e)
        {
            // Damaged, or not readable here: a read-only open of a ledger in WAL mode needs to make ledger.db-shm beside it.
            throw new StoreCorruptException(Unreadable(path, e));
        }
        if (version != SqliteSchema.Version.ToString(CultureInfo.InvariantCulture))
        {
            throw new StoreCorruptException($"{path} has ledger schema version '{version}'; this build reads version {SqliteSchema.Version}.");
        }
    }

    // Something at the ledger's path that is empty or not a regular file (a folder, a FIFO, a device) is not opened: SQLite
    // would wait on a FIFO for a writer (a read-only open hung) or fail with a bare I/O error.
    private static void RefuseNotRegular(string path)
    {
        if (RegularFile.StandsInTheWay(path))
        {
            throw new StoreCorruptException($"{path} is not a readable SQLite ledger: {RegularFile.WhyNotOpened(path)}. Restore the data folder from a backup.");
        }
    }

    // What an unreadable ledger file is told. A damaged file beside a tip record but without its write-ahead log is most likely
    // a node killed while a checkpoint was copying the log into the file, and the log then lost: only that log (or a backup)
    // can repair it, and accepting the tip cannot, so say so rather than "not a ledger".
    private static string Unreadable(string path, SqliteException e)
    {
        if (SqliteFileProblem.Access($"{path} (the ledger)", path, e) is { } access) return access;
        var said = $"{path} is not a readable SQLite ledger: {e.Message}";
        if (e.SqliteErrorCode is not (SqliteFileProblem.Corrupt or SqliteFileProblem.NotADatabase)) return said;
        var wal = path + "-wal";
        // Opening the file makes an empty log when there was none, so an empty one counts as missing.
        if (new FileInfo(wal) is { Exists: true, Length: > 0 } || !File.Exists(LedgerTip.PathFor(path))) return $"{said} Restore the data folder from a backup.";
        var name = System.IO.Path.GetFileName(wal);
        return $"{said} Its write-ahead log {name} is missing or empty: a node stopped by a crash or power loss while copying that log into " +
            $"{System.IO.Path.GetFileName(path)} leaves the file readable only with it. Put {name} back from where it went (the same " +
            "folder, before anything else opens the ledger), or restore the data folder from a backup; in a network of several nodes, " +
            "rebuilding this node with 'healthledger join' also recovers it. 'verify --accept-tip' cannot repair this.";
    }

    private static ulong? QueryTipHeight(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(height) FROM blocks";
        return command.ExecuteScalar() is long h ? (ulong)h : null;
    }
}
