using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

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
/// Changes the validator set at the next block boundary: add, remove or replace one voting node. Signed by an admin of
/// the node's organisation (the consortium's approval policy for such changes comes with governance). The set never
/// becomes empty, node ids and keys are never reused by another signer.
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
        var state = context.State;
        var ids = ValidatorSet.Ids(state).ToList();
        var existing = state.TryGet(StateKeys.Node(p.Node.Id), out var bytes) ? NodeRecord.TryDecode(bytes) : null;
        var organisation = existing?.OrganisationId ?? p.Node.OrganisationId;
        if (context.RequireAdminOf(organisation, "change its nodes") is { } denied) return denied;
        switch (p.Change)
        {
            case NodeChange.Add:
                if (existing is not null) return TxResult.Reject(TxVerdict.AlreadyExists, $"node '{p.Node.Id}' already exists");
                if (context.GetOrganisation(p.Node.OrganisationId) is null) return TxResult.Reject(TxVerdict.NotFound, $"organisation '{p.Node.OrganisationId}' does not exist");
                if (ids.Count >= ValidatorSet.MaxNodes) return TxResult.Reject(TxVerdict.Conflict, $"the network already has {ValidatorSet.MaxNodes} nodes");
                if (RequireUnusedKey(context, p.Node.SigningKey) is { } used) return used;
                ids.Add(p.Node.Id);
                break;
            case NodeChange.Remove:
                if (existing is null) return TxResult.Reject(TxVerdict.NotFound, $"node '{p.Node.Id}' does not exist");
                if (ids.Count == 1) return TxResult.Reject(TxVerdict.Conflict, "the last voting node cannot be removed");
                ids.Remove(p.Node.Id);
                state.Delete(StateKeys.Node(p.Node.Id));
                state.Delete(StateKeys.Signer(existing.SigningKey));
                state.Set(StateKeys.Validators, ValidatorSet.Encode(ids));
                return TxResult.Ok;
            case NodeChange.Replace:
                if (existing is null) return TxResult.Reject(TxVerdict.NotFound, $"node '{p.Node.Id}' does not exist");
                if (p.Node.OrganisationId != existing.OrganisationId) return Invalid("node.organisationId", "a node cannot move to another organisation");
                if (p.Node.SigningKey != existing.SigningKey)
                {
                    if (RequireUnusedKey(context, p.Node.SigningKey) is { } taken) return taken;
                    state.Delete(StateKeys.Signer(existing.SigningKey));
                }
                break;
        }
        state.Set(StateKeys.Node(p.Node.Id), p.Node.Encode());
        state.Set(StateKeys.Signer(p.Node.SigningKey), new SignerRecord(SignerKind.Node, p.Node.Id).Encode());
        state.Set(StateKeys.Validators, ValidatorSet.Encode(ids));
        return TxResult.Ok;
    }

    private static TxResult? RequireUnusedKey(TxContext context, SigningPublicKey key) =>
        context.State.Contains(StateKeys.Signer(key)) ? TxResult.Reject(TxVerdict.AlreadyExists, $"key {key} already belongs to a signer of this network") : null;
}
