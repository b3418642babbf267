using HealthLedger.Core.Emergencies;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// A break-glass access as its patient, its custodian's reviewers and its actor see it: who, whom, under which emergency,
/// the reason code and (for the patient and the custodian's admins, opened at their node) the justification, the
/// categories, when and until when, and the review.
/// </summary>
public sealed record BreakGlassResponse(string AccessId, string PatientId, string CustodianId, string ActorId, string ActorRole, string ActorOrganisationId,
    string? EmergencyId, string Reason, string? Justification, IReadOnlyList<string> Categories, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt,
    bool Active, string Review, string? ReviewedBy, DateTimeOffset? ReviewedAt, ulong Block)
{
    /// <summary>From the state; <paramref name="justification"/> when the reader could open it.</summary>
    public static BreakGlassResponse From(BreakGlassState s, string? justification, ulong now) => new(s.Id, s.PatientId, s.CustodianId, s.ActorId,
        s.ActorRole.ToString().ToLowerInvariant(), s.ActorOrganisationId, s.EmergencyId.Length == 0 ? null : s.EmergencyId, BreakGlassReasons.Of(s.Reason), justification,
        ConsentCategoryNames.Of(s.Categories), Time(s.GrantedAt), Time(s.ExpiresAt), s.IsActiveAt(now), s.Review.ToString().ToLowerInvariant(),
        s.ReviewedBy.Length == 0 ? null : s.ReviewedBy, s.ReviewedAt == 0 ? null : Time(s.ReviewedAt), s.Proof.Height);

    private static DateTimeOffset Time(ulong ms) => DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
}
