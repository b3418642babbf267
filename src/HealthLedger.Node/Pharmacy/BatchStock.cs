namespace HealthLedger.Node.Pharmacy;

/// <summary>A batch with its quantity on hand now, whether it has expired and whether it expires within the alert window.</summary>
public sealed record BatchStock(BatchView Batch, int OnHand, bool Expired, bool NearExpiry);
