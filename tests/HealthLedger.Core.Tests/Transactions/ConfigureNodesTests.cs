using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Transactions;

/// <summary>The validator set lives in the state and changes only through ConfigureNodes, signed by an admin of the node's organisation.</summary>
public class ConfigureNodesTests
{
    private const ulong T = 1_700_000_100_000;

    // As a node does: decode the bytes (field checks), then execute in a block.
    private static Receipt Run(TestNetwork net, SigningKeyPair signer, ulong nonce, NodeChange change, NodeRecord node)
    {
        var tx = Transaction.Create(TestNetwork.NetworkId, signer, nonce, new ConfigureNodesPayload(change, node));
        var decoded = Transaction.TryDecode(tx.Encoded.Span, ChainPolicy.MaxTxBytesCeiling, out var back);
        return decoded.IsOk ? net.Append(T, [back!]).Execution.Receipts[0] : new Receipt(tx.Id, decoded.Verdict, decoded.Reason);
    }

    private static NodeRecord NewNode(string id, int seed, string address = "http://10.0.0.9:5180")
    {
        using var key = SigningKeyPair.FromSeed(TestNetwork.Seed(seed, 32));
        return new NodeRecord(id, TestNetwork.OrgId, key.PublicKey, address);
    }

    [Fact]
    public void Genesis_records_its_nodes_as_the_validator_set()
    {
        using var net = new TestNetwork();
        var set = ValidatorSet.Read(net.State);
        Assert.Equal(["test-node-1"], set.Select(n => n.Id));
        Assert.Equal(net.Node.PublicKey, set[0].SigningKey);
    }

    [Fact]
    public void An_admin_adds_replaces_and_removes_a_node_and_the_set_follows()
    {
        using var net = new TestNetwork();
        var added = NewNode("test-node-2", 50);
        Assert.Equal(TxVerdict.Ok, Run(net, net.Admin.Signing, 1, NodeChange.Add, added).Verdict);
        Assert.Equal(["test-node-1", "test-node-2"], ValidatorSet.Read(net.State).Select(n => n.Id));
        Assert.True(BlockChecks.IsNode(net.State, added.SigningKey));

        var replaced = NewNode("test-node-2", 51, "http://10.0.0.10:5180");
        Assert.Equal(TxVerdict.Ok, Run(net, net.Admin.Signing, 2, NodeChange.Replace, replaced).Verdict);
        Assert.Equal(replaced, ValidatorSet.Read(net.State)[1]);
        Assert.False(BlockChecks.IsNode(net.State, added.SigningKey)); // the old key no longer counts
        Assert.True(BlockChecks.IsNode(net.State, replaced.SigningKey));

        Assert.Equal(TxVerdict.Ok, Run(net, net.Admin.Signing, 3, NodeChange.Remove, replaced with { Address = "" }).Verdict);
        Assert.Equal(["test-node-1"], ValidatorSet.Read(net.State).Select(n => n.Id));
        Assert.False(BlockChecks.IsNode(net.State, replaced.SigningKey));
    }

    [Theory]
    [InlineData("last-node", TxVerdict.Conflict, "last voting node")]
    [InlineData("duplicate-id", TxVerdict.AlreadyExists, "already exists")]
    [InlineData("key-in-use", TxVerdict.AlreadyExists, "already belongs")]
    [InlineData("unknown-node", TxVerdict.NotFound, "does not exist")]
    [InlineData("not-admin", TxVerdict.Unauthorized, "only an admin")]
    [InlineData("bad-address", TxVerdict.InvalidField, "node.address")]
    [InlineData("move-organisation", TxVerdict.InvalidField, "another organisation")]
    public void Bad_changes_are_rejected_with_their_reason_and_change_nothing(string variant, TxVerdict verdict, string reason)
    {
        using var net = new TestNetwork();
        var doctor = TestNetwork.Keys(60);
        net.Append(T, [net.Register("dr-who", Role.Doctor, keySeed: 60)]);
        var nonce = net.AdminNonce;
        var before = net.State.RootWithoutNonces();
        var (signer, n, change, node) = variant switch
        {
            "last-node" => (net.Admin.Signing, nonce + 1, NodeChange.Remove, new NodeRecord("test-node-1", TestNetwork.OrgId, net.Node.PublicKey, "")),
            "duplicate-id" => (net.Admin.Signing, nonce + 1, NodeChange.Add, NewNode("test-node-1", 52)),
            "key-in-use" => (net.Admin.Signing, nonce + 1, NodeChange.Add, new NodeRecord("test-node-3", TestNetwork.OrgId, net.Admin.Signing.PublicKey, "")),
            "unknown-node" => (net.Admin.Signing, nonce + 1, NodeChange.Replace, NewNode("test-node-9", 53)),
            "not-admin" => (doctor.Signing, 1ul, NodeChange.Add, NewNode("test-node-4", 54)),
            "bad-address" => (net.Admin.Signing, nonce + 1, NodeChange.Add, NewNode("test-node-5", 55, "ftp://somewhere/x")),
            "move-organisation" => (net.Admin.Signing, nonce + 1, NodeChange.Replace, new NodeRecord("test-node-1", "other-org", net.Node.PublicKey, "")),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var receipt = Run(net, signer, n, change, node);
        Assert.Equal(verdict, receipt.Verdict);
        Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
        Assert.Equal(before, net.State.RootWithoutNonces());
        doctor.Dispose();
    }
}
