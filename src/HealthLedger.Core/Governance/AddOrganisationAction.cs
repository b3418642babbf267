using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Governance;

/// <summary>Admits an organisation: its record (active), its first admin's id and public keys, and its nodes (may be none).</summary>
/// <param name="Organisation">The new member (status active).</param>
/// <param name="AdminId">User id of its first admin.</param>
/// <param name="AdminSigningKey">The admin's Ed25519 key.</param>
/// <param name="AdminEncryptionKey">The admin's X25519 key.</param>
/// <param name="Nodes">Its voting nodes (0 to <see cref="ValidatorSet.MaxNodes"/>), each naming the new organisation.</param>
public sealed record AddOrganisationAction(OrganisationRecord Organisation, string AdminId, SigningPublicKey AdminSigningKey,
    EncryptionPublicKey AdminEncryptionKey, IReadOnlyList<NodeRecord> Nodes) : ProposedAction
{
    /// <inheritdoc/>
    public override GovernanceAction Action => GovernanceAction.AddOrganisation;

    /// <inheritdoc/>
    public override IEnumerable<SigningPublicKey> NodeKeys => Nodes.Select(n => n.SigningKey);

    /// <inheritdoc/>
    public override string? Problem()
    {
        if (Organisation.NewMemberProblem("organisation") is { } problem) return problem;
        if (!Identifiers.IsValid(AdminId)) return $"adminId: {Identifiers.Rule}";
        foreach (var node in Nodes)
        {
            if (!Identifiers.IsValid(node.Id)) return $"nodes.id: {Identifiers.Rule}";
            if (node.OrganisationId != Organisation.Id) return "nodes.organisationId: must be the new organisation";
            if (NodeRecord.AddressProblem(node.Address) is { } address) return $"nodes.address: {address}";
        }
        if (Nodes.Select(n => n.Id).Distinct().Count() != Nodes.Count) return "nodes.id: node ids must differ";
        var keys = new[] { Organisation.SigningKey, AdminSigningKey }.Concat(Nodes.Select(n => n.SigningKey)).ToList();
        return keys.Distinct().Count() == keys.Count ? null : "keys: organisation, admin and node signing keys must all differ";
    }

    /// <inheritdoc/>
    protected override void WriteBody(CanonicalWriter w) => WriteFields(w);

    /// <summary>Writes the fields (also the tail of the genesis payload, which founds the first member the same way).</summary>
    internal void WriteFields(CanonicalWriter w)
    {
        Organisation.Write(w);
        w.Text(AdminId).Key(AdminSigningKey).Key(AdminEncryptionKey).VarUInt((ulong)Nodes.Count);
        foreach (var node in Nodes) node.Write(w);
    }

    internal static bool TryReadBody(ref CanonicalReader r, out AddOrganisationAction action)
    {
        OrganisationRecord.TryRead(ref r, out var organisation);
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
        action = new AddOrganisationAction(organisation, adminId, adminSigning, adminEncryption, nodes);
        return r.Error is null;
    }
}
