namespace HealthLedger.Node.Pharmacy;

/// <summary>A formulary drug's details (organisation data, sealed for the organisation).</summary>
public sealed record DrugDetails
{
    /// <summary>Generic name, e.g. "Amoxicillin".</summary>
    public string Name { get; init; } = "";
    /// <summary>Strength, e.g. "500 mg".</summary>
    public string Strength { get; init; } = "";
    /// <summary>Dose form: one of <see cref="DrugInput.Forms"/>.</summary>
    public string Form { get; init; } = "";
    /// <summary>WHO ATC code (e.g. J01CA04), or empty when not known.</summary>
    public string AtcCode { get; init; } = "";
    /// <summary>Price charged per unit dispensed, in the hospital's currency.</summary>
    public decimal UnitPrice { get; init; }
    /// <summary>Low-stock alert at or below this many units available.</summary>
    public int ReorderLevel { get; init; }

    /// <summary>"Amoxicillin 500 mg capsule".</summary>
    public string Label => $"{Name} {Strength} {Form}".Trim();
}
