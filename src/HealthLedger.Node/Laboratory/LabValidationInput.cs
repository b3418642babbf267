namespace HealthLedger.Node.Laboratory;

/// <summary>A pathologist's sign-off: an optional comment for the report.</summary>
public sealed class LabValidationInput
{
    /// <summary>Comment, at most 1,000 characters.</summary>
    public string? Notes { get; set; }
}
