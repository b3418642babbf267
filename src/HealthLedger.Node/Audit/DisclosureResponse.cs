namespace HealthLedger.Node.Audit;

/// <summary>
/// One disclosure event as the API shows it: who read what of whose record, why, allowed or denied, when, and the block that
/// holds it. The patient's disclosure list (<c>GET /api/v1/patients/{id}/disclosures</c>) also names the reader:
/// <paramref name="Kind"/> (read or refused), <paramref name="ActorName"/> (the doctor directory's name, else the id),
/// <paramref name="OrganisationId"/> and <paramref name="OrganisationName"/> of the reader, and the <paramref name="Category"/>
/// the read concerns (<see cref="AccessHistoryService.CategoryOf"/>); the audit trail leaves them null.
/// </summary>
public sealed record DisclosureResponse(string ActorId, string ActorRole, string PatientId, string Resource, string Purpose, string Outcome, DateTimeOffset At, ulong Height,
    string? Kind = null, string? ActorName = null, string? OrganisationId = null, string? OrganisationName = null, string? Category = null)
{
    public static DisclosureResponse From(DisclosureView d) => new(d.Event.ActorId, d.Event.ActorRole, d.Event.PatientId, d.Event.Resource, d.Event.Purpose,
        d.Event.Allowed ? "allowed" : "denied", DateTimeOffset.FromUnixTimeMilliseconds((long)d.Event.At), d.Height);

    /// <summary>A disclosure with its named reader (<see cref="AccessHistoryService.Disclosures"/>).</summary>
    public static DisclosureResponse From(DisclosureView d, AccessHistoryEvent named) => From(d) with
    {
        Kind = named.Kind,
        ActorName = named.PersonName,
        OrganisationId = named.OrganisationId,
        OrganisationName = named.OrganisationName,
        Category = named.Categories.Count > 0 ? named.Categories[0] : null,
    };
}
