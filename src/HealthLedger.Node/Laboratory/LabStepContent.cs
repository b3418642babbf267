namespace HealthLedger.Node.Laboratory;

/// <summary>
/// The sealed content of one step of a lab order (PHI, only ever stored encrypted; record = the order id, version = the
/// step). Which fields apply depends on the step: the order (tests, priority, clinical note), the specimen (notes), results
/// (values, amendment reason), validation (the report lines with flags as signed, the priced lines, comment).
/// </summary>
public sealed record LabStepContent
{
    /// <summary>When the step happened (UTC).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Order: the ordered codes (tests or panels).</summary>
    public IReadOnlyList<string> Tests { get; init; } = [];

    /// <summary>Order: <c>routine</c> or <c>urgent</c>.</summary>
    public string Priority { get; init; } = "";

    /// <summary>Order: the clinical note for the laboratory.</summary>
    public string ClinicalNote { get; init; } = "";

    /// <summary>Results: the values entered.</summary>
    public IReadOnlyList<LabResultValue> Results { get; init; } = [];

    /// <summary>Results after sign-off: why they were amended.</summary>
    public string AmendmentReason { get; init; } = "";

    /// <summary>Validation: the report as signed (values, ranges, flags).</summary>
    public IReadOnlyList<LabReportLine> Report { get; init; } = [];

    /// <summary>
    /// Validation: what the laboratory charges for the order (one line per ordered code, priced from its catalogue). The
    /// patient's organisation bills the patient from the first validation's lines when the laboratory is another
    /// organisation's (<see cref="LabChargePoster"/>); empty in validations written before these lines existed.
    /// </summary>
    public IReadOnlyList<LabChargeLine> Charges { get; init; } = [];

    /// <summary>Specimen notes, results comment or the pathologist's comment.</summary>
    public string Notes { get; init; } = "";
}
