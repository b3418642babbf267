using HealthLedger.Node.Records;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Consent;

/// <summary>
/// An access request as the API shows it. <c>Status</c>: pending, approved, declined or expired. <c>Reason</c> is opened
/// for the viewer (the patient or the doctor) only. Times are block times; <c>DurationDays</c> counts from the approval.
/// </summary>
public sealed record AccessRequestResponse(string Id, string PatientId, string DoctorId, string DoctorName, string Specialty, string OrganisationId,
    string OrganisationName, IReadOnlyList<string> Categories, int DurationDays, string? Reason, string Status, DateTimeOffset RequestedAt,
    DateTimeOffset ExpiresAt, DateTimeOffset? AnsweredAt, string? GrantId, ProofResponse Proof)
{
    /// <summary>Maps a view.</summary>
    public static AccessRequestResponse From(AccessRequestView v)
    {
        var r = v.Request;
        return new(r.Id, r.PatientId, r.DoctorId, v.DoctorName, v.Specialty, r.DoctorOrganisationId, v.OrganisationName, ConsentCategoryNames.Of(r.Categories),
            r.DurationDays, v.Reason, v.Status, DateTimeOffset.FromUnixTimeMilliseconds((long)r.RequestedAt), DateTimeOffset.FromUnixTimeMilliseconds((long)r.ExpiresAt),
            r.AnsweredAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)r.AnsweredAt), r.GrantId.Length == 0 ? null : r.GrantId, ProofResponse.From(r.Proof));
    }
}
