using HealthLedger.Core.Model;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Policy;

/// <summary>
/// The network policy as the API shows it: its version (1 from the genesis block, one more per change), the organisation
/// whose admins may change it, the care periods in days, and where it was last set (null only on a chain without a policy record).
/// </summary>
public sealed record PolicyResponse(int Version, string OrganisationId, int CareAfterDischargeDays, int CareAfterVisitDays, ProofResponse? Proof)
{
    /// <summary>The response for <paramref name="p"/>.</summary>
    public static PolicyResponse From(PolicyState p) =>
        new(p.Version, p.OrganisationId, p.Policy.CareAfterDischargeDays, p.Policy.CareAfterVisitDays, p.Version == 0 ? null : ProofResponse.From(p.Proof));
}
