namespace HealthLedger.Node.Ledger;

/// <summary>The data folder failed the start-up integrity check; the node refuses to run on it.</summary>
public sealed class LedgerIntegrityException(string message) : Exception(message);
