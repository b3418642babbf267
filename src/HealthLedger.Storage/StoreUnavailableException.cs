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

    /// <summary>
    /// Whether <paramref name="error"/> is the ledger's database being out of reach for a while rather than refusing this
    /// write: a connection that could not be made or broke (a server restart, a failover, a network cut), a server shutting
    /// down or starting up (SQLSTATE 57P01, 57P02, 57P03), one short of resources or connections (class 53), or any other error
    /// Npgsql marks transient (<c>NpgsqlException.IsTransient</c>); for SQLite, a database another process keeps locked past
    /// the busy timeout (<c>SQLITE_BUSY</c>, <c>SQLITE_LOCKED</c>). A block commit that meets one is tried again while it lasts
    /// (ConsensusHost); a missing table, a broken constraint or a full local disk are not outages.
    /// See https://www.postgresql.org/docs/current/errcodes-appendix.html.
    /// </summary>
    public static bool IsOutage(Exception? error) => error switch
    {
        Npgsql.PostgresException p => p.IsTransient || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal),
        Npgsql.NpgsqlException => true, // raised by the client itself: the connection could not be made, broke or timed out
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteErrorCode is SqliteFileProblem.Busy or SqliteFileProblem.Locked,
        StoreUnavailableException u => u.InnerException is not null && IsOutage(u.InnerException),
        _ => false,
    };
}
