using HealthLedger.Node.Records;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Consent;

/// <summary>
/// An access request as the API shows it. <c>Status</c>: pending, approved, declined or expired. <c>Reason</c> is opened
/// for the viewer (the patient or the doctor) only. Times are block times; <c>DurationDays</c> counts from the approval.
/// <c>ReplacesGrant</c> (a pending request, to its patient): the grant to the same doctor in force now, which approving
/// replaces with the requested categories and days (possibly fewer than now); null when there is none.
/// </summary>
public sealed record AccessRequestResponse(string Id, string PatientId, string DoctorId, string DoctorName, string Specialty, string OrganisationId,
    string OrganisationName, IReadOnlyList<string> Categories, int DurationDays, string? Reason, string Status, DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt, DateTimeOffset? AnsweredAt, string? GrantId, ProofResponse Proof, ReplacedGrantResponse? ReplacesGrant)
{
    /// <summary>Maps a view.</summary>
    public static AccessRequestResponse From(AccessRequestView v)
    {
        var r = v.Request;
        return new(r.Id, r.PatientId, r.DoctorId, v.DoctorName, v.Specialty, r.DoctorOrganisationId, v.OrganisationName, ConsentCategoryNames.Of(r.Categories),
            r.DurationDays, v.Reason, v.Status, DateTimeOffset.FromUnixTimeMilliseconds((long)r.RequestedAt), DateTimeOffset.FromUnixTimeMilliseconds((long)r.ExpiresAt),
            r.AnsweredAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)r.AnsweredAt), r.GrantId.Length == 0 ? null : r.GrantId, ProofResponse.From(r.Proof),
            v.Replaces is { } g ? new ReplacedGrantResponse(g.Id, ConsentCategoryNames.Of(g.Categories), g.ExpiresAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)g.ExpiresAt)) : null);
    }
}

/// <summary>The grant a pending request would replace: its id, categories and expiry (null: until revoked).</summary>
public sealed record ReplacedGrantResponse(string GrantId, IReadOnlyList<string> Categories, DateTimeOffset? ExpiresAt);
