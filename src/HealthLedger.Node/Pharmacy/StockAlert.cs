namespace HealthLedger.Node.Pharmacy;

/// <summary>A stock alert: <c>low-stock</c> (a drug at or below its reorder level), <c>near-expiry</c> or <c>expired</c> (a batch with units on hand).</summary>
public sealed record StockAlert(string Kind, string DrugId, string Drug, string BatchId, string Message);
