using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The genesis configuration: the network, its first organisation, that organisation's first admin and the first voting nodes.
/// Signed by the organisation's key; valid only as the single transaction of block 0.
/// </summary>
/// <param name="NetworkId">The network's id.</param>
/// <param name="Policy">Network limits.</param>
/// <param name="Organisation">The founding organisation.</param>
/// <param name="AdminId">User id of the first admin.</param>
/// <param name="AdminSigningKey">The admin's Ed25519 key.</param>
/// <param name="AdminEncryptionKey">The admin's X25519 key.</param>
/// <param name="Nodes">The first voting nodes (1 to <see cref="ValidatorSet.MaxNodes"/>), all run by the founding organisation.</param>
/// <param name="NetworkPolicy">The first network policy (how long care lasts); the founding organisation's admins may change it later.</param>
public sealed record GenesisPayload(
    string NetworkId, ChainPolicy Policy, OrganisationRecord Organisation,
    string AdminId, SigningPublicKey AdminSigningKey, EncryptionPublicKey AdminEncryptionKey, IReadOnlyList<NodeRecord> Nodes,
    NetworkPolicy NetworkPolicy) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Genesis;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(NetworkId);
        Policy.Write(writer);
        Organisation.Write(writer);
        writer.Text(AdminId).Key(AdminSigningKey).Key(AdminEncryptionKey).VarUInt((ulong)Nodes.Count);
        foreach (var node in Nodes) node.Write(writer);
        NetworkPolicy.Write(writer);
    }
}

/// <summary>Executes <see cref="GenesisPayload"/>.</summary>
public sealed class GenesisHandler : TxKindHandler<GenesisPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Genesis;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out GenesisPayload payload)
    {
        r.Text(out var networkId, Identifiers.MaxLength, "network id");
        ChainPolicy.TryRead(ref r, out var policy);
        OrganisationRecord.TryRead(ref r, out var org);
        r.Text(out var adminId, Identifiers.MaxLength, "admin id");
        r.Key(out SigningPublicKey adminSigning, "admin signing key");
        r.Key(out EncryptionPublicKey adminEncryption, "admin encryption key");
        r.VarUInt(out var count, ValidatorSet.MaxNodes, "node count");
        var nodes = new List<NodeRecord>((int)count);
        for (ulong i = 0; i < count && r.Error is null; i++)
        {
            NodeRecord.TryRead(ref r, out var node);
            nodes.Add(node);
        }
        NetworkPolicy.TryRead(ref r, out var networkPolicy);
        payload = new GenesisPayload(networkId, policy, org, adminId, adminSigning, adminEncryption, nodes, networkPolicy);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(GenesisPayload p)
    {
        if (!Identifiers.IsValid(p.NetworkId)) return Invalid("networkId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.Organisation.Id)) return Invalid("organisation.id", Identifiers.Rule);
        if (string.IsNullOrWhiteSpace(p.Organisation.Name)) return Invalid("organisation.name", "must not be empty");
        if (!Identifiers.IsValid(p.AdminId)) return Invalid("adminId", Identifiers.Rule);
        if (p.Nodes.Count == 0) return Invalid("nodes", "at least one node is needed");
        foreach (var node in p.Nodes)
        {
            if (!Identifiers.IsValid(node.Id)) return Invalid("nodes.id", Identifiers.Rule);
            if (node.OrganisationId != p.Organisation.Id) return Invalid("nodes.organisationId", "must be the founding organisation");
            if (NodeRecord.AddressProblem(node.Address) is { } problem) return Invalid("nodes.address", problem);
        }
        if (p.Nodes.Select(n => n.Id).Distinct().Count() != p.Nodes.Count) return Invalid("nodes.id", "node ids must differ");
        var keys = new[] { p.Organisation.SigningKey, p.AdminSigningKey }.Concat(p.Nodes.Select(n => n.SigningKey)).ToList();
        if (keys.Distinct().Count() != keys.Count) return Invalid("keys", "organisation, admin and node signing keys must all differ");
        return p.NetworkPolicy.Problems() is [var (field, policyProblem), ..] ? Invalid("networkPolicy." + field, policyProblem) : TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, GenesisPayload p)
    {
        if (tx.Signer != p.Organisation.SigningKey)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "genesis must be signed by the founding organisation's key");
        }
        var state = context.State;
        state.Set(StateKeys.Network, new NetworkConfig(p.NetworkId, p.Policy).Encode());
        state.Set(StateKeys.Organisation(p.Organisation.Id), p.Organisation.Encode());
        state.Set(StateKeys.Signer(p.Organisation.SigningKey), new SignerRecord(SignerKind.Organisation, p.Organisation.Id).Encode());
        var admin = new UserRecord(p.AdminId, Role.Admin, p.Organisation.Id, p.AdminSigningKey, p.AdminEncryptionKey, context.Timestamp);
        state.Set(StateKeys.User(p.AdminId), admin.Encode());
        state.Set(StateKeys.Signer(p.AdminSigningKey), new SignerRecord(SignerKind.User, p.AdminId).Encode());
        foreach (var node in p.Nodes)
        {
            state.Set(StateKeys.Node(node.Id), node.Encode());
            state.Set(StateKeys.Signer(node.SigningKey), new SignerRecord(SignerKind.Node, node.Id).Encode());
        }
        state.Set(StateKeys.Validators, ValidatorSet.Encode(p.Nodes.Select(n => n.Id)));
        state.Set(StateKeys.Policy, new PolicyState(1, p.Organisation.Id, p.NetworkPolicy, new Records.RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }
}
