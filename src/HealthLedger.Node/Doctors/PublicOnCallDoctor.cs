namespace HealthLedger.Node.Doctors;

/// <summary>
/// A doctor on call now as the public emergency directory shows it: name, specialty and department only — never the
/// doctor's phone, e-mail or licence number (reach them through the organisation's switchboard).
/// </summary>
public sealed record PublicOnCallDoctor(string Name, string Specialty, string Department);
