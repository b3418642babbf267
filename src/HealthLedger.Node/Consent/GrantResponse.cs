using HealthLedger.Node.Records;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Consent;

/// <summary>A grant as the API shows it: whom it is for, which categories, until when, and whether it works now.</summary>
public sealed record GrantResponse(string Id, string GranteeKind, string GranteeId, string GranteeName, IReadOnlyList<string> Categories,
    DateTimeOffset? ExpiresAt, DateTimeOffset GrantedAt, DateTimeOffset? RevokedAt, bool Active, ProofResponse Proof)
{
    public static GrantResponse From(GrantView g) => new(g.Grant.Id, g.Grant.Grantee.ToString().ToLowerInvariant(), g.Grant.GranteeId, g.GranteeName,
        ConsentCategoryNames.Of(g.Grant.Categories),
        g.Grant.ExpiresAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)g.Grant.ExpiresAt),
        DateTimeOffset.FromUnixTimeMilliseconds((long)g.Grant.GrantedAt),
        g.Grant.RevokedAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)g.Grant.RevokedAt), g.Active, ProofResponse.From(g.Grant.Proof));
}
