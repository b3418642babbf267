using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Transactions;

/// <summary>
/// A genesis that founds several organisations at once (<c>consortium up</c>): each founder is admitted through
/// <see cref="Consortium.Apply"/> as a later member would be; the first founder signs; ids and keys never repeat.
/// </summary>
public sealed class GenesisTests : IDisposable
{
    private const string Net = "consortium-net";
    private const ulong T0 = 1_700_000_000_000;

    private static readonly (string Id, string Name, OrganisationType Type)[] Orgs =
    [
        ("general-hospital", "General Hospital", OrganisationType.Hospital),
        ("st-mary-hospital", "St Mary Hospital", OrganisationType.Hospital),
        ("city-lab", "City Lab", OrganisationType.Laboratory),
        ("green-pharmacy", "Green Pharmacy", OrganisationType.Pharmacy),
    ];

    private readonly List<IDisposable> _owned = [];

    private UserKeys OrgKeys(int k) => Own(TestNetwork.Keys(400 + k));

    private UserKeys AdminKeys(int k) => Own(TestNetwork.Keys(500 + k));

    private SigningKeyPair NodeKey(int k) => Own(SigningKeyPair.FromSeed(TestNetwork.Seed(600 + k, 32)));

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private AddOrganisationAction Founder(int k)
    {
        var (id, name, type) = Orgs[k];
        var org = OrgKeys(k);
        var admin = AdminKeys(k);
        return new AddOrganisationAction(new OrganisationRecord(id, name, org.Signing.PublicKey, org.Encryption.PublicKey, type, $"+1 555 020{k}"),
            $"admin.{id}", admin.Signing.PublicKey, admin.Encryption.PublicKey,
            [new NodeRecord($"{id}-node-1", id, NodeKey(k).PublicKey, $"http://127.0.0.1:{5180 + k}")]);
    }

    private GenesisPayload FourFounders() => new(Net, ChainPolicy.Default, [.. Enumerable.Range(0, 4).Select(Founder)], NetworkPolicy.Default);

    // Signs as a node would receive it: encoded, decoded (field checks), then executed alone in block 0.
    private (Receipt Receipt, WorldState State) Found(GenesisPayload genesis, int signer = 0)
    {
        var tx = Transaction.Create(Net, OrgKeys(signer).Signing, 1, genesis);
        var decoded = Transaction.TryDecode(tx.Encoded.Span, ChainPolicy.MaxTxBytesCeiling, out var back);
        var state = WorldState.Load([]);
        if (!decoded.IsOk) return (new Receipt(tx.Id, decoded.Verdict, decoded.Reason), state);
        var built = BlockBuilder.Build(state, Net, null, T0, [back!], NodeKey(0));
        state.Apply(built.Execution.Changes, built.Tree);
        return (built.Execution.Receipts[0], state);
    }

    [Fact]
    public void Genesis_founds_four_organisations_with_their_records_admins_nodes_and_validators()
    {
        var (receipt, state) = Found(FourFounders());
        Assert.Equal(TxVerdict.Ok, receipt.Verdict);
        Assert.Equal(Orgs.Select(o => o.Id).Order(StringComparer.Ordinal), Consortium.OrganisationIds(state));
        Assert.Equal(Orgs.Select(o => o.Id + "-node-1").Order(StringComparer.Ordinal), ValidatorSet.Ids(state));
        Assert.Equal(4, Consortium.ActiveOrganisations(state).Count);
        for (var k = 0; k < Orgs.Length; k++)
        {
            var (id, name, type) = Orgs[k];
            var org = Consortium.GetOrganisation(state, id)!;
            Assert.Equal((name, type, $"+1 555 020{k}", OrganisationStatus.Active), (org.Name, org.Type, org.Contact, org.Status));
            Assert.Equal(OrgKeys(k).Signing.PublicKey, org.SigningKey);
            Assert.True(state.TryGet(StateKeys.User($"admin.{id}"), out var u));
            var admin = UserRecord.TryDecode(u)!;
            Assert.Equal((Role.Admin, id), (admin.Role, admin.OrganisationId));
            Assert.Equal([$"{id}-node-1"], Consortium.NodesOf(state, id));
            Assert.True(state.TryGet(StateKeys.Signer(org.SigningKey), out var s));
            Assert.Equal(new SignerRecord(SignerKind.Organisation, id), SignerRecord.TryDecode(s));
        }
        // The first founder holds the network policy; no founder acts alone: 3 of 4 must approve a change.
        Assert.Equal("general-hospital", PolicyState.Read(state)!.OrganisationId);
        Assert.False(Consortium.MayActAlone(state, new RemoveNodeAction("city-lab-node-1"), "general-hospital", out var needed));
        Assert.Equal(3, needed);
    }

