using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The genesis configuration: the network, its first organisation, that organisation's first admin and its node.
/// Signed by the organisation's key; valid only as the single transaction of block 0.
/// </summary>
/// <param name="NetworkId">The network's id.</param>
/// <param name="Policy">Network limits.</param>
/// <param name="Organisation">The founding organisation.</param>
/// <param name="AdminId">User id of the first admin.</param>
/// <param name="AdminSigningKey">The admin's Ed25519 key.</param>
/// <param name="AdminEncryptionKey">The admin's X25519 key.</param>
/// <param name="Node">The first voting node.</param>
public sealed record GenesisPayload(
    string NetworkId, ChainPolicy Policy, OrganisationRecord Organisation,
    string AdminId, SigningPublicKey AdminSigningKey, EncryptionPublicKey AdminEncryptionKey, NodeRecord Node) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Genesis;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(NetworkId);
        Policy.Write(writer);
        Organisation.Write(writer);
        writer.Text(AdminId).Key(AdminSigningKey).Key(AdminEncryptionKey);
        Node.Write(writer);
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
        NodeRecord.TryRead(ref r, out var node);
        payload = new GenesisPayload(networkId, policy, org, adminId, adminSigning, adminEncryption, node);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(GenesisPayload p)
    {
        if (!Identifiers.IsValid(p.NetworkId)) return Invalid("networkId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.Organisation.Id)) return Invalid("organisation.id", Identifiers.Rule);
        if (string.IsNullOrWhiteSpace(p.Organisation.Name)) return Invalid("organisation.name", "must not be empty");
        if (!Identifiers.IsValid(p.AdminId)) return Invalid("adminId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.Node.Id)) return Invalid("node.id", Identifiers.Rule);
        if (p.Node.OrganisationId != p.Organisation.Id) return Invalid("node.organisationId", "must be the founding organisation");
        var keys = new[] { p.Organisation.SigningKey, p.AdminSigningKey, p.Node.SigningKey };
        if (keys.Distinct().Count() != keys.Length) return Invalid("keys", "organisation, admin and node signing keys must differ");
        return TxResult.Ok;
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
        state.Set(StateKeys.Node(p.Node.Id), p.Node.Encode());
        state.Set(StateKeys.Signer(p.Node.SigningKey), new SignerRecord(SignerKind.Node, p.Node.Id).Encode());
        return TxResult.Ok;
    }
}
