namespace HealthLedger.Node.Emergencies;

/// <summary><c>POST /api/v1/break-glass/{patientId}/{accessId}/review</c>: <c>reviewed</c> or <c>misuse</c>.</summary>
public sealed class BreakGlassReviewInput
{
    /// <summary>reviewed or misuse.</summary>
    public string? Decision { get; set; }
}
