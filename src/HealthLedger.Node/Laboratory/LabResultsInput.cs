namespace HealthLedger.Node.Laboratory;

/// <summary>
/// Results of a lab order: one value per ordered test, in the catalogue's unit and inside its possible range; an amendment
/// after sign-off needs a reason.
/// </summary>
public sealed class LabResultsInput
{
    /// <summary>The values (every ordered test once).</summary>
    public List<LabResultValue>? Results { get; set; }

    /// <summary>Comment, at most 1,000 characters.</summary>
    public string? Notes { get; set; }

    /// <summary>Why validated results are amended (required then, at most 500 characters).</summary>
    public string? AmendmentReason { get; set; }
}
