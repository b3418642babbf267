using HealthLedger.Node.Web;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A stock batch as the API shows it: expiry (yyyy-MM-dd, usable through that day), units received and on hand now.</summary>
public sealed record BatchResponse(string Id, string DrugId, string ExpiresOn, int Received, int OnHand, bool Expired, bool NearExpiry, string Supplier, string LotNumber,
    decimal? UnitCost, string Reference, string ReceivedBy, ProofResponse Proof)
{
    public static BatchResponse From(BatchStock s) => new(s.Batch.Id, s.Batch.DrugId, s.Batch.ExpiresOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        s.Batch.Received, s.OnHand, s.Expired, s.NearExpiry, s.Batch.Details.Supplier, s.Batch.Details.LotNumber, s.Batch.Details.UnitCost, s.Batch.Details.Reference,
        s.Batch.ReceivedBy, ProofResponse.From(s.Batch.Proof));
}
