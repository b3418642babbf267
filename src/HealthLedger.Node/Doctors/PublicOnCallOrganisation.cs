namespace HealthLedger.Node.Doctors;

/// <summary>
/// One member organisation in the public emergency directory (<c>GET /api/v1/public/on-call</c>): its id, name, type
/// (hospital, clinic…), its switchboard contact (the organisation's contact on the chain, an institution's, not PHI), and its
/// doctors on call now grouped by specialty (specialties and names in alphabetical order).
/// </summary>
public sealed record PublicOnCallOrganisation(string OrganisationId, string Name, string Type, string Switchboard,
    IReadOnlyDictionary<string, IReadOnlyList<PublicOnCallDoctor>> Specialties);
