using HealthLedger.Core.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>A dispense as the read model holds it, with the batches the state machine took the units from.</summary>
public sealed record DispenseView(string Id, string PrescriptionId, string PatientId, string PharmacistId, IReadOnlyList<DispenseLine> Lines, string ChargeEntryId,
    DispenseDetails Details, RecordProof Proof)
{
    /// <summary>Units dispensed.</summary>
    public int Quantity => Lines.Sum(l => l.Quantity);
}
