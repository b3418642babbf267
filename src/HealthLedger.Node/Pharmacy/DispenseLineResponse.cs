namespace HealthLedger.Node.Pharmacy;

/// <summary>Units a dispense took from one batch.</summary>
public sealed record DispenseLineResponse(string BatchId, int Quantity);
