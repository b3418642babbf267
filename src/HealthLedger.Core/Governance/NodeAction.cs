using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Governance;

/// <summary>Adds a voting node, or replaces a node's key and/or address.</summary>
/// <param name="Kind"><see cref="GovernanceAction.AddNode"/> or <see cref="GovernanceAction.ReplaceNode"/>.</param>
/// <param name="Node">The node as it is to be.</param>
public sealed record NodeAction(GovernanceAction Kind, NodeRecord Node) : ProposedAction
{
    /// <inheritdoc/>
    public override GovernanceAction Action => Kind;

    /// <inheritdoc/>
    public override IEnumerable<Primitives.SigningPublicKey> NodeKeys => [Node.SigningKey];

    /// <inheritdoc/>
    public override string? Problem()
    {
        if (Kind is not (GovernanceAction.AddNode or GovernanceAction.ReplaceNode)) return $"action: {Kind} is not adding or replacing a node";
        if (!Identifiers.IsValid(Node.Id)) return $"node.id: {Identifiers.Rule}";
        if (!Identifiers.IsValid(Node.OrganisationId)) return $"node.organisationId: {Identifiers.Rule}";
        return NodeRecord.AddressProblem(Node.Address) is { } problem ? $"node.address: {problem}" : null;
    }

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w) => Node.Write(w);

    internal static bool TryReadBody(ref CanonicalReader r, GovernanceAction kind, out NodeAction action)
    {
        NodeRecord.TryRead(ref r, out var node);
        action = new NodeAction(kind, node);
        return r.Error is null;
    }
}
