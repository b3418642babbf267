using System.Data;
using System.Globalization;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Verification;
using Npgsql;
using NpgsqlTypes;

namespace HealthLedger.Storage;

/// <summary>
/// The ledger in a PostgreSQL database (for organisations that outgrow the embedded SQLite file): the same tables and the same
/// guarantees as <see cref="SqliteLedgerStore"/>. A block and all of its effects (transactions, receipts, state writes, blobs,
/// certificate) are written in one PostgreSQL transaction, so after a crash or kill of the node or the server the database holds
/// either the whole block or none of it; with <see cref="LedgerStoreOptions.DurableCommits"/> (the default) a commit returns only
/// once the server has flushed it to disk (its defaults <c>fsync=on</c>, <c>synchronous_commit=on</c>). One writer connection;
/// reads use pooled connections of their own. Storage failures surface as <see cref="NpgsqlException"/> (a
/// <see cref="PostgresException"/> for an error the server reports).
/// </summary>
/// <remarks>
/// The tip record (<see cref="LedgerTip"/>) stays a file in the node's data folder (<c>ledger.tip</c> beside the nominal ledger
/// path given at opening), outside the database: a database restored from an older dump is then noticed as a ledger that lost
/// committed blocks. Messages name the server, database and user (<see cref="Describe(string)"/>), never the password.
/// </remarks>
public sealed class PostgresLedgerStore : ILedgerStore
{
    // Blocks read per query by ReadBlocks (with their transactions and receipts), inside one snapshot.
    private const int ChunkBlocks = 128;

    private readonly NpgsqlDataSource _source;
    private readonly string _localPath;
    private readonly string _description;
    private readonly Lock _writeLock = new();
    private readonly Lock _tipLock = new();
    private readonly bool _readOnly;
    private readonly bool _durable;
    private NpgsqlConnection? _writer;
    private readonly Lock _disclosureLock = new();
    private NpgsqlConnection? _disclosureWriter;
    private bool _disposed;
    private ulong? _recordedHeight;

    private PostgresLedgerStore(NpgsqlDataSource source, string localPath, string description, bool readOnly, bool durable)
    {
        _source = source;
        _localPath = Path.GetFullPath(localPath);
        _description = description;
        _readOnly = readOnly;
        _durable = durable;
        try
        {
            _recordedHeight = readOnly ? null : LedgerTip.Read(_localPath)?.Height;
        }
        catch (InvalidDataException)
        {
            _recordedHeight = null; // a damaged record is replaced by the next commit (the start-up check refuses it first)
        }
        using var connection = _source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT MAX(height) FROM blocks", connection);
        TipHeight = command.ExecuteScalar() is long h ? (ulong)h : null;
    }

    /// <summary>The server, database and user this store uses, for messages (never the password).</summary>
    public string Description => _description;

    /// <summary>The path the tip record is kept beside (<c>DATA/ledger.db</c>, a name only: no file of that name is made).</summary>
    public string LocalPath => _localPath;

    /// <inheritdoc/>
    public ulong? TipHeight { get; private set; }

    /// <inheritdoc/>
    /// <remarks>Always null: the server checkpoints its own log, and a failure of it surfaces at the next write.</remarks>
    public Exception? WriteFailure => null;

    /// <summary>
    /// Opens the ledger in the PostgreSQL database of <paramref name="connectionString"/> (an Npgsql connection string, e.g.
    /// <c>Host=db.hospital.example;Database=healthledger;Username=healthledger</c>; a password may come from it, from
    /// <c>PGPASSWORD</c> or from <c>~/.pgpass</c>). With <paramref name="create"/>, creates the schema in a database that holds no
    /// table yet (or an empty HealthLedger schema); the tip record is kept beside <paramref name="localPath"/>.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The connection string does not parse or names no Host or no Database, or the
    /// server cannot be reached, refuses the login or has no such database.</exception>
    /// <exception cref="StoreCorruptException">Without <paramref name="create"/>: the database holds no HealthLedger ledger, or one of
    /// another schema version.</exception>
    /// <exception cref="InvalidOperationException">With <paramref name="create"/>: the database already holds a ledger with blocks (a
    /// network's), or tables that are not a HealthLedger ledger, or its encoding is not UTF-8. Nothing is changed.</exception>
    public static PostgresLedgerStore Open(string connectionString, string localPath, bool create, LedgerStoreOptions? options = null)
    {
        options ??= LedgerStoreOptions.Default;
        return OpenWith(connectionString, localPath, readOnly: false, options.DurableCommits, create);
    }

