using HealthLedger.Core.Governance;
using HealthLedger.Node.Configuration;

namespace HealthLedger.Node.Consortium;

/// <summary>
/// A proposal: what it does (<see cref="Summary"/>, and the fields of its action: <c>request</c>, <c>organisationId</c>,
/// <c>node</c>, <c>nodeId</c>, <c>policy</c> or <c>networkPolicy</c>), who proposed it, its votes per
/// organisation, how many approvals it needs now, which active organisations have not voted, when it expires and its status
/// (<c>open</c>, <c>expired</c> — open but past its expiry, so votes are refused —, <c>executed</c>, <c>rejected</c>, <c>withdrawn</c>).
/// </summary>
public sealed record ProposalResponse(string Id, string Action, string Summary, JoinRequest? Request, string? OrganisationId, ProposalNodeResponse? Node,
    string? NodeId, GovernancePolicyResponse? Policy, NetworkPolicyResponse? NetworkPolicy, string ProposerOrganisationId, string ProposerUserId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    string Status, DateTimeOffset? ClosedAt, IReadOnlyList<ProposalVoteResponse> Votes, int Approvals, int Rejections, int Needed, IReadOnlyList<string> Waiting)
{
    /// <summary>The response for <paramref name="p"/>.</summary>
    public static ProposalResponse From(ProposalView p)
    {
        var s = p.State;
        JoinRequest? request = null;
        string? organisationId = null, nodeId = null;
        ProposalNodeResponse? node = null;
        GovernancePolicyResponse? policy = null;
        NetworkPolicyResponse? networkPolicy = null;
        switch (s.Action)
        {
            case AddOrganisationAction add:
                request = new JoinRequest
                {
                    Organisation = new JoinRequestOrganisation
                    {
                        Id = add.Organisation.Id,
                        Name = add.Organisation.Name,
                        Type = GovernanceNames.Of(add.Organisation.Type),
                        Contact = add.Organisation.Contact,
                        SigningKey = add.Organisation.SigningKey.ToString(),
                        EncryptionKey = add.Organisation.EncryptionKey.ToString(),
                    },
                    Admin = new JoinRequestAdmin { Id = add.AdminId, SigningKey = add.AdminSigningKey.ToString(), EncryptionKey = add.AdminEncryptionKey.ToString() },
                    Node = add.Nodes.Select(n => new JoinRequestNode { Id = n.Id, SigningKey = n.SigningKey.ToString(), Address = n.Address }).FirstOrDefault(),
                };
                organisationId = add.Organisation.Id;
                break;
            case OrganisationStatusAction status:
                organisationId = status.OrganisationId;
                break;
            case NodeAction n:
                node = new ProposalNodeResponse(n.Node.Id, n.Node.OrganisationId, n.Node.SigningKey.ToString(), n.Node.Address);
                nodeId = n.Node.Id;
                break;
            case RemoveNodeAction remove:
                nodeId = remove.NodeId;
                break;
            case ChangePolicyAction change:
                policy = GovernancePolicyResponse.From(change.Policy, p.ActiveOrganisations.Count);
                break;
            case ChangeNetworkPolicyAction network:
                networkPolicy = new NetworkPolicyResponse(network.Policy.CareAfterDischargeDays, network.Policy.CareAfterVisitDays);
                break;
        }
        var approvals = s.Votes.Count(v => v.Approve && p.ActiveOrganisations.Contains(v.OrganisationId));
        var rejections = s.Votes.Count(v => !v.Approve && p.ActiveOrganisations.Contains(v.OrganisationId));
        return new ProposalResponse(s.Id, GovernanceNames.Of(s.Action.Action), Summarise(s.Action), request, organisationId, node, nodeId, policy, networkPolicy,
            s.ProposerOrganisationId, s.ProposerUserId, Time(s.CreatedAt), Time(s.ExpiresAt), p.Status, s.ClosedAt == 0 ? null : Time(s.ClosedAt),
            s.Votes.Select(v => new ProposalVoteResponse(v.OrganisationId, v.UserId, v.Approve ? "approve" : "reject", Time(v.At))).ToList(),
            approvals, rejections, p.Needed,
            p.Status == "open" ? p.ActiveOrganisations.Where(o => s.Votes.All(v => v.OrganisationId != o)).Order(StringComparer.Ordinal).ToList() : []);
    }

    /// <summary>One line saying what the action does.</summary>
    public static string Summarise(ProposedAction action) => action switch
    {
        AddOrganisationAction add => $"Admit {add.Organisation.Name} ({GovernanceNames.Of(add.Organisation.Type)}, '{add.Organisation.Id}') with admin '{add.AdminId}'"
            + (add.Nodes.Count == 0 ? " and no node" : $" and node {string.Join(", ", add.Nodes.Select(n => $"'{n.Id}' at {(n.Address.Length == 0 ? "(no address)" : n.Address)}"))}"),
        OrganisationStatusAction { Kind: GovernanceAction.SuspendOrganisation } s => $"Suspend organisation '{s.OrganisationId}'",
        OrganisationStatusAction { Kind: GovernanceAction.ReinstateOrganisation } s => $"Reinstate organisation '{s.OrganisationId}'",
        OrganisationStatusAction s => $"Remove organisation '{s.OrganisationId}'",
        NodeAction { Kind: GovernanceAction.AddNode } n => $"Add node '{n.Node.Id}' of '{n.Node.OrganisationId}' at {n.Node.Address}",
        NodeAction n => $"Replace node '{n.Node.Id}' of '{n.Node.OrganisationId}' (key {n.Node.SigningKey.ToString()[..12]}…, at {n.Node.Address})",
        RemoveNodeAction r => $"Remove node '{r.NodeId}'",
        ChangePolicyAction => "Change the governance policy",
        ChangeNetworkPolicyAction n => $"Change the network policy: doctors keep access {Days(n.Policy.CareAfterDischargeDays)} after a discharge and {Days(n.Policy.CareAfterVisitDays)} after a visit",
        DeclareEmergencyAction d => $"Declare emergency '{d.EmergencyId}' ({d.Title}) for the patients of {string.Join(", ", d.Scope)}, admitting {string.Join(", ", d.AllRescuers)}",
        EmergencyChangeAction { Kind: GovernanceAction.EndEmergency } e => $"End emergency '{e.EmergencyId}' now",
        EmergencyChangeAction e => $"Extend emergency '{e.EmergencyId}' to {DateTimeOffset.FromUnixTimeMilliseconds((long)e.EndsAt):u}",
        _ => GovernanceNames.Of(action.Action),
    };

    private static string Days(int days) => days == 1 ? "1 day" : $"{days} days";

    private static DateTimeOffset Time(ulong ms) => DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
}
