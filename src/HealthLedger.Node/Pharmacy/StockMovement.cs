using HealthLedger.Core.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>One line of the stock movement report: a receipt (units in, positive) or a dispense (units out, negative) of one batch.</summary>
public sealed record StockMovement(string Kind, string ReferenceId, string DrugId, string Drug, string BatchId, int Quantity, string UserId, RecordProof Proof);
