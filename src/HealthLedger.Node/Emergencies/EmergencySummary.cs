namespace HealthLedger.Node.Emergencies;

/// <summary>
/// The emergency summary a break-glass read returns: who (name, date of birth, MRN), blood group, allergies, conditions,
/// emergency contact (all from the sealed demographics), and current medication, newest first: the pharmacy's structured
/// prescriptions whose course has not run out ("Amoxicillin 500 mg capsule: 500 mg oral three times a day, 7 days") when the
/// access covers medication, the prescription reports ("drug dose route frequency, for duration") when it covers reports; null
/// when it covers neither. With the access it was read under.
/// </summary>
public sealed record EmergencySummary(string PatientId, string OrganisationId, string FullName, DateOnly DateOfBirth, string Mrn, string BloodGroup,
    string Allergies, IReadOnlyList<string> Conditions, string EmergencyContact, IReadOnlyList<string>? CurrentMedication, string AccessId, DateTimeOffset AccessExpiresAt);
