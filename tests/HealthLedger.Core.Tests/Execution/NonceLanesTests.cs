using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Execution;

public class NonceLanesTests
{
    private const ulong T = 1_700_000_001_000;

    [Fact]
    public void A_nonce_is_a_lane_and_a_sequence()
    {
        var nonce = NonceLanes.Compose(3, 42);
        Assert.Equal((3, 42UL), (NonceLanes.Lane(nonce), NonceLanes.Sequence(nonce)));
        Assert.Equal((0, 7UL), (NonceLanes.Lane(7), NonceLanes.Sequence(7)));
        Assert.Throws<ArgumentOutOfRangeException>(() => NonceLanes.Compose(1, NonceLanes.MaxSequence + 1));
    }

    [Fact]
    public void Two_lanes_of_one_signer_advance_independently_in_one_block()
    {
        using var net = new TestNetwork();
        // The admin signs in lane 0 (as before lanes) and, as if from a second node, in lane 1, interleaved.
        var block = net.Append(T, [
            TestNetwork.Register(net.Admin.Signing, 1, "alice"),
            TestNetwork.Register(net.Admin.Signing, NonceLanes.Compose(1, 1), "bob"),
            TestNetwork.Register(net.Admin.Signing, 2, "carol"),
            TestNetwork.Register(net.Admin.Signing, NonceLanes.Compose(1, 2), "dave"),
        ]);
        Assert.All(block.Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        Assert.Equal(2UL, SignerCheck.LastNonce(net.State, net.Admin.Signing.PublicKey));
        Assert.Equal(NonceLanes.Compose(1, 2), SignerCheck.LastNonce(net.State, net.Admin.Signing.PublicKey, 1));
        Assert.Equal(NonceLanes.Start(2), SignerCheck.LastNonce(net.State, net.Admin.Signing.PublicKey, 2));
        // Lane 0 keeps the state key it always had, so chains written before lanes keep their state roots.
        Assert.True(net.State.TryGet("nonce/" + net.Admin.Signing.PublicKey, out _));
        Assert.True(net.State.TryGet("nonce/" + net.Admin.Signing.PublicKey + "/1", out _));
    }

    [Fact]
    public void A_replay_or_stale_nonce_within_a_lane_is_refused()
    {
        using var net = new TestNetwork();
        net.Append(T, [TestNetwork.Register(net.Admin.Signing, NonceLanes.Compose(1, 5), "alice")]);
        var replay = TestNetwork.Register(net.Admin.Signing, NonceLanes.Compose(1, 5), "bob");
        var stale = TestNetwork.Register(net.Admin.Signing, NonceLanes.Compose(1, 4), "bob");
        var laneStart = TestNetwork.Register(net.Admin.Signing, NonceLanes.Start(2), "bob");
        foreach (var tx in new[] { replay, stale, laneStart })
        {
            var result = SignerCheck.Check(net.State, tx, out _);
            Assert.Equal(TxVerdict.BadNonce, result.Verdict);
        }
        Assert.Contains("in that lane", SignerCheck.Check(net.State, replay, out _).Reason, StringComparison.Ordinal);
        // Lane 0 is untouched by lane 1: its first nonce is still 1.
        Assert.True(SignerCheck.Check(net.State, TestNetwork.Register(net.Admin.Signing, 1, "bob"), out _).IsOk);
        // A waiting transaction in the lane counts like a committed one.
        Assert.Equal(TxVerdict.BadNonce, SignerCheck.Check(net.State, TestNetwork.Register(net.Admin.Signing, NonceLanes.Compose(1, 6), "bob"), out _, NonceLanes.Compose(1, 6)).Verdict);
    }
}
