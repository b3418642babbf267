namespace HealthLedger.Storage;

/// <summary>
/// The ledger's database server cannot be used: unreachable, refused the login, no such database, or a connection string that
/// does not parse. The message names the server, database and user, never the password.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>
    /// Whether <paramref name="error"/> is the ledger's database failing (not its data): a PostgreSQL error or an unreachable
    /// server (<c>NpgsqlException</c>), a SQLite error (<c>SqliteException</c>), or a <see cref="StoreUnavailableException"/>.
    /// A request that meets one is answered 503, and an integrity sweep that meets one records no damage.
    /// </summary>
    public static bool IsDatabaseFailure(Exception? error) =>
        error is Npgsql.NpgsqlException or Microsoft.Data.Sqlite.SqliteException or StoreUnavailableException;
}
