namespace HealthLedger.Node.Pharmacy;

/// <summary>A prescription with what was dispensed so far (from the state), what remains and each dispense.</summary>
public sealed record PrescriptionStatus(PrescriptionView Prescription, string PatientName, int Dispensed, int Supplies, IReadOnlyList<DispenseView> Dispenses)
{
    /// <summary>Units that may still be dispensed (repeats included).</summary>
    public int Remaining => Prescription.Authorised - Dispensed;
}
