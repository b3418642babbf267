using HealthLedger.Core.Crypto;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Storage;

/// <summary>
/// Users' private keys, each sealed by the user's own password (<see cref="PasswordSealing"/>), in
/// <c>keystore.db</c> beside the ledger. The node never holds a user's keys in clear except for a logged-in session.
/// This file is the node's own and is not part of the replicated ledger.
/// </summary>
public sealed class Keystore : IDisposable
{
    /// <summary>The file name inside a data folder.</summary>
    public const string FileName = "keystore.db";

    /// <summary>The option of <c>up</c> and <c>node</c> that makes a new, empty keystore in place of a missing one.</summary>
    public const string MissingKeystoreOption = "--new-keystore";

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private Keystore(SqliteConnection connection) => _connection = connection;

    /// <summary>
    /// Opens or creates the keystore (owner-only, with its -wal and -shm files). A file that is there must be a readable SQLite
    /// keystore: one that is empty, not a regular file (a FIFO, a device, a folder) or damaged is refused, never replaced by a new
    /// empty keystore (which would lose every login of this node without a word).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="create">Whether a missing file is made (a new node: <c>init</c>, <c>join</c>); false for a node that already
    /// has one, whose missing file would otherwise be replaced by an empty one, losing every login not on the chain (a single
    /// node's first admin: the only admin) without a word.</param>
    /// <exception cref="StoreCorruptException">The file is there but empty, not a regular file, or not a readable SQLite file;
    /// or it is missing and <paramref name="create"/> is false. The message names it, what it holds and what to do.</exception>
    public static Keystore Open(string path, bool create = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        var what = $"{path} (this node's logins: each user's keys, sealed by their password)";
        if (!create && !File.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            throw new StoreCorruptException($"{what} is missing: without it this node's first admin, and every login of this node not " +
                "on the chain, cannot log in. Restore it from a backup of the data folder (a node made by 'init --nodes' or 'join' also has " +
                "the copy made then in key-backups/). Only to start with a new, empty keystore instead (users whose login is on the chain — " +
                $"registered, or whose password was changed, at any node of the organisation — still log in), start once with {MissingKeystoreOption}.");
        }
        if (RegularFile.StandsInTheWay(path))
        {
            throw new StoreCorruptException($"{what} was not opened: {RegularFile.WhyNotOpened(path)}. Restore it from a backup of the data folder " +
                "(only on a new node that never had a login: delete it and start again).");
        }
        SqliteConnection? connection = null;
        try
        {
            OwnerOnly.PrepareDatabaseFile(path);
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            connection.Open();
            SqliteFileProblem.RequireWritable(connection);
            SqliteFileProblem.RequireOwnTable(connection, what, "user_keys", "a keystore");
            OwnerOnly.TightenDatabaseFiles(path);
            Prepare(connection);
            return new Keystore(connection);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            throw new StoreCorruptException((e is SqliteException sqlite ? SqliteFileProblem.Access(what, path, sqlite) : null)
                ?? $"{what} is not a readable SQLite file: {e.Message} Restore it from a backup of the data folder.");
        }
    }