    [Fact]
    public void The_first_founder_signs_the_genesis_and_no_other()
    {
        var (receipt, state) = Found(FourFounders(), signer: 2);
        Assert.Equal(TxVerdict.Unauthorized, receipt.Verdict);
        Assert.Contains("first founding organisation", receipt.Reason, StringComparison.Ordinal);
        Assert.False(state.TryGet(StateKeys.Organisations, out _));
    }

    public static TheoryData<string, string> Repeats => new()
    {
        { "organisation-id", "'general-hospital' is used by two founders" },
        { "admin-id", "'admin.general-hospital' is used by two founders" },
        { "node-id", "'general-hospital-node-1' is used by two founders" },
        { "organisation-key", "is used twice" },
        { "admin-key-as-node-key", "is used twice" },
        { "encryption-key", "encryption key" },
    };

    [Theory]
    [MemberData(nameof(Repeats))]
    public void Ids_and_keys_repeated_across_founders_are_refused(string variant, string reason)
    {
        var genesis = FourFounders();
        var first = genesis.Founders[0];
        var last = genesis.Founders[3];
        last = variant switch
        {
            "organisation-id" => last with
            {
                Organisation = last.Organisation with { Id = first.Organisation.Id },
                Nodes = [last.Nodes[0] with { OrganisationId = first.Organisation.Id }],
            },
            "admin-id" => last with { AdminId = first.AdminId },
            "node-id" => last with { Nodes = [last.Nodes[0] with { Id = first.Nodes[0].Id }] },
            "organisation-key" => last with { Organisation = last.Organisation with { SigningKey = first.Organisation.SigningKey } },
            "admin-key-as-node-key" => last with { AdminSigningKey = first.Nodes[0].SigningKey },
            "encryption-key" => last with { AdminEncryptionKey = first.Organisation.EncryptionKey },
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var (receipt, _) = Found(genesis with { Founders = [.. genesis.Founders.Take(3), last] });
        Assert.Equal(TxVerdict.InvalidField, receipt.Verdict);
        Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_founder_with_a_bad_field_is_named_by_its_position()
    {
        var genesis = FourFounders();
        var bad = genesis.Founders[2] with { AdminId = "X" };
        var (receipt, _) = Found(genesis with { Founders = [genesis.Founders[0], genesis.Founders[1], bad, genesis.Founders[3]] });
        Assert.Equal(TxVerdict.InvalidField, receipt.Verdict);
        Assert.StartsWith("founders[2].adminId:", receipt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_founder_or_founders_without_any_node_are_refused()
    {
        Assert.Contains("1 to 100 founding organisations", Found(FourFounders() with { Founders = [] }).Receipt.Reason, StringComparison.Ordinal);
        var nodeless = FourFounders().Founders.Select(f => f with { Nodes = [] }).ToList();
        var (receipt, _) = Found(FourFounders() with { Founders = nodeless });
        Assert.Equal(TxVerdict.InvalidField, receipt.Verdict);
        Assert.Contains("must name 1 to", receipt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_founder_without_nodes_is_admitted_beside_founders_with_nodes()
    {
        var genesis = FourFounders();
        var (receipt, state) = Found(genesis with { Founders = [.. genesis.Founders.Take(3), genesis.Founders[3] with { Nodes = [] }] });
        Assert.Equal(TxVerdict.Ok, receipt.Verdict);
        Assert.Equal(4, Consortium.OrganisationIds(state).Count);
        Assert.Equal(3, ValidatorSet.Ids(state).Count);
    }

    [Fact]
    public void The_payload_starts_with_its_version_and_an_older_one_is_refused()
    {
        var w = new CanonicalWriter();
        FourFounders().Write(w);
        var bytes = w.ToArray();
        Assert.Equal(GenesisPayload.Version, bytes[0]);
        bytes[0] = 1;
        Assert.True(TxKinds.TryGet(TxKind.Genesis, out var handler));
        var (result, payload) = handler.Decode(bytes);
        Assert.Null(payload);
        Assert.Equal(TxVerdict.Malformed, result.Verdict);
        Assert.Contains("genesis payload version 1 is not supported", result.Reason, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