    /// <summary>Opens an existing ledger for reading only (every session of the store is a read-only one).</summary>
    /// <exception cref="StoreUnavailableException">As for <see cref="Open"/>.</exception>
    /// <exception cref="StoreCorruptException">The database holds no HealthLedger ledger, or one of another schema version.</exception>
    public static PostgresLedgerStore OpenReadOnly(string connectionString, string localPath) =>
        OpenWith(connectionString, localPath, readOnly: true, durable: false, create: false);

    /// <summary>
    /// "PostgreSQL database 'D' on HOST:PORT as user 'U'" for <paramref name="connectionString"/>, without its password;
    /// "a PostgreSQL connection string that does not parse" when it does not.
    /// </summary>
    public static string Describe(string connectionString) =>
        TryParse(connectionString, out var builder, out _) ? Describe(builder!) : "a PostgreSQL connection string that does not parse";

    /// <summary>Why <paramref name="connectionString"/> is not a usable Npgsql connection string (one line, without its values), or null.</summary>
    public static string? ConnectionStringProblem(string connectionString)
    {
        if (!TryParse(connectionString, out var builder, out var problem)) return problem;
        return MissingKey(builder!);
    }

    // Host and Database must be named: without Database, PostgreSQL (and Npgsql) would use the database named like the user,
    // which is never "the node's own database" on purpose (and may be the postgres database of a superuser).
    private static string? MissingKey(NpgsqlConnectionStringBuilder builder) =>
        string.IsNullOrWhiteSpace(builder.Host) ? "the PostgreSQL connection string names no Host"
        : string.IsNullOrWhiteSpace(builder.Database) ? "the PostgreSQL connection string names no Database (add Database=<the node's own database>: without it PostgreSQL would use the user's default database)"
        : null;

