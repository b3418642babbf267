namespace HealthLedger.Node.Emergencies;

/// <summary>
/// A patient found by MRN and organisation through the blind index (exact match), before break-glass: the id and the
/// organisation only, no PHI.
/// </summary>
public sealed record PatientMatch(string PatientId, string OrganisationId);
