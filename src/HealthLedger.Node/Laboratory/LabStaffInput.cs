namespace HealthLedger.Node.Laboratory;

/// <summary>An admin registers laboratory staff: a user id and the role (<c>lab-technician</c> or <c>pathologist</c>).</summary>
public sealed class LabStaffInput
{
    /// <summary>The new login's id.</summary>
    public string? UserId { get; set; }

    /// <summary><c>lab-technician</c> or <c>pathologist</c>.</summary>
    public string? Role { get; set; }
}