    private static bool TryParse(string connectionString, out NpgsqlConnectionStringBuilder? builder, out string? problem)
    {
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
            problem = null;
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            builder = null;
            // The parser's message may quote a value; only its kind of problem is kept (the string may hold a password).
            problem = "the PostgreSQL connection string does not parse (expected Key=Value pairs such as Host=…;Database=…;Username=…; " +
                      (e is ArgumentException { ParamName: { } key } && key != "connectionString" ? $"check '{key}')" : "check the keys and values)");
            return false;
        }
    }

    private static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"PostgreSQL database '{builder.Database ?? builder.Username ?? "?"}' on {builder.Host}:{builder.Port.ToString(CultureInfo.InvariantCulture)} as user '{builder.Username ?? Environment.UserName}'";

    private static PostgresLedgerStore OpenWith(string connectionString, string localPath, bool readOnly, bool durable, bool create)
    {
        if (!TryParse(connectionString, out var parsed, out var problem)) throw new StoreUnavailableException(problem!);
        var builder = parsed!;
        if (MissingKey(builder) is { } missing) throw new StoreUnavailableException(missing);
        var description = Describe(builder);
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "healthledger";
        if (readOnly) builder.Options = ((builder.Options ?? "") + " -c default_transaction_read_only=on").Trim();
        var source = NpgsqlDataSource.Create(builder);
        try
        {
            NpgsqlConnection connection;
            try
            {
                connection = source.OpenConnection();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                throw new StoreUnavailableException($"cannot connect to the ledger's {description}: {Reason(e)}", e);
            }
            using (connection)
            {
                if (create) InitialiseSchema(connection, description);
                else CheckSchema(connection, description);
            }
            return new PostgresLedgerStore(source, localPath, description, readOnly, durable);
        }
        catch (PostgresException e)
        {
            source.Dispose();
            throw new StoreUnavailableException($"cannot use the ledger's {description}: {Reason(e)}", e);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    // The server's own words (e.g. "28P01: password authentication failed for user "x"", "Failed to connect to 10.0.0.5:5432").
    private static string Reason(Exception e) => e is NpgsqlException { InnerException: { } inner } && e is not PostgresException && e.Message.StartsWith("Exception while", StringComparison.Ordinal)
        ? inner.Message
        : e.Message;

    private static void InitialiseSchema(NpgsqlConnection connection, string description)
    {
        using (var encoding = new NpgsqlCommand("SHOW server_encoding", connection))
        {
            if (encoding.ExecuteScalar() is string name && !name.Equals("UTF8", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The {description} uses encoding {name}; a ledger needs a UTF8 database (CREATE DATABASE … ENCODING 'UTF8').");
            }
        }
        var tables = new List<string>();
        using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name", connection))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        if (tables.Contains("meta"))
        {
            CheckSchema(connection, description);
            using var count = new NpgsqlCommand("SELECT COUNT(*), MAX(height) FROM blocks", connection);
            using var reader = count.ExecuteReader();
            reader.Read();
            if (reader.GetInt64(0) > 0)
            {
                var last = reader.GetInt64(1);
                reader.Close();
                throw new InvalidOperationException($"The {description} already holds a ledger ({NetworkOf(connection)}, blocks 0 to {last}); " +
                    "give this node an empty database of its own (CREATE DATABASE …) or remove that one first.");
            }
        }
        else if (tables.Count > 0)
        {
            throw new InvalidOperationException($"The {description} holds tables that are not a HealthLedger ledger ({string.Join(", ", tables.Take(5))}{(tables.Count > 5 ? ", …" : "")}); " +
                "give the ledger an empty database of its own.");
        }
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand(PostgresSchema.Create, connection, transaction)) command.ExecuteNonQuery();
        using (var meta = new NpgsqlCommand("INSERT INTO meta(name, value) VALUES ('schema_version', $1) ON CONFLICT (name) DO NOTHING", connection, transaction))
        {
            meta.Parameters.Add(new NpgsqlParameter { Value = PostgresSchema.Version.ToString(CultureInfo.InvariantCulture) });
            meta.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    // "network 'x'" from the stored network record, for the refusal of a database that holds one.
    private static string NetworkOf(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand("SELECT value FROM state WHERE key = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = StateKeys.Network });
        return command.ExecuteScalar() is byte[] bytes && NetworkConfig.TryDecode(bytes) is { } network ? $"network '{network.NetworkId}'" : "an unknown network";
    }

    private static void CheckSchema(NpgsqlConnection connection, string description)
    {
        using var exists = new NpgsqlCommand("SELECT to_regclass('meta') IS NOT NULL", connection);
        if (exists.ExecuteScalar() is not true) throw new StoreCorruptException($"The {description} is not a HealthLedger ledger (no meta table).");
        using var command = new NpgsqlCommand("SELECT value FROM meta WHERE name = 'schema_version'", connection);
        var version = command.ExecuteScalar() as string;
        if (version != PostgresSchema.Version.ToString(CultureInfo.InvariantCulture))
        {
            throw new StoreCorruptException($"The {description} has ledger schema version '{version}'; this build reads version {PostgresSchema.Version}.");
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One PostgreSQL transaction of at most seven set-based statements (one round trip each, whatever the block's size); durable when the server acknowledges it, under
    /// <see cref="LedgerStoreOptions.DurableCommits"/> (otherwise <c>synchronous_commit=off</c> for this store's writes). Then the tip
    /// record beside <see cref="LocalPath"/> is replaced, durably under the same option. When the connection is lost while the
    /// commit is under way (its outcome unknown), the store asks the server: a block that did land counts as committed.
    /// </remarks>
    public void Commit(Block block, IReadOnlyList<Receipt> receipts, StateChangeSet changes, IReadOnlyDictionary<Hash256, byte[]>? blobs = null,
        byte[]? certificate = null, byte[]? consensusState = null)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(receipts);
        ArgumentNullException.ThrowIfNull(changes);
        var height = block.Header.Height;
        lock (_writeLock)
        {
            var expected = TipHeight is { } tip ? tip + 1 : 0;
            if (height != expected) throw new InvalidOperationException($"Expected block {expected}, got {height}.");
            if (receipts.Count != block.Transactions.Count) throw new ArgumentException("One receipt per transaction is required.", nameof(receipts));
            // A writer connection that broke since the last commit (a server restart: Npgsql learns it at the next use) fails
            // before anything of this block reached the server's commit: the block is written again, once, on a new connection.
            for (var attempt = 0; ; attempt++)
            {
                var writer = Writer();
                var committing = false;
                try
                {
                    using var transaction = writer.BeginTransaction();
                    var statements = new List<(string Sql, NpgsqlParameter[] Parameters)>();
                    var h = (long)height;
                    statements.Add(Statement("INSERT INTO blocks(height, hash, header) VALUES ($1, $2, $3)",
                        Parameter(h), Parameter(block.Header.Hash.ToArray()), Parameter(block.Header.Encode())));
                    if (block.Transactions.Count > 0)
                    {
                        statements.Add(Statement(
                            "INSERT INTO transactions(height, idx, tx_id, body) SELECT $1, u.idx - 1, u.id, u.body FROM unnest($2::bytea[], $3::bytea[]) WITH ORDINALITY AS u(id, body, idx)",
                            Parameter(h), Array(block.Transactions.Select(t => t.Id.ToArray())), Array(block.Transactions.Select(t => t.Encoded.ToArray()))));
                        statements.Add(Statement(
                            "INSERT INTO receipts(height, idx, body) SELECT $1, u.idx - 1, u.body FROM unnest($2::bytea[]) WITH ORDINALITY AS u(body, idx)",
                            Parameter(h), Array(receipts.Select(r => r.Encode()))));
                    }
                    var deletes = changes.Entries.Where(e => e.Value is null).Select(e => e.Key).ToArray();
                    var writes = changes.Entries.Where(e => e.Value is not null).ToList();
                    if (deletes.Length > 0)
                    {
                        statements.Add(Statement("DELETE FROM state WHERE key = ANY($1::text[])", new NpgsqlParameter { Value = deletes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text }));
                    }
                    if (writes.Count > 0)
                    {
                        statements.Add(Statement(
                            "INSERT INTO state(key, value, height) SELECT u.key, u.value, $3 FROM unnest($1::text[], $2::bytea[]) AS u(key, value) " +
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, height = excluded.height",
                            new NpgsqlParameter { Value = writes.Select(w => w.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                            Array(writes.Select(w => w.Value!)), Parameter(h)));
                    }
                    if (blobs is { Count: > 0 })
                    {
                        var ordered = blobs.OrderBy(b => b.Key).ToList();
                        statements.Add(Statement(
                            "INSERT INTO blobs(hash, data, height) SELECT u.hash, u.data, $3 FROM unnest($1::bytea[], $2::bytea[]) AS u(hash, data) ON CONFLICT (hash) DO NOTHING",
                            Array(ordered.Select(b => b.Key.ToArray())), Array(ordered.Select(b => b.Value)), Parameter(h)));
                    }
                    if (certificate is not null)
                    {
                        statements.Add(Statement("INSERT INTO commits(height, certificate) VALUES ($1, $2)", Parameter(h), Parameter(certificate)));
                    }
                    if (consensusState is not null)
                    {
                        statements.Add(Statement(SaveConsensusStateSql, Parameter(consensusState)));
                    }
                    // One statement at a time: Npgsql sends a multi-statement batch in synchronous mode from a thread-pool task (to avoid a
                    // protocol deadlock), which never runs while the pool is starved by request threads waiting for this commit.
                    foreach (var (sql, parameters) in statements)
                    {
                        using var command = new NpgsqlCommand(sql, writer, transaction);
                        command.Parameters.AddRange(parameters);
                        command.ExecuteNonQuery();
                    }
                    committing = true;
                    transaction.Commit();
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "blocks_pkey"
                    && Landed(height, block.Header.Hash))
                {
                    // An earlier try at this block, whose answer was lost with its connection, committed after all (it could not be
                    // asked then, or it had not finished: its backend still in COMMIT, and this try waited for it). It is committed.
                }
                catch (Exception e) when (e is NpgsqlException or IOException && writer.State != ConnectionState.Open && !committing && attempt == 0)
                {
                    continue; // nothing was committed: the transaction ended with its connection
                }
                catch (Exception e) when (e is NpgsqlException or IOException && writer.State != ConnectionState.Open && committing && Landed(height, block.Header.Hash))
                {
                    // The connection broke after the server committed the block: it is committed. When the server could not say,
                    // or had not finished, the error goes up (an outage: the block is written again, and meets itself above).
                }
                break;
            }
            TipHeight = height;
            _tipLock.Enter();
        }
        // The tip record is a local file with its own fdatasync: written outside the writer's lock (see SqliteLedgerStore.Commit).
        try
        {
            // The record never moves back: a store recovering blocks it lost (a node of a network syncing them from peers) keeps
            // the higher record until it reaches it again.
            if (_recordedHeight is not { } recorded || height >= recorded)
            {
                LedgerTip.Write(_localPath, new LedgerTip(height, block.Header.Hash), _durable);
                _recordedHeight = height;
            }
        }
        finally
        {
            _tipLock.Exit();
        }
    }

    // After a lost connection or a block found at its height: whether this block is stored there, asked on a fresh connection
    // (false when the server cannot say, or holds another block: the caller's own error then stands).
    private bool Landed(ulong height, Hash256 hash)
    {
        try
        {
            using var connection = _source.OpenConnection();
            using var command = new NpgsqlCommand("SELECT hash FROM blocks WHERE height = $1", connection);
            command.Parameters.Add(Parameter((long)height));
            return command.ExecuteScalar() is byte[] stored && stored.AsSpan().SequenceEqual(hash.ToArray());
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            return false;
        }
    }

    // The one writer connection, opened again when the last one broke (a server restart).
    private NpgsqlConnection Writer() => Writer(ref _writer);

    // The writer connection in the slot (opened again after a failure), with this store's synchronous_commit.
    private NpgsqlConnection Writer(ref NpgsqlConnection? slot)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (slot is { State: ConnectionState.Open }) return slot;
        slot?.Dispose();
        slot = null;
        var connection = _source.OpenConnection();
        if (!_durable)
        {
            using var command = new NpgsqlCommand("SET synchronous_commit = off", connection);
            command.ExecuteNonQuery();
        }
        return slot = connection;
    }

    // One statement on the pending disclosures, in its own transaction on their own writer connection and lock: a
    // disclosure's commit (its WAL flush) never waits for a block commit's lock, nor a block commit for it.
    private void WriteDisclosures(string sql, params NpgsqlParameter[] parameters)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        lock (_disclosureLock)
        {
            using var command = new NpgsqlCommand(sql, Writer(ref _disclosureWriter));
            command.Parameters.AddRange(parameters);
            command.ExecuteNonQuery();
        }
    }

    private static (string Sql, NpgsqlParameter[] Parameters) Statement(string sql, params NpgsqlParameter[] parameters) => (sql, parameters);

    private static NpgsqlParameter Parameter(object value) => new() { Value = value };

    private static NpgsqlParameter Array(IEnumerable<byte[]> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea };

    /// <inheritdoc/>
    /// <remarks>The file <c>ledger.tip</c> in the data folder (beside <see cref="LocalPath"/>), not a table: see the class remarks.</remarks>
    public LedgerTip? ReadRecordedTip() => LedgerTip.Read(_localPath);

    /// <inheritdoc/>
    public StoredBlock? ReadBlock(ulong height) => ReadBlocks(height, height).FirstOrDefault();

    /// <inheritdoc/>
    /// <remarks>
    /// One read-only REPEATABLE READ transaction (one snapshot for the whole stream, as SQLite's reader has), read
    /// <see cref="ChunkBlocks"/> blocks at a time with their transactions and receipts.
    /// </remarks>
    public IEnumerable<StoredBlock> ReadBlocks(ulong from = 0, ulong to = long.MaxValue, OrphanCounter? orphans = null)
    {
        var low = (long)Math.Min(from, long.MaxValue);
        var high = (long)Math.Min(to, long.MaxValue);
        if (low > high) yield break;
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
        for (var next = low; ;)
        {
            var blocks = new List<(long Height, byte[] Hash, byte[] Header)>();
            using (var command = new NpgsqlCommand("SELECT height, hash, header FROM blocks WHERE height BETWEEN $1 AND $2 ORDER BY height LIMIT $3", connection, transaction))
            {
                command.Parameters.Add(Parameter(next));
                command.Parameters.Add(Parameter(high));
                command.Parameters.Add(Parameter(ChunkBlocks));
                using var reader = command.ExecuteReader();
                while (reader.Read()) blocks.Add((reader.GetInt64(0), Bytes(reader, 1), Bytes(reader, 2)));
            }
            var full = blocks.Count == ChunkBlocks;
            var last = full ? blocks[^1].Height : high;
            var txs = new List<(long Height, StoredTransaction Tx)>();
            using (var command = new NpgsqlCommand("SELECT height, idx, tx_id, body FROM transactions WHERE height BETWEEN $1 AND $2 ORDER BY height, idx", connection, transaction))
            {
                command.Parameters.Add(Parameter(next));
                command.Parameters.Add(Parameter(last));
                using var reader = command.ExecuteReader();
                while (reader.Read()) txs.Add((reader.GetInt64(0), new StoredTransaction(reader.GetInt32(1), Bytes(reader, 2), Bytes(reader, 3))));
            }
            var receipts = new List<(long Height, byte[] Body)>();
            using (var command = new NpgsqlCommand("SELECT height, body FROM receipts WHERE height BETWEEN $1 AND $2 ORDER BY height, idx", connection, transaction))
            {
                command.Parameters.Add(Parameter(next));
                command.Parameters.Add(Parameter(last));
                using var reader = command.ExecuteReader();
                while (reader.Read()) receipts.Add((reader.GetInt64(0), Bytes(reader, 1)));
            }
            int t = 0, r = 0;
            foreach (var (height, hash, header) in blocks)
            {
                var storedTxs = new List<StoredTransaction>();
                for (; t < txs.Count && txs[t].Height <= height; t++)
                {
                    if (txs[t].Height < height) orphans?.Add();
                    else storedTxs.Add(txs[t].Tx);
                }
                var storedReceipts = new List<byte[]>();
                for (; r < receipts.Count && receipts[r].Height <= height; r++)
                {
                    if (receipts[r].Height < height) orphans?.Add();
                    else storedReceipts.Add(receipts[r].Body);
                }
                yield return new StoredBlock((ulong)height, hash, header, storedTxs, storedReceipts);
            }
            for (; t < txs.Count; t++) orphans?.Add();
            for (; r < receipts.Count; r++) orphans?.Add();
            if (!full || last >= high) yield break;
            next = last + 1;
        }
    }

    /// <inheritdoc/>
    /// <remarks>Keys are in the <c>"C"</c> collation (compared as UTF-8 bytes): the keys that start with a prefix are one range of the primary key.</remarks>
    public IEnumerable<KeyValuePair<string, byte[]>> ReadState(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        using var connection = _source.OpenConnection();
        // Bounded above: a reader disposed early still reads the rows a query selected, and a prefix's are usually few.
        var upper = KeyRange.UpperBound(prefix);
        using var command = new NpgsqlCommand(upper is null ? "SELECT key, value FROM state WHERE key >= $1 ORDER BY key" : "SELECT key, value FROM state WHERE key >= $1 AND key < $2 ORDER BY key", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = prefix, NpgsqlDbType = NpgsqlDbType.Text });
        if (upper is not null) command.Parameters.Add(new NpgsqlParameter { Value = upper, NpgsqlDbType = NpgsqlDbType.Text });
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = reader.GetString(0);
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) yield break;
            yield return new(key, Bytes(reader, 1));
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One connection of its own with a <c>REPEATABLE READ</c> transaction begun with a read of the tip height (which fixes its
    /// snapshot), held open until the view is disposed; both reads are one query over the state's primary key in it.
    /// </remarks>
    public IStateSnapshot OpenStateSnapshot() => new PostgresStateSnapshot(_source);

    private sealed class PostgresStateSnapshot : IStateSnapshot
    {
        private readonly Lock _lock = new();
        private readonly NpgsqlConnection _connection;
        private readonly NpgsqlTransaction _transaction;
        private bool _disposed;

        public PostgresStateSnapshot(NpgsqlDataSource source)
        {
            _connection = source.OpenConnection();
            try
            {
                _transaction = _connection.BeginTransaction(IsolationLevel.RepeatableRead);
                using var tip = new NpgsqlCommand("SELECT MAX(height) FROM blocks", _connection, _transaction);
                tip.ExecuteScalar();
            }
            catch
            {
                _connection.Dispose();
                throw;
            }
        }

        public IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll() => Read().ToList();

        public IReadOnlyList<KeyValuePair<string, byte[]>> ReadAll(Predicate<string> withoutValue)
        {
            ArgumentNullException.ThrowIfNull(withoutValue);
            lock (_lock) ObjectDisposedException.ThrowIf(_disposed, this);
            return Rows(withoutValue).ToList();
        }

        public IEnumerable<KeyValuePair<string, byte[]>> Read()
        {
            lock (_lock) ObjectDisposedException.ThrowIf(_disposed, this);
            return Rows(null);
        }

        private IEnumerable<KeyValuePair<string, byte[]>> Rows(Predicate<string>? withoutValue)
        {
            using var command = new NpgsqlCommand("SELECT key, value FROM state ORDER BY key", _connection, _transaction);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var key = reader.GetString(0);
                yield return new(key, withoutValue?.Invoke(key) == true ? [] : Bytes(reader, 1));
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                if (_disposed) return;
                _disposed = true;
            }
            _transaction.Dispose();
            _connection.Dispose();
        }
    }

    /// <inheritdoc/>
    public byte[]? ReadStateValue(string key) => Scalar("SELECT value FROM state WHERE key = $1", new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });

    /// <inheritdoc/>
    public byte[]? ReadBlob(Hash256 hash) => Scalar("SELECT data FROM blobs WHERE hash = $1", Parameter(hash.ToArray()));

    /// <inheritdoc/>
    /// <remarks>One query per 1,000 hashes (<c>hash = ANY($1)</c>) on one connection.</remarks>
    public byte[]?[] ReadBlobs(IReadOnlyList<Hash256> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var found = new byte[]?[hashes.Count];
        if (hashes.Count == 0) return found;
        var byHash = new Dictionary<Hash256, byte[]>();
        using var connection = _source.OpenConnection();
        foreach (var chunk in hashes.Distinct().Chunk(1000))
        {
            using var command = new NpgsqlCommand("SELECT hash, data FROM blobs WHERE hash = ANY($1)", connection);
            command.Parameters.Add(Array(chunk.Select(h => h.ToArray())));
            using var reader = command.ExecuteReader();
            while (reader.Read()) byHash[new Hash256(Bytes(reader, 0))] = Bytes(reader, 1);
        }
        for (var i = 0; i < hashes.Count; i++) found[i] = byHash.TryGetValue(hashes[i], out var data) ? (byte[])data.Clone() : null;
        return found;
    }

    /// <inheritdoc/>
    public IEnumerable<(byte[] Hash, byte[] Data, ulong Height)> ReadBlobs()
    {
        using var connection = _source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT hash, data, height FROM blobs ORDER BY hash", connection);
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return (Bytes(reader, 0), Bytes(reader, 1), (ulong)reader.GetInt64(2));
    }

    /// <inheritdoc/>
    public IEnumerable<(string Key, ulong Height)> ReadStateHeights()
    {
        using var connection = _source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT key, height FROM state ORDER BY key", connection);
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return (reader.GetString(0), (ulong)reader.GetInt64(1));
    }

    /// <inheritdoc/>
    public (string Key, ulong Height)? FirstStateFiledAfter(ulong height)
    {
        using var connection = _source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT key, height FROM state WHERE height > $1 ORDER BY key LIMIT 1", connection);
        command.Parameters.Add(Parameter((long)Math.Min(height, long.MaxValue)));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), (ulong)reader.GetInt64(1)) : null;
    }

    /// <inheritdoc/>
    public IReadOnlyList<(Hash256 Hash, byte[] Data)> ReadBlobsAt(ulong height, IEnumerable<Hash256> referenced)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        var list = new List<(Hash256 Hash, byte[] Data)>();
        var hashes = referenced.Distinct().ToList();
        if (hashes.Count == 0) return list;
        using var connection = _source.OpenConnection();
        // By the primary key: "WHERE height = $1" has no index to use and scanned every ciphertext stored.
        foreach (var chunk in hashes.Chunk(1000))
        {
            using var command = new NpgsqlCommand("SELECT hash, data FROM blobs WHERE hash = ANY($1) AND height = $2", connection);
            command.Parameters.Add(Array(chunk.Select(h => h.ToArray())));
            command.Parameters.Add(Parameter((long)Math.Min(height, long.MaxValue)));
            using var reader = command.ExecuteReader();
            while (reader.Read()) list.Add((new Hash256(Bytes(reader, 0)), Bytes(reader, 1)));
        }
        list.Sort((a, b) => a.Hash.CompareTo(b.Hash));
        return list;
    }

    /// <inheritdoc/>
    public CommittedTransaction? FindTransaction(Hash256 id)
    {
        using var connection = _source.OpenConnection();
        using var command = new NpgsqlCommand(
            "SELECT t.height, t.idx, r.body FROM transactions t JOIN receipts r ON r.height = t.height AND r.idx = t.idx WHERE t.tx_id = $1 LIMIT 1", connection);
        command.Parameters.Add(Parameter(id.ToArray()));
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return Receipt.TryDecode(Bytes(reader, 2), out var receipt, out _)
            ? new CommittedTransaction((ulong)reader.GetInt64(0), reader.GetInt32(1), receipt!)
            : null;
    }

    /// <inheritdoc/>
    public byte[]? ReadCertificate(ulong height) =>
        Scalar("SELECT certificate FROM commits WHERE height = $1", Parameter((long)Math.Min(height, long.MaxValue)));

    /// <inheritdoc/>
    public void SaveConsensusState(byte[] state) => Write(SaveConsensusStateSql, Parameter(state));

    private const string SaveConsensusStateSql = "INSERT INTO consensus(id, state) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET state = excluded.state";

    /// <inheritdoc/>
    public byte[]? ReadConsensusState() => Scalar("SELECT state FROM consensus WHERE id = 1");

    /// <inheritdoc/>
    public void SaveReceivedVotes(byte[] votes) =>
        Write("INSERT INTO received_votes(id, votes) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET votes = excluded.votes", Parameter(votes));

    /// <inheritdoc/>
    public byte[]? ReadReceivedVotes() => Scalar("SELECT votes FROM received_votes WHERE id = 1");

    /// <inheritdoc/>
    /// <remarks>
    /// One statement (its own transaction), in the order given; durable under <see cref="LedgerStoreOptions.DurableCommits"/>.
    /// On a writer connection and lock of their own, so it neither waits for nor holds up a block commit.
    /// </remarks>
    public void SavePendingDisclosures(IReadOnlyList<(Hash256 Id, byte[] Event)> disclosures)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        ArgumentNullException.ThrowIfNull(disclosures);
        if (disclosures.Count == 0) return;
        WriteDisclosures("INSERT INTO pending_disclosures(id, event) SELECT u.id, u.event FROM unnest($1::bytea[], $2::bytea[]) WITH ORDINALITY AS u(id, event, n) " +
              "ORDER BY u.n ON CONFLICT (id) DO NOTHING",
            Array(disclosures.Select(d => d.Id.ToArray())), Array(disclosures.Select(d => d.Event)));
    }

    /// <inheritdoc/>
    public IReadOnlyList<(Hash256 Id, byte[] Event)> ReadPendingDisclosures(int max, int skip = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        using var connection = _source.OpenConnection();
        using var command = new NpgsqlCommand("SELECT id, event FROM pending_disclosures ORDER BY seq LIMIT $1 OFFSET $2", connection);
        command.Parameters.Add(Parameter((long)max));
        command.Parameters.Add(Parameter((long)skip));
        using var reader = command.ExecuteReader();
        var list = new List<(Hash256, byte[])>();
        while (reader.Read())
        {
            var id = Bytes(reader, 0);
            if (id.Length != 32) throw new StoreCorruptException($"The {_description} holds a pending disclosure whose id is {id.Length} bytes, not 32.");
            list.Add((new Hash256(id), Bytes(reader, 1)));
        }
        return list;
    }

    /// <inheritdoc/>
    public long CountPendingDisclosures() => Count("SELECT COUNT(*) FROM pending_disclosures");

    /// <inheritdoc/>
    public void DeletePendingDisclosures(IReadOnlyCollection<Hash256> ids)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0) return;
        WriteDisclosures("DELETE FROM pending_disclosures WHERE id = ANY($1::bytea[])", Array(ids.Select(i => i.ToArray())));
    }

    /// <inheritdoc/>
    public long CountTransactions() => Count("SELECT COUNT(*) FROM transactions");

    /// <inheritdoc/>
    /// <remarks>
    /// Nothing to move: PostgreSQL keeps its own write-ahead log and checkpoints on its own. True while the store is open for
    /// writing (everything committed is in the server's durable storage); false when it is open read-only or disposed.
    /// </remarks>
    public bool Checkpoint()
    {
        lock (_writeLock) return !_readOnly && !_disposed;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed) return;
            _disposed = true;
            _writer?.Dispose();
            lock (_disclosureLock) _disclosureWriter?.Dispose();
            _source.Dispose();
        }
    }

    // One statement in its own transaction on the writer connection, serialised with commits; an upsert of one row, so it is
    // sent again, once, on a new connection when the writer connection had broken (a server restart since the last write).
    private void Write(string sql, params NpgsqlParameter[] parameters)
    {
        if (_readOnly) throw new InvalidOperationException("The store is open read-only.");
        lock (_writeLock)
        {
            for (var attempt = 0; ; attempt++)
            {
                var writer = Writer();
                try
                {
                    using var command = new NpgsqlCommand(sql, writer);
                    command.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
                    command.ExecuteNonQuery();
                    return;
                }
                catch (Exception e) when (e is NpgsqlException or IOException && writer.State != ConnectionState.Open && attempt == 0)
                {
                }
            }
        }
    }

    private byte[]? Scalar(string sql, params NpgsqlParameter[] parameters)
    {
        using var connection = _source.OpenConnection();
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        using var reader = command.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0) ? reader.GetFieldValue<byte[]>(0) : null;
    }

    private long Count(string sql)
    {
        using var connection = _source.OpenConnection();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static byte[] Bytes(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);
}
