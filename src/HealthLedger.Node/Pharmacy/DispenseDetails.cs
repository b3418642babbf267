namespace HealthLedger.Node.Pharmacy;

/// <summary>A dispensing record's content (PHI, sealed under the patient's medication category key).</summary>
public sealed record DispenseDetails
{
    /// <summary>The drug dispensed ("Amoxicillin 500 mg capsule").</summary>
    public string Drug { get; init; } = "";
    /// <summary>Units dispensed.</summary>
    public int Quantity { get; init; }
    /// <summary>Price per unit charged.</summary>
    public decimal UnitPrice { get; init; }
    /// <summary>Counselling or other notes by the pharmacist.</summary>
    public string Notes { get; init; } = "";
}
