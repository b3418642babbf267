using HealthLedger.Core.Encoding;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The genesis configuration: the network, its founding organisations (one or more, each with its record, first admin and
/// nodes) and the first network policy; the governance policy starts as <see cref="GovernancePolicy.Default"/>.
/// Signed by the <b>first</b> founder's organisation key (every founder's public keys are in the payload, and each founder
/// accepts the network by checking the genesis hash before running its node); valid only as the single transaction of block 0.
/// </summary>
/// <param name="NetworkId">The network's id.</param>
/// <param name="Policy">Network limits.</param>
/// <param name="Founders">
/// The founding organisations in order (1 to <see cref="MaxFounders"/>), each admitted as any later member is
/// (<see cref="Consortium.Apply"/>): its record (type, contact; status active), first admin and nodes. The first one signs.
/// Together they name 1 to <see cref="ValidatorSet.MaxNodes"/> voting nodes.
/// </param>
/// <param name="NetworkPolicy">The first network policy (how long care lasts), held by the first founder; its admins may change it
/// later while that organisation's approval alone meets the governance policy's <c>ChangePolicy</c> rule.</param>
public sealed record GenesisPayload(string NetworkId, ChainPolicy Policy, IReadOnlyList<AddOrganisationAction> Founders, NetworkPolicy NetworkPolicy)
    : TxPayload
{
    /// <summary>
    /// The payload's encoding version (the first byte). 2: several founding organisations. Version 1 (one organisation, no
    /// version byte) is no longer read: its first byte, the length of a network id of at least 3 characters, is never 2.
    /// </summary>
    public const byte Version = 2;

    /// <summary>Most founding organisations.</summary>
    public const int MaxFounders = Consortium.MaxOrganisations;

    /// <summary>A network founded by one organisation (its first admin and its nodes).</summary>
    public GenesisPayload(string networkId, ChainPolicy policy, OrganisationRecord organisation, string adminId, SigningPublicKey adminSigningKey,
        EncryptionPublicKey adminEncryptionKey, IReadOnlyList<NodeRecord> nodes, NetworkPolicy networkPolicy)
        : this(networkId, policy, [new AddOrganisationAction(organisation, adminId, adminSigningKey, adminEncryptionKey, nodes)], networkPolicy)
    {
    }

    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Genesis;

    /// <summary>The first founding organisation: it signs the genesis and holds the first network policy.</summary>
    public OrganisationRecord Organisation => Founders[0].Organisation;

    /// <summary>Every founder's nodes, in founder order: the first validator set.</summary>
    public IReadOnlyList<NodeRecord> Nodes => [.. Founders.SelectMany(f => f.Nodes)];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.U8(Version).Text(NetworkId);
        Policy.Write(writer);
        writer.VarUInt((ulong)Founders.Count);
        foreach (var founder in Founders) founder.WriteFields(writer);
        NetworkPolicy.Write(writer);
    }

    /// <summary>
    /// Why the founders together are not acceptable (no node, too many, or an organisation id, admin id, node id or key used
    /// twice across them), or null. Each founder's own fields are checked by <see cref="AddOrganisationAction.Problem"/>.
    /// </summary>
    public string? FoundersProblem()
    {
        if (Founders.Count is 0 or > MaxFounders) return $"founders: 1 to {MaxFounders} founding organisations are needed (got {Founders.Count})";
        for (var i = 0; i < Founders.Count; i++)
        {
            if (Founders[i].Problem() is { } problem) return $"founders[{i}].{problem}";
        }
        var nodes = Nodes;
        if (nodes.Count is 0 or > ValidatorSet.MaxNodes) return $"nodes: the founders must name 1 to {ValidatorSet.MaxNodes} nodes (got {nodes.Count})";
        if (Repeated(Founders.Select(f => f.Organisation.Id), out var org)) return $"founders.organisation.id: '{org}' is used by two founders";
        if (Repeated(Founders.Select(f => f.AdminId), out var admin)) return $"founders.adminId: '{admin}' is used by two founders";
        if (Repeated(nodes.Select(n => n.Id), out var node)) return $"founders.nodes.id: '{node}' is used by two founders";
        var signing = Founders.SelectMany(f => new[] { f.Organisation.SigningKey, f.AdminSigningKey }.Concat(f.Nodes.Select(n => n.SigningKey)));
        if (Repeated(signing, out var key)) return $"founders.keys: signing key {key} is used twice (organisation, admin and node keys must all differ)";
        var encryption = Founders.SelectMany(f => new[] { f.Organisation.EncryptionKey, f.AdminEncryptionKey });
        return Repeated(encryption, out var ek) ? $"founders.keys: encryption key {ek} is used twice (each organisation and admin has its own)" : null;
    }

    private static bool Repeated<T>(IEnumerable<T> values, out T? repeated)
    {
        var seen = new HashSet<T>();
        foreach (var value in values)
        {
            if (!seen.Add(value))
            {
                repeated = value;
                return true;
            }
        }
        repeated = default;
        return false;
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
        payload = null!;
        if (r.U8(out var version) && version != GenesisPayload.Version)
        {
            return r.Fail($"genesis payload version {version} is not supported (this code reads version {GenesisPayload.Version})");
        }
        r.Text(out var networkId, Identifiers.MaxLength, "network id");
        ChainPolicy.TryRead(ref r, out var policy);
        r.VarUInt(out var count, GenesisPayload.MaxFounders, "founder count");
        var founders = new List<AddOrganisationAction>();
        for (ulong i = 0; i < count && r.Error is null; i++)
        {
            AddOrganisationAction.TryReadBody(ref r, out var founder);
            founders.Add(founder);
        }
        NetworkPolicy.TryRead(ref r, out var networkPolicy);
        payload = new GenesisPayload(networkId, policy, founders, networkPolicy);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(GenesisPayload p)
    {
        if (!Identifiers.IsValid(p.NetworkId)) return Invalid("networkId", Identifiers.Rule);
        if (p.FoundersProblem() is { } problem) return TxResult.Reject(TxVerdict.InvalidField, problem);
        return p.NetworkPolicy.Problems() is [var (field, policyProblem), ..] ? Invalid("networkPolicy." + field, policyProblem) : TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, GenesisPayload p)
    {
        if (tx.Signer != p.Organisation.SigningKey)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "genesis must be signed by the first founding organisation's key");
        }
        context.State.Set(StateKeys.Network, new NetworkConfig(p.NetworkId, p.Policy).Encode());
        context.State.Set(StateKeys.Governance, GovernancePolicy.Default.Encode());
        context.State.Set(StateKeys.Policy, new PolicyState(1, p.Organisation.Id, p.NetworkPolicy, new Records.RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        for (var i = 0; i < p.Founders.Count; i++)
        {
            var admitted = Consortium.Apply(context, p.Founders[i]);
            if (!admitted.IsOk) return TxResult.Reject(admitted.Verdict, $"founders[{i}] ('{p.Founders[i].Organisation.Id}'): {admitted.Reason}");
        }
        return TxResult.Ok;
    }
}
