using HealthLedger.Core.Governance;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Consortium;

/// <summary>
/// A proposal: its <see cref="Action"/> and the fields that action needs — <see cref="Request"/> (add-organisation: a join
/// request), <see cref="OrganisationId"/> (suspend-, reinstate-, remove-organisation), <see cref="Node"/> (add-node,
/// replace-node), <see cref="NodeId"/> (remove-node), <see cref="Policy"/> (change-policy), <see cref="NetworkPolicy"/>
/// (change-network-policy).
/// </summary>
public sealed class ProposalInput
{
    /// <summary>The proposal's id (optional; one is made when absent).</summary>
    public string? Id { get; set; }

    /// <summary>What it does (<see cref="GovernanceNames.Proposable"/>).</summary>
    public string? Action { get; set; }

    /// <summary>add-organisation: the newcomer's join request.</summary>
    public JoinRequest? Request { get; set; }

    /// <summary>suspend-, reinstate-, remove-organisation: the organisation.</summary>
    public string? OrganisationId { get; set; }

    /// <summary>add-node, replace-node: the node as it is to be.</summary>
    public ProposalNodeInput? Node { get; set; }

    /// <summary>remove-node: the node.</summary>
    public string? NodeId { get; set; }

    /// <summary>change-policy: the new policy (rules not named keep their current values).</summary>
    public GovernancePolicyInput? Policy { get; set; }

    /// <summary>change-network-policy: the whole network policy as it is to be (care periods in days; <c>version</c> is not used here).</summary>
    public Policy.PolicyInput? NetworkPolicy { get; set; }

    /// <summary>The action, or the field errors. <paramref name="proposerOrganisation"/> is the default organisation of a node.</summary>
    public (ProposedAction? Action, FieldErrors Errors) Validate(string proposerOrganisation, GovernancePolicy current)
    {
        var e = new FieldErrors();
        if (Id is not null && !Identifiers.IsValid(Id)) e.Add("id", $"A proposal id is {Identifiers.Rule}.");
        ProposedAction? action = null;
        switch (GovernanceNames.Action(Action))
        {
            case null or GovernanceAction.DeclareEmergency or GovernanceAction.EndEmergency or GovernanceAction.ExtendEmergency:
                e.Add("action", $"The action must be one of {string.Join(", ", GovernanceNames.Proposable)}.");
                break;
            case GovernanceAction.AddOrganisation:
                if (Request is null) e.Add("request", "A join request is required.");
                else action = JoinRequestAction(Request, e);
                break;
            case GovernanceAction.SuspendOrganisation or GovernanceAction.ReinstateOrganisation or GovernanceAction.RemoveOrganisation:
                if (!Identifiers.IsValid(OrganisationId)) e.Add("organisationId", $"An organisation id is {Identifiers.Rule}.");
                else action = new OrganisationStatusAction(GovernanceNames.Action(Action)!.Value, OrganisationId!);
                break;
            case GovernanceAction.AddNode or GovernanceAction.ReplaceNode:
                action = NodeAction(GovernanceNames.Action(Action)!.Value, proposerOrganisation, e);
                break;
            case GovernanceAction.RemoveNode:
                if (!Identifiers.IsValid(NodeId)) e.Add("nodeId", $"A node id is {Identifiers.Rule}.");
                else action = new RemoveNodeAction(NodeId!);
                break;
            case GovernanceAction.ChangePolicy:
                action = PolicyAction(current, e);
                break;
            case GovernanceAction.ChangeNetworkPolicy:
                action = NetworkPolicyAction(e);
                break;
        }
        if (action?.Problem() is { } problem) AddProblem(e, problem);
        return e.IsEmpty ? (action, e) : (null, e);
    }

    /// <summary>The add-organisation action of a join request, with field errors under <c>request.</c>.</summary>
    public static AddOrganisationAction? JoinRequestAction(JoinRequest request, FieldErrors e)
    {
        const string p = "request.";
        var start = e.ToDictionary().Count;
        if (request.Format is not null && request.Format != JoinRequest.CurrentFormat) e.Add(p + "format", $"The format must be {JoinRequest.CurrentFormat}.");
        var org = request.Organisation;
        string name = "", contact = "";
        if (org is null)
        {
            e.Add(p + "organisation", "The organisation is required.");
        }
        else
        {
            if (!Identifiers.IsValid(org.Id)) e.Add(p + "organisation.id", $"An organisation id is {Identifiers.Rule}.");
            name = FieldRules.TextBytes(e, p + "organisation.name", org.Name, OrganisationRecord.MaxNameBytes, required: true, "The name");
            contact = FieldRules.TextBytes(e, p + "organisation.contact", org.Contact, OrganisationRecord.MaxContactBytes, required: false, "The contact");
            if (GovernanceNames.Type(org.Type) is null) e.Add(p + "organisation.type", $"The type must be one of {GovernanceNames.TypeList}.");
            SigningKey(org.SigningKey, p + "organisation.signingKey", e);
            EncryptionKey(org.EncryptionKey, p + "organisation.encryptionKey", e);
        }
        var admin = request.Admin;
        if (admin is null)
        {
            e.Add(p + "admin", "The first admin is required.");
        }
        else
        {
            if (!Identifiers.IsValid(admin.Id)) e.Add(p + "admin.id", $"A user id is {Identifiers.Rule}.");
            SigningKey(admin.SigningKey, p + "admin.signingKey", e);
            EncryptionKey(admin.EncryptionKey, p + "admin.encryptionKey", e);
        }
        var node = request.Node;
        if (node is not null)
        {
            if (!Identifiers.IsValid(node.Id)) e.Add(p + "node.id", $"A node id is {Identifiers.Rule}.");
            SigningKey(node.SigningKey, p + "node.signingKey", e);
            if (NodeRecord.AddressProblem(node.Address ?? "") is { } address) e.Add(p + "node.address", $"The address {address}.");
        }
        if (e.ToDictionary().Count != start) return null;
        var record = new OrganisationRecord(org!.Id!, name, SigningPublicKey.Parse(org.SigningKey!.Trim()),
            EncryptionPublicKey.Parse(org.EncryptionKey!.Trim()), GovernanceNames.Type(org.Type)!.Value, contact);
        List<NodeRecord> nodes = node is null ? [] : [new NodeRecord(node.Id!, record.Id, SigningPublicKey.Parse(node.SigningKey!.Trim()), node.Address ?? "")];
        var action = new AddOrganisationAction(record, admin!.Id!, SigningPublicKey.Parse(admin.SigningKey!.Trim()), EncryptionPublicKey.Parse(admin.EncryptionKey!.Trim()), nodes);
        if (action.Problem() is { } problem)
        {
            AddProblem(e, problem, p);
            return null;
        }
        return action;
    }

