using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Governance;

/// <summary>Removes a node: its key can no longer sign blocks, votes or transactions.</summary>
/// <param name="NodeId">The node.</param>
public sealed record RemoveNodeAction(string NodeId) : ProposedAction
{
    /// <inheritdoc/>
    public override GovernanceAction Action => GovernanceAction.RemoveNode;

    /// <inheritdoc/>
    public override string? Problem() => Identifiers.IsValid(NodeId) ? null : $"nodeId: {Identifiers.Rule}";

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w) => w.Text(NodeId);

    internal static bool TryReadBody(ref CanonicalReader r, out RemoveNodeAction action)
    {
        r.Text(out var id, Identifiers.MaxLength, "node id");
        action = new RemoveNodeAction(id);
        return r.Error is null;
    }
}
