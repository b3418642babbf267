namespace HealthLedger.Node.Laboratory;

/// <summary>A doctor's lab order: the patient, one or more catalogue codes (tests or panels), priority and a clinical note.</summary>
public sealed class LabOrderInput
{
    /// <summary>The patient's id.</summary>
    public string? PatientId { get; set; }

    /// <summary>Codes of the laboratory's catalogue (tests or panels), at least one, at most 30, no repeats.</summary>
    public List<string>? Tests { get; set; }

    /// <summary><c>routine</c> (default) or <c>urgent</c>.</summary>
    public string? Priority { get; set; }

    /// <summary>Clinical note for the laboratory, at most 2,000 characters.</summary>
    public string? ClinicalNote { get; set; }

    /// <summary>The laboratory's organisation: empty for the patient's own organisation's laboratory.</summary>
    public string? LaboratoryId { get; set; }
}
