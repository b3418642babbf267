namespace HealthLedger.Node.Pharmacy;

/// <summary>A prescription's content (PHI, sealed under the patient's medication category key).</summary>
public sealed record PrescriptionDetails
{
    /// <summary>The drug as prescribed ("Amoxicillin 500 mg capsule"), kept so the record reads alone.</summary>
    public string Drug { get; init; } = "";
    /// <summary>The drug's ATC code when known.</summary>
    public string AtcCode { get; init; } = "";
    /// <summary>Dose per administration, e.g. "500 mg".</summary>
    public string Dose { get; init; } = "";
    /// <summary>Route: one of <see cref="PrescriptionInput.Routes"/>.</summary>
    public string Route { get; init; } = "";
    /// <summary>How often, e.g. "three times a day".</summary>
    public string Frequency { get; init; } = "";
    /// <summary>Days of treatment.</summary>
    public int DurationDays { get; init; }
    /// <summary>Instructions for the patient.</summary>
    public string Instructions { get; init; } = "";
    /// <summary>The allergy warnings shown to the prescriber (empty when none).</summary>
    public IReadOnlyList<string> AllergyWarnings { get; init; } = [];
    /// <summary>Why the prescriber went ahead despite the warnings (required when there are any).</summary>
    public string OverrideReason { get; init; } = "";
}
