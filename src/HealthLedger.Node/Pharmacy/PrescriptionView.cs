using HealthLedger.Core.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A prescription as the read model holds it; what was dispensed is read from the state.</summary>
public sealed record PrescriptionView(string Id, string PatientId, string DoctorId, string PharmacyId, string DrugId, int Quantity, int Repeats,
    PrescriptionDetails Details, RecordProof Proof)
{
    /// <summary>Units that may be dispensed in all: quantity × (1 + repeats).</summary>
    public int Authorised => Quantity * (1 + Repeats);
}
