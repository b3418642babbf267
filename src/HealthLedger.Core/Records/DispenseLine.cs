namespace HealthLedger.Core.Records;

/// <summary>Units taken from one stock batch by a dispense.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="Quantity">Units taken (≥ 1).</param>
public sealed record DispenseLine(string BatchId, int Quantity);