    private NodeAction? NodeAction(GovernanceAction kind, string proposerOrganisation, FieldErrors e)
    {
        if (Node is null)
        {
            e.Add("node", "The node (id, signingKey, address) is required.");
            return null;
        }
        var organisation = string.IsNullOrWhiteSpace(Node.OrganisationId) ? proposerOrganisation : Node.OrganisationId.Trim();
        if (!Identifiers.IsValid(Node.Id)) e.Add("node.id", $"A node id is {Identifiers.Rule}.");
        if (!Identifiers.IsValid(organisation)) e.Add("node.organisationId", $"An organisation id is {Identifiers.Rule}.");
        SigningKey(Node.SigningKey, "node.signingKey", e);
        if (NodeRecord.AddressProblem(Node.Address ?? "") is { } address) e.Add("node.address", $"The address {address}.");
        return e.IsEmpty ? new NodeAction(kind, new NodeRecord(Node.Id!, organisation, SigningPublicKey.Parse(Node.SigningKey!.Trim()), Node.Address ?? "")) : null;
    }

    private ChangePolicyAction? PolicyAction(GovernancePolicy current, FieldErrors e)
    {
        if (Policy is null)
        {
            e.Add("policy", "The new policy is required.");
            return null;
        }
        var policy = current;
        if (Policy.ProposalLifetimeHours is { } hours)
        {
            if (hours < 1 || hours > 365 * 24) e.Add("policy.proposalLifetimeHours", $"A proposal lifetime is 1 to {365 * 24} hours (got {hours}).");
            else policy = policy with { ProposalLifetimeMs = (ulong)hours * 3_600_000 };
        }
        for (var i = 0; i < (Policy.Rules?.Count ?? 0); i++)
        {
            var rule = Policy.Rules![i];
            var field = $"policy.rules[{i}]";
            if (rule is null)
            {
                e.Add(field, "A rule is required.");
                continue;
            }
            var action = GovernanceNames.Action(rule.Action);
            if (action is null) e.Add(field + ".action", $"The action must be one of {string.Join(", ", GovernanceNames.Proposable)}.");
            if (rule.Denominator is not (>= 1 and <= GovernanceRule.MaxDenominator)) e.Add(field + ".denominator", $"The denominator is 1 to {GovernanceRule.MaxDenominator}.");
            if (rule.Numerator is null || rule.Numerator < 0 || rule.Numerator > rule.Denominator) e.Add(field + ".numerator", "The numerator is 0 to the denominator.");
            if (action is null || !e.IsEmpty) continue;
            var existing = current.Rule(action.Value);
            var changed = new GovernanceRule(action.Value, rule.Numerator!.Value, rule.Denominator!.Value, rule.Inclusive ?? existing.Inclusive, rule.SelfService ?? existing.SelfService);
            if (changed.Problem() is { } problem) e.Add(field, char.ToUpperInvariant(problem[0]) + problem[1..] + ".");
            else policy = policy.With(changed);
        }
        return e.IsEmpty ? new ChangePolicyAction(policy) : null;
    }

    private ChangeNetworkPolicyAction? NetworkPolicyAction(FieldErrors e)
    {
        if (NetworkPolicy is null)
        {
            e.Add("networkPolicy", "The new network policy (careAfterDischargeDays, careAfterVisitDays) is required.");
            return null;
        }
        var (policy, errors) = NetworkPolicy.Validate();
        foreach (var (field, messages) in errors.ToDictionary())
        {
            foreach (var message in messages) e.Add("networkPolicy." + field, message);
        }
        if (NetworkPolicy.Version is < 0) e.Add("networkPolicy.version", "The version the change replaces is 1 or more (or leave it out).");
        return policy is null ? null : new ChangeNetworkPolicyAction(policy, NetworkPolicy.Version is > 0 and var v ? (ulong)v : 0);
    }

    private static void SigningKey(string? hex, string field, FieldErrors e)
    {
        if (!SigningPublicKey.TryParse(hex?.Trim(), out _)) e.Add(field, "An Ed25519 public key is 64 hex digits.");
    }

    private static void EncryptionKey(string? hex, string field, FieldErrors e)
    {
        if (!EncryptionPublicKey.TryParse(hex?.Trim(), out _)) e.Add(field, "An X25519 public key is 64 hex digits.");
    }

    // Core's problems read "field: message"; keep the field.
    private static void AddProblem(FieldErrors e, string problem, string prefix = "")
    {
        var colon = problem.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && !problem[..colon].Contains(' ', StringComparison.Ordinal)) e.Add(prefix + problem[..colon], problem[(colon + 1)..].Trim());
        else e.Add(prefix.Length > 0 ? prefix.TrimEnd('.') : "action", problem);
    }
}
