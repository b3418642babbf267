namespace HealthLedger.Node.Audit;

/// <summary>A new auditor: their user id (login name; lower case letters, digits and '-', '.', '_').</summary>
public sealed class AuditorInput
{
    /// <summary>The auditor's user id (required).</summary>
    public string? AuditorId { get; set; }
}
