namespace HealthLedger.Node.Emergencies;

/// <summary>
/// The emergency summary a break-glass read returns: who (name, date of birth, MRN), blood group, allergies, conditions,
/// emergency contact (all from the sealed demographics), and current medication (the patient's prescriptions on record,
/// newest first, "drug dose route frequency, for duration", when the access covers reports; null otherwise), with the access
/// it was read under.
/// </summary>
public sealed record EmergencySummary(string PatientId, string OrganisationId, string FullName, DateOnly DateOfBirth, string Mrn, string BloodGroup,
    string Allergies, IReadOnlyList<string> Conditions, string EmergencyContact, IReadOnlyList<string>? CurrentMedication, string AccessId, DateTimeOffset AccessExpiresAt);
