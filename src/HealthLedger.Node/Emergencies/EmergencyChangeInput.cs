namespace HealthLedger.Node.Emergencies;

/// <summary><c>POST /api/v1/emergencies/{id}/extend</c>: the new end (ISO 8601), later than the current one.</summary>
public sealed class EmergencyChangeInput
{
    /// <summary>The new end.</summary>
    public DateTimeOffset? EndsAt { get; set; }
}