    // The table, made when missing, and the columns added since (the file's own settings: WAL, full fsync).
    private static void Prepare(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS user_keys (
                user_id      TEXT PRIMARY KEY,
                sealed       BLOB NOT NULL,
                must_change  INTEGER NOT NULL,
                escrow       BLOB,
                failures     INTEGER NOT NULL DEFAULT 0,
                locked_until INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
        // The login version (issue 13 item 7: the newest of this copy and the chain's replicated one wins); added to older files.
        command.CommandText = "SELECT count(*) FROM pragma_table_info('user_keys') WHERE name = 'version'";
        if ((long)command.ExecuteScalar()! == 0)
        {
            command.CommandText = "ALTER TABLE user_keys ADD COLUMN version INTEGER NOT NULL DEFAULT 0";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>The associated data that binds a sealed secret to its user.</summary>
    public static byte[] Context(string userId) => System.Text.Encoding.UTF8.GetBytes("HealthLedger/user-keys/v1/" + userId);

    /// <summary>
    /// Stores a user's sealed keys, or replaces them (password change or reset), clearing failed attempts.
    /// <paramref name="escrow"/> (the keys sealed to the organisation, for password resets) is kept when null.
    /// <paramref name="version"/> is the login's version (1 at registration, + 1 at each change or reset), the one the node
    /// publishes on the chain so the organisation's other nodes see the same login.
    /// </summary>
    public void Put(string userId, SealedSecret sealedKeys, bool mustChangePassword, byte[]? escrow = null, ulong version = 0) =>
        Execute("""
            INSERT INTO user_keys(user_id, sealed, must_change, escrow, version) VALUES ($u, $s, $m, $e, $v)
            ON CONFLICT(user_id) DO UPDATE SET sealed = excluded.sealed, must_change = excluded.must_change,
                escrow = coalesce(excluded.escrow, user_keys.escrow), version = excluded.version, failures = 0, locked_until = 0
            """, ("$u", userId), ("$s", sealedKeys.Encode()), ("$m", mustChangePassword ? 1 : 0), ("$e", (object?)escrow ?? DBNull.Value), ("$v", (long)version));

    /// <summary>The login version stored here (0 when none or written before versions).</summary>
    public ulong Version(string userId) => Scalar("SELECT version FROM user_keys WHERE user_id = $u", userId) is long v ? (ulong)v : 0;

    /// <summary>Removes a user's entry (a registration that did not commit).</summary>
    public void Remove(string userId) => Execute("DELETE FROM user_keys WHERE user_id = $u", ("$u", userId));

    /// <summary>The keys sealed to the organisation, or null.</summary>
    public byte[]? GetEscrow(string userId) => Scalar("SELECT escrow FROM user_keys WHERE user_id = $u", userId) as byte[];

    /// <summary>The time (Unix ms) until which the user is locked out, or 0.</summary>
    public long LockedUntil(string userId) => Scalar("SELECT locked_until FROM user_keys WHERE user_id = $u", userId) is long until ? until : 0;

    /// <summary>
    /// Counts a failed login; at <paramref name="threshold"/> consecutive failures the user is locked until
    /// <paramref name="lockUntil"/> and the count starts again. Returns the lock time, or 0.
    /// </summary>
    public long RecordFailure(string userId, int threshold, long lockUntil)
    {
        Execute("""
            UPDATE user_keys SET failures = failures + 1 WHERE user_id = $u;
            UPDATE user_keys SET locked_until = $l, failures = 0 WHERE user_id = $u AND failures >= $t;
            """, ("$u", userId), ("$t", threshold), ("$l", lockUntil));
        return LockedUntil(userId);
    }

    /// <summary>Clears failed attempts after a successful login.</summary>
    public void ClearFailures(string userId) => Execute("UPDATE user_keys SET failures = 0, locked_until = 0 WHERE user_id = $u", ("$u", userId));

    /// <summary>
    /// Its writes under way: a write that does not return (the disk frozen or failing) holds the keystore's lock, and every sign-in
    /// waits behind it, so the node's <c>/healthz</c> answers 503 once one has not returned for a while.
    /// </summary>
    public WriteWatch Writes { get; } = new();

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        lock (_lock)
        {
            using var underWay = Writes.Begin();
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException e)
            {
                // The node's disk refusing the write (full, read-only, failing): the keystore's, said so (not the ledger's).
                throw new KeystoreFailureException(e);
            }
        }
    }

    private object? Scalar(string sql, string userId)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$u", userId);
            return command.ExecuteScalar();
        }
    }

    /// <summary>The ids of every user with a login in this keystore, in id order.</summary>
    public IReadOnlyList<string> UserIds()
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT user_id FROM user_keys ORDER BY user_id";
            using var reader = command.ExecuteReader();
            var ids = new List<string>();
            while (reader.Read()) ids.Add(reader.GetString(0));
            return ids;
        }
    }

    /// <summary>A user's sealed keys, or null when the user has none here.</summary>
    public (SealedSecret Keys, bool MustChangePassword)? Get(string userId)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT sealed, must_change FROM user_keys WHERE user_id = $u";
            command.Parameters.AddWithValue("$u", userId);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            if (!SealedSecret.TryDecode(reader.GetFieldValue<byte[]>(0), out var sealedKeys))
            {
                throw new StoreCorruptException($"The keystore entry of user '{userId}' is damaged.");
            }
            return (sealedKeys!, reader.GetInt64(1) != 0);
        }
    }

    /// <summary>Unseals a user's keys with their password; null when the password is wrong or the user unknown.</summary>
    public UserKeys? Unseal(string userId, string password)
    {
        if (Get(userId) is not { } entry) return null;
        if (!PasswordSealing.TryOpen(password, entry.Keys, Context(userId), out var secret)) return null;
        try
        {
            return UserKeys.FromSecret(secret);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();
}
