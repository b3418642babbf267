namespace HealthLedger.Storage;

/// <summary>The store is not a HealthLedger ledger, or is of a schema version this code does not know.</summary>
public sealed class StoreCorruptException(string message) : Exception(message);
