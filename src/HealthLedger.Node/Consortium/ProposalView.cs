using HealthLedger.Core.Governance;

namespace HealthLedger.Node.Consortium;

/// <summary>A proposal with what its display needs from the state: its status now (<c>expired</c> included), the approvals it needs and the active organisations.</summary>
public sealed record ProposalView(ProposalState State, string Status, int Needed, IReadOnlySet<string> ActiveOrganisations);
