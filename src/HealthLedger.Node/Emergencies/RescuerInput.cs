namespace HealthLedger.Node.Emergencies;

/// <summary><c>POST /api/v1/emergencies/rescuers</c>: an admin of the organisation registers a rescuer login.</summary>
public sealed class RescuerInput
{
    /// <summary>The rescuer's user id (login name).</summary>
    public string? UserId { get; set; }
}
