namespace HealthLedger.Node.Patients;

/// <summary>Request body of <c>PUT /api/v1/patients/{id}/area</c>: the area tag (a facility/site code), empty or null to untag.</summary>
public sealed class PatientAreaInput
{
    public string? Area { get; set; }
}
