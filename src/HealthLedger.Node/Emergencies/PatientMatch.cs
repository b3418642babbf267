namespace HealthLedger.Node.Emergencies;

/// <summary>
/// Patients found by MRN, or by full name and date of birth, at an organisation through its blind index (exact match),
/// before break-glass: ids and the organisation only, no PHI.
/// </summary>
/// <param name="PatientId">The patient when exactly one matches (always for an MRN); null when several share the name and date of birth.</param>
/// <param name="OrganisationId">Their organisation (the custodian).</param>
/// <param name="PatientIds">Every match, in id order (one or more).</param>
public sealed record PatientMatch(string? PatientId, string OrganisationId, IReadOnlyList<string> PatientIds);
