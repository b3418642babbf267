using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Execution;

public class BlockExecutorTests
{
    private const ulong T = 1_700_000_001_000;

    [Fact]
    public void Genesis_sets_up_the_network_organisation_admin_and_node()
    {
        using var net = new TestNetwork();
        Assert.Equal(TxVerdict.Ok, net.Blocks[0].Execution.Receipts[0].Verdict);
        Assert.True(net.State.TryGet(StateKeys.User("admin"), out var admin));
        Assert.Equal(Role.Admin, UserRecord.TryDecode(admin)!.Role);
        Assert.True(net.State.TryGet(StateKeys.Network, out var config));
        Assert.Equal(TestNetwork.NetworkId, NetworkConfig.TryDecode(config)!.NetworkId);
        Assert.Equal(SignerKind.Node, SignerRecord.TryDecode(net.State.TryGet(StateKeys.Signer(net.Node.PublicKey), out var s) ? s : [])!.Kind);
        Assert.Equal((1, TestNetwork.OrgId, NetworkPolicy.Default), (PolicyState.Read(net.State)!.Version, PolicyState.Read(net.State)!.OrganisationId, PolicyState.Read(net.State)!.Policy));
    }

    [Fact]
    public void An_admin_registers_users_and_the_nonce_advances()
    {
        using var net = new TestNetwork();
        var block = net.Append(T, [net.Register("alice"), net.Register("bob", Role.Doctor)]);
        Assert.All(block.Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        Assert.Equal(Role.Doctor, UserRecord.TryDecode(net.State.TryGet(StateKeys.User("bob"), out var b) ? b : [])!.Role);
        Assert.Equal(2UL, SignerCheck.LastNonce(net.State, block.Block.Transactions[1]));
    }

    public static TheoryData<string, TxVerdict, string> StateRejections() => new()
    {
        { "unknown-signer", TxVerdict.UnknownSigner, "not registered" },
        { "replay", TxVerdict.BadNonce, "not above the signer's last nonce" },
        { "doctor-registers", TxVerdict.Unauthorized, "only an admin" },
        { "other-organisation", TxVerdict.Unauthorized, "only an admin of organisation 'elsewhere'" },
        { "duplicate-user", TxVerdict.AlreadyExists, "user id 'alice' is taken" },
        { "duplicate-key", TxVerdict.AlreadyExists, "signing key is already registered" },
        { "genesis-again", TxVerdict.WrongPlace, "genesis is only valid" },
        { "doctor-changes-policy", TxVerdict.Unauthorized, "only an admin of organisation 'test-hospital' may change the network policy" },
        { "policy-version-skipped", TxVerdict.Conflict, "version: the policy is at version 1" },
    };

    [Theory]
    [MemberData(nameof(StateRejections))]
    public void A_rejected_transaction_gets_its_reason_and_changes_nothing(string variant, TxVerdict verdict, string reason)
    {
        using var net = new TestNetwork();
        using var stranger = TestNetwork.Keys(50);
        using var bobKeys = TestNetwork.KeysFor("bob");
        var alice = net.Register("alice");
        net.Append(T, [alice, net.Register("bob", Role.Doctor)]);
        var rootBefore = net.State.Root;
        var withoutNoncesBefore = net.State.RootWithoutNonces();
        var tx = variant switch
        {
            "unknown-signer" => TestNetwork.Register(stranger.Signing, 1, "carol"),
            "replay" => alice,
            "doctor-registers" => TestNetwork.Register(bobKeys.Signing, 1, "carol"),
            "other-organisation" => TestNetwork.Register(net.Admin.Signing, 3, "carol", org: "elsewhere"),
            "duplicate-user" => TestNetwork.Register(net.Admin.Signing, 3, "alice", keySeed: 77),
            "duplicate-key" => DuplicateKey(net),
            "genesis-again" => Transaction.Create(TestNetwork.NetworkId, net.Organisation.Signing, 2, net.GenesisPayload()),
            "doctor-changes-policy" => Transaction.Create(TestNetwork.NetworkId, bobKeys.Signing, 1, new Core.Transactions.Kinds.ConfigurePolicyPayload(2, new NetworkPolicy(1, 1))),
            "policy-version-skipped" => Transaction.Create(TestNetwork.NetworkId, net.Admin.Signing, 3, new Core.Transactions.Kinds.ConfigurePolicyPayload(5, new NetworkPolicy(1, 1))),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var block = net.Append(T + 1, [tx]);
        var receipt = Assert.Single(block.Execution.Receipts);
        Assert.Equal(verdict, receipt.Verdict);
        Assert.Contains(reason, receipt.Reason);
        Assert.Equal(withoutNoncesBefore, net.State.RootWithoutNonces());
        if (verdict is TxVerdict.UnknownSigner or TxVerdict.BadNonce or TxVerdict.WrongPlace)
        {
            // Refused before its signer check passed: not even a nonce is written.
            Assert.Equal(0, block.Execution.Changes.Count);
            Assert.Equal(rootBefore, net.State.Root);
            return;
        }
        // Past its signer check, a refused transaction writes its signer's nonce and nothing else, so the same bytes sent again
        // (by anyone who saw them) are stale, not executed once more (a break-it test committed one refused transaction four times).
        Assert.Equal(StateKeys.Nonce(tx.Signer, NonceLanes.Lane(tx.Nonce)), Assert.Single(block.Execution.Changes.Entries).Key);
        var again = Assert.Single(net.Append(T + 2, [tx]).Execution.Receipts);
        Assert.Equal(TxVerdict.BadNonce, again.Verdict);
        Assert.Contains("replayed or stale", again.Reason, StringComparison.Ordinal);
    }

    private static Transaction DuplicateKey(TestNetwork net)
    {
        using var aliceKeys = TestNetwork.KeysFor("alice");
        return Transaction.Create(TestNetwork.NetworkId, net.Admin.Signing, 3,
            new Core.Transactions.Kinds.RegisterUserPayload("carol", Role.Patient, TestNetwork.OrgId, aliceKeys.Signing.PublicKey, aliceKeys.Encryption.PublicKey));
    }

    [Fact]
    public void Unknown_organisation_is_reported_when_the_signer_is_its_admin()
    {
        // An admin can only act for its own organisation, so NotFound needs an organisation that vanished: build the state by hand.
        using var net = new TestNetwork();
        var overlay = new Core.State.StateOverlay(net.State);
        overlay.Delete(StateKeys.Organisation(TestNetwork.OrgId));
        var result = BlockExecutor.Execute(overlay, 1, T, [net.Register("alice")]);
        Assert.Equal(TxVerdict.NotFound, result.Receipts[0].Verdict);
    }

    [Fact]
    public void Block_zero_holds_only_genesis()
    {
        using var net = new TestNetwork();
        var result = BlockExecutor.Execute(Core.State.WorldState.Load([]), 0, T, [net.Register("alice")]);
        Assert.Equal(TxVerdict.WrongPlace, result.Receipts[0].Verdict);
        Assert.Equal(0, result.Changes.Count);
    }

    [Fact]
    public void Within_a_block_the_first_of_two_conflicting_registrations_wins()
    {
        using var net = new TestNetwork();
        var block = net.Append(T, [net.Register("alice"), net.Register("alice", keySeed: 99)]);
        Assert.Equal(TxVerdict.Ok, block.Execution.Receipts[0].Verdict);
        Assert.Equal(TxVerdict.AlreadyExists, block.Execution.Receipts[1].Verdict);
        // The refused second registration used up its nonce (2) as well: its bytes cannot be committed again.
        Assert.Equal(2UL, SignerCheck.LastNonce(net.State, block.Block.Transactions[0]));
    }

    [Fact]
    public void Execution_is_deterministic()
    {
        using var a = new TestNetwork();
        using var b = new TestNetwork();
        var txs = Enumerable.Range(0, 50).Select(i => a.Register($"user-{i}")).ToList();
        Assert.Equal(a.Append(T, txs).Block.Header.Hash, b.Append(T, txs).Block.Header.Hash);
        Assert.Equal(a.State.Root, b.State.Root);
    }
}
