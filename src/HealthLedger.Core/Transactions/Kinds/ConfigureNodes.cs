using HealthLedger.Core.Encoding;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>What a <see cref="ConfigureNodesPayload"/> does to the validator set.</summary>
public enum NodeChange : byte
{
    /// <summary>Adds a voting node.</summary>
    Add = 1,
    /// <summary>Removes a voting node; its key can no longer sign blocks, votes or transactions.</summary>
    Remove = 2,
    /// <summary>Gives a node a new key and/or address (key rotation, a moved or rebuilt server); the old key stops counting.</summary>
    Replace = 3,
}

/// <summary>
/// Changes the validator set at the next block boundary: add, remove or replace one voting node, directly. Signed by an
/// admin of the node's (active) organisation, and accepted only when that organisation may act alone under the governance
/// policy: the policy lets it do this to its own node (by default: replace, i.e. rotate its key or address), or its approval
/// alone meets the threshold (a network with one active organisation). Otherwise the change must be proposed
/// (<see cref="ProposePayload"/>). The set never becomes empty, node ids and keys are never reused by another signer.
/// </summary>
/// <param name="Change">Add, remove or replace.</param>
/// <param name="Node">The node as it is to be (for <see cref="NodeChange.Remove"/> only its id counts).</param>
public sealed record ConfigureNodesPayload(NodeChange Change, NodeRecord Node) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ConfigureNodes;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.U8((byte)Change);
        Node.Write(writer);
    }
}

/// <summary>Executes <see cref="ConfigureNodesPayload"/>.</summary>
public sealed class ConfigureNodesHandler : TxKindHandler<ConfigureNodesPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ConfigureNodes;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ConfigureNodesPayload payload)
    {
        r.U8(out var change);
        NodeRecord.TryRead(ref r, out var node);
        payload = new ConfigureNodesPayload((NodeChange)change, node);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ConfigureNodesPayload p)
    {
        if (!Enum.IsDefined(p.Change)) return Invalid("change", $"{(byte)p.Change} is not add (1), remove (2) or replace (3)");
        if (!Identifiers.IsValid(p.Node.Id)) return Invalid("node.id", Identifiers.Rule);
        if (p.Change == NodeChange.Remove) return TxResult.Ok;
        if (!Identifiers.IsValid(p.Node.OrganisationId)) return Invalid("node.organisationId", Identifiers.Rule);
        return NodeRecord.AddressProblem(p.Node.Address) is { } problem ? Invalid("node.address", problem) : TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ConfigureNodesPayload p)
    {
        var existing = context.State.TryGet(StateKeys.Node(p.Node.Id), out var bytes) ? NodeRecord.TryDecode(bytes) : null;
        var organisation = existing?.OrganisationId ?? p.Node.OrganisationId;
        if (context.RequireAdminOf(organisation, "change its nodes") is { } denied) return denied;
        if (context.GetOrganisation(organisation) is { Status: not OrganisationStatus.Active })
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"organisation '{organisation}' is not an active member: its admins may not change its nodes");
        }
        ProposedAction action = p.Change switch
        {
            NodeChange.Add => new NodeAction(GovernanceAction.AddNode, p.Node),
            NodeChange.Remove => new RemoveNodeAction(p.Node.Id),
            _ => new NodeAction(GovernanceAction.ReplaceNode, p.Node),
        };
        if (!Consortium.MayActAlone(context.State, action, organisation, out var needed))
        {
            return TxResult.Reject(TxVerdict.Unauthorized,
                $"{action.Action} needs the approval of {needed} governing organisations (active, not rescue services) under the governance policy: submit it as a proposal (Propose) for the others to vote on");
        }
        return Consortium.Apply(context, action);
    }
}
