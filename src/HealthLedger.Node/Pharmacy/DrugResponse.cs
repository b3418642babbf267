using HealthLedger.Node.Web;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A formulary drug with its stock as the API shows it (available = on hand in batches not expired; lowStock = available ≤ reorderLevel).</summary>
public sealed record DrugResponse(string Id, int Version, string Name, string Strength, string Form, string AtcCode, decimal UnitPrice, int ReorderLevel,
    int OnHand, int Available, bool LowStock, IReadOnlyList<BatchResponse> Batches, ProofResponse Proof)
{
    public static DrugResponse From(StockLevel s) => new(s.Drug.Id, s.Drug.Version, s.Drug.Details.Name, s.Drug.Details.Strength, s.Drug.Details.Form, s.Drug.Details.AtcCode,
        s.Drug.Details.UnitPrice, s.Drug.Details.ReorderLevel, s.OnHand, s.Available, s.LowStock, s.Batches.Select(BatchResponse.From).ToList(), ProofResponse.From(s.Drug.Proof));
}
