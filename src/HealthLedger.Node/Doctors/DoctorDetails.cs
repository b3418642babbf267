namespace HealthLedger.Node.Doctors;

/// <summary>A doctor's directory entry (kept encrypted like every record; readable by all users of the organisation).</summary>
public sealed record DoctorDetails
{
    public string Name { get; init; } = "";
    public string Specialty { get; init; } = "";
    public string Department { get; init; } = "";
    public string Qualification { get; init; } = "";
    public string LicenceNumber { get; init; } = "";
    public string Phone { get; init; } = "";
    public string Email { get; init; } = "";
    public string ConsultationHours { get; init; } = "";
    public bool OnCall { get; init; }
}
