namespace HealthLedger.Storage;

/// <summary>
/// The node's keystore (<c>keystore.db</c>: each user's keys, sealed by their password) could not be written — the disk full,
/// read-only or failing. Not the ledger's database, which a request that meets this may never have touched: a request is
/// answered 503 "Login store unavailable" with <c>Retry-After</c> and the log names the cause (event 1027). The message names the
/// file and SQLite's error, never a user's keys.
/// </summary>
public sealed class KeystoreFailureException(Exception inner)
    : Exception($"The keystore ({Keystore.FileName}) could not be written: {inner?.Message}", inner);
