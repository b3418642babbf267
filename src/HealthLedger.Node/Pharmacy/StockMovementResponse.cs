using HealthLedger.Node.Web;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A stock movement line: kind receipt (quantity &gt; 0) or dispense (quantity &lt; 0), the batch, who, and the block.</summary>
public sealed record StockMovementResponse(string Kind, string ReferenceId, string DrugId, string Drug, string BatchId, int Quantity, string UserId, ProofResponse Proof)
{
    public static StockMovementResponse From(StockMovement m) => new(m.Kind, m.ReferenceId, m.DrugId, m.Drug, m.BatchId, m.Quantity, m.UserId, ProofResponse.From(m.Proof));
}
