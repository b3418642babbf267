namespace HealthLedger.Storage;

/// <summary>
/// The ledger's database server cannot be used: unreachable, refused the login, no such database, or a connection string that
/// does not parse. The message names the server, database and user, never the password.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : IOException(message, inner);
