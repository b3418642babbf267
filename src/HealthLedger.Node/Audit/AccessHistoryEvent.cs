namespace HealthLedger.Node.Audit;

/// <summary>
/// One event of a patient's access history: a read of their data (or a refused attempt), or a change of who may read it
/// (a grant, a revocation, an access request approved or declined, a break-glass access).
/// </summary>
/// <param name="Kind">read, refused, grant, revocation, request-approved, request-declined or break-glass (<see cref="AccessHistoryKinds"/>).</param>
/// <param name="Label">The kind in words ("read", "refused attempt", "access granted", …).</param>
/// <param name="PersonId">Whom the event is about: the reader, the grantee (a doctor or an organisation), the asking doctor, the rescuer.</param>
/// <param name="PersonName">Their name from the doctor directory or the organisation's name; their id when this node knows no name.</param>
/// <param name="PersonRole">doctor, admin, rescuer, … or organisation for an organisation grantee.</param>
/// <param name="OrganisationId">The person's organisation (the organisation itself for an organisation grantee), or null when unknown.</param>
/// <param name="OrganisationName">That organisation's name, or its id.</param>
/// <param name="ByUserId">Who acted: the reader, or the patient for a grant, revocation or answer.</param>
/// <param name="Categories">The consent categories concerned (demographics, encounters, account, reports, laboratory, medication; emergency, whole-record, other for reads that are not one category).</param>
/// <param name="Resource">What was read ("report rp-…", "lab orders", …) or the grant/request/access id.</param>
/// <param name="Purpose">Why (the disclosure's purpose; the reason of a break-glass access; empty for consent changes).</param>
/// <param name="Outcome">allowed or denied for reads; the kind for consent changes.</param>
/// <param name="At">When (a read: the serving node's clock; a consent change: its block's time).</param>
/// <param name="Height">The block that holds it, or null when the state does not say (a revocation).</param>
/// <param name="ExpiresAt">
/// When the access a grant or an approved request gave ends (an instant, UTC), or null: no expiry, or not an event that grants.
/// The resource text says it too, in the hospital's format for people; this is the value for programs.
/// </param>
public sealed record AccessHistoryEvent(string Kind, string Label, string PersonId, string PersonName, string PersonRole, string? OrganisationId, string? OrganisationName,
    string ByUserId, IReadOnlyList<string> Categories, string Resource, string Purpose, string Outcome, DateTimeOffset At, ulong? Height, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>True for a consent change (not a read or a refused read).</summary>
    public bool IsConsentChange => Kind is not (AccessHistoryKinds.Read or AccessHistoryKinds.Refused);
}
