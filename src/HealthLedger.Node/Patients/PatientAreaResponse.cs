namespace HealthLedger.Node.Patients;

/// <summary>A patient's area tag after a change: the patient id and the tag (a facility/site code), null when untagged.</summary>
public sealed record PatientAreaResponse(string PatientId, string? Area);
