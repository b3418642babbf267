using HealthLedger.Core.Governance;

namespace HealthLedger.Node.Consortium;

/// <summary>The governance policy: how long proposals stay open and, per action, who must approve.</summary>
public sealed record GovernancePolicyResponse(double ProposalLifetimeHours, int ActiveOrganisations, IReadOnlyList<GovernanceRuleResponse> Rules)
{
    /// <summary>The response for <paramref name="policy"/> with <paramref name="active"/> active organisations.</summary>
    public static GovernancePolicyResponse From(GovernancePolicy policy, int active) => new(policy.ProposalLifetimeMs / 3_600_000.0, active,
        policy.Rules.Select(r => new GovernanceRuleResponse(GovernanceNames.Of(r.Action), r.Numerator, r.Denominator, r.Inclusive, r.SelfService,
            r.Describe() + (r.SelfService ? "; an organisation may do it alone to its own node" : ""), r.Needed(active),
            GovernanceNames.Proposable.Contains(GovernanceNames.Of(r.Action)))).ToList());
}
