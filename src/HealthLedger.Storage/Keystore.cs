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

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();

    private Keystore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens or creates the keystore.</summary>
    public static Keystore Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS user_keys (
                user_id      TEXT PRIMARY KEY,
                sealed       BLOB NOT NULL,
                must_change  INTEGER NOT NULL
            ) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
        return new Keystore(connection);
    }

    /// <summary>The associated data that binds a sealed secret to its user.</summary>
    public static byte[] Context(string userId) => System.Text.Encoding.UTF8.GetBytes("HealthLedger/user-keys/v1/" + userId);

    /// <summary>Stores a user's sealed keys, or replaces them (password change or reset).</summary>
    public void Put(string userId, SealedSecret sealedKeys, bool mustChangePassword)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO user_keys(user_id, sealed, must_change) VALUES ($u, $s, $m) ON CONFLICT(user_id) DO UPDATE SET sealed = excluded.sealed, must_change = excluded.must_change";
            command.Parameters.AddWithValue("$u", userId);
            command.Parameters.AddWithValue("$s", sealedKeys.Encode());
            command.Parameters.AddWithValue("$m", mustChangePassword ? 1 : 0);
            command.ExecuteNonQuery();
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
