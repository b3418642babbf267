namespace HealthLedger.Node.Emergencies;

/// <summary>A registered rescuer login with its one-time password (shown once; it must be changed at first login).</summary>
public sealed record RescuerResponse(string UserId, string OrganisationId, string OneTimePassword);
