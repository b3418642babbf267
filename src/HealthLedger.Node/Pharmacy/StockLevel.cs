namespace HealthLedger.Node.Pharmacy;

/// <summary>
/// A formulary drug with its stock now: units on hand in all batches, units available (on hand in batches not expired),
/// the low-stock flag (available at or below the reorder level) and each batch.
/// </summary>
public sealed record StockLevel(DrugView Drug, int OnHand, int Available, bool LowStock, IReadOnlyList<BatchStock> Batches);
