using HealthLedger.Node.Web;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A dispense as the API shows it: the batches taken from (first expiry first out unless one was named), the charge entry posted to the account.</summary>
public sealed record DispenseResponse(string Id, string PrescriptionId, string PatientId, string PharmacistId, string Drug, int Quantity, decimal UnitPrice, decimal Amount,
    IReadOnlyList<DispenseLineResponse> Lines, string ChargeEntryId, string Notes, ProofResponse Proof)
{
    public static DispenseResponse From(DispenseView d) => new(d.Id, d.PrescriptionId, d.PatientId, d.PharmacistId, d.Details.Drug, d.Quantity, d.Details.UnitPrice,
        d.Quantity * d.Details.UnitPrice, d.Lines.Select(l => new DispenseLineResponse(l.BatchId, l.Quantity)).ToList(), d.ChargeEntryId, d.Details.Notes, ProofResponse.From(d.Proof));
}
