using HealthLedger.Core.Encoding;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The genesis configuration: the network, its first organisation, that organisation's first admin and the first voting nodes;
/// the governance policy starts as <see cref="GovernancePolicy.Default"/>.
/// Signed by the organisation's key; valid only as the single transaction of block 0.
/// </summary>
/// <param name="NetworkId">The network's id.</param>
/// <param name="Policy">Network limits.</param>
/// <param name="Organisation">The founding organisation (its type and contact; status active), the consortium's first member.</param>
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

    /// <summary>The founding organisation, its first admin and nodes: admitted as any later member is (<see cref="Consortium.Apply"/>).</summary>
    public AddOrganisationAction Founding => new(Organisation, AdminId, AdminSigningKey, AdminEncryptionKey, Nodes);

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(NetworkId);
        Policy.Write(writer);
        Founding.WriteFields(writer);
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
        AddOrganisationAction.TryReadBody(ref r, out var f);
        NetworkPolicy.TryRead(ref r, out var networkPolicy);
        payload = new GenesisPayload(networkId, policy, f.Organisation, f.AdminId, f.AdminSigningKey, f.AdminEncryptionKey, f.Nodes, networkPolicy);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(GenesisPayload p)
    {
        if (!Identifiers.IsValid(p.NetworkId)) return Invalid("networkId", Identifiers.Rule);
        if (p.Nodes.Count == 0) return Invalid("nodes", "at least one node is needed");
        if (p.Founding.Problem() is { } problem) return TxResult.Reject(TxVerdict.InvalidField, problem);
        return p.NetworkPolicy.Problems() is [var (field, policyProblem), ..] ? Invalid("networkPolicy." + field, policyProblem) : TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, GenesisPayload p)
    {
        if (tx.Signer != p.Organisation.SigningKey)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "genesis must be signed by the founding organisation's key");
        }
        context.State.Set(StateKeys.Network, new NetworkConfig(p.NetworkId, p.Policy).Encode());
        context.State.Set(StateKeys.Governance, GovernancePolicy.Default.Encode());
        context.State.Set(StateKeys.Policy, new PolicyState(1, p.Organisation.Id, p.NetworkPolicy, new Records.RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return Consortium.Apply(context, p.Founding);
    }
}
