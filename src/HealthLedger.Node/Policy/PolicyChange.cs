using HealthLedger.Core.Model;
using HealthLedger.Node.Consortium;

namespace HealthLedger.Node.Policy;

/// <summary>
/// What a policy change did: <see cref="Applied"/> (the new policy record, when one organisation may change it) or
/// <see cref="Proposed"/> (the change-network-policy proposal the consortium now votes on). Exactly one is set.
/// </summary>
public sealed record PolicyChange(PolicyState? Applied, ProposalView? Proposed);
