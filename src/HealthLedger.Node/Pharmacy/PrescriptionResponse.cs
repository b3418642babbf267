using HealthLedger.Node.Web;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A prescription as the API shows it, with what was dispensed (authorised = quantity × (1 + repeats); remaining = authorised − dispensed).</summary>
public sealed record PrescriptionResponse(string Id, string PatientId, string PatientName, string DoctorId, string PharmacyId, string DrugId, string Drug, string AtcCode,
    string Dose, string Route, string Frequency, int DurationDays, int Quantity, int Repeats, int Authorised, int Dispensed, int Remaining, string Instructions,
    IReadOnlyList<string> AllergyWarnings, string OverrideReason, IReadOnlyList<DispenseResponse> Dispenses, ProofResponse Proof)
{
    public static PrescriptionResponse From(PrescriptionStatus s)
    {
        var rx = s.Prescription;
        var d = rx.Details;
        return new(rx.Id, rx.PatientId, s.PatientName, rx.DoctorId, rx.PharmacyId, rx.DrugId, d.Drug, d.AtcCode, d.Dose, d.Route, d.Frequency, d.DurationDays, rx.Quantity,
            rx.Repeats, rx.Authorised, s.Dispensed, s.Remaining, d.Instructions, d.AllergyWarnings, d.OverrideReason, s.Dispenses.Select(DispenseResponse.From).ToList(),
            ProofResponse.From(rx.Proof));
    }
}
