namespace HealthLedger.Node.Records;

/// <summary>What a write produced: the record and where the ledger holds it.</summary>
/// <param name="Id">The record's id.</param>
/// <param name="TransactionId">The committed transaction's id (hex).</param>
/// <param name="Height">The block that holds it.</param>
/// <param name="OneTimePassword">A new login's one-time password (registrations and resets only; shown once).</param>
public sealed record WriteResult(string Id, string TransactionId, ulong Height, string? OneTimePassword = null);
