using HealthLedger.Core.Consensus;
using HealthLedger.Testing;
using static HealthLedger.Core.Consensus.ConsensusAction;
using static HealthLedger.Core.Consensus.ConsensusInput;

namespace HealthLedger.Core.Tests.Consensus;

public class SoloEngineTests
{
    [Fact]
    public void Nothing_happens_without_transactions()
    {
        using var net = new TestNetwork();
        var engine = new SoloEngine(net.Tip, 100, 50);
        Assert.Empty(engine.Handle(new TransactionsPending(10, 0)));
        Assert.Empty(engine.Handle(new Tick(1000)));
    }

    [Fact]
    public void A_partial_batch_waits_for_the_delay_then_is_proposed_and_committed()
    {
        using var net = new TestNetwork();
        var engine = new SoloEngine(net.Tip, 100, 50);
        var now = net.Tip.Timestamp + 10;
        Assert.Equal([new ScheduleTick(now + 50)], engine.Handle(new TransactionsPending(now, 3)));
        Assert.Empty(engine.Handle(new TransactionsPending(now + 5, 4)));
        var propose = Assert.IsType<ProposeBlock>(Assert.Single(engine.Handle(new Tick(now + 50))));
        Assert.Equal((1UL, now + 50, 100), (propose.Height, propose.Timestamp, propose.MaxTransactions));
        Assert.Empty(engine.Handle(new TransactionsPending(now + 51, 9)));

        var built = net.Append(propose.Timestamp, [net.Register("a")]).Block.Header;
        var commit = Assert.IsType<CommitBlock>(Assert.Single(engine.Handle(new BlockBuilt(now + 52, built))));
        Assert.Equal(built.Hash, commit.BlockHash);
        Assert.Equal([new ScheduleTick(now + 53 + 50)], engine.Handle(new BlockCommitted(now + 53, built, 8)));
    }

    [Fact]
    public void A_full_batch_is_proposed_at_once_and_timestamps_never_go_back()
    {
        using var net = new TestNetwork();
        var engine = new SoloEngine(net.Tip, 10, 50);
        var propose = Assert.IsType<ProposeBlock>(Assert.Single(engine.Handle(new TransactionsPending(net.Tip.Timestamp - 5000, 10))));
        Assert.Equal(net.Tip.Timestamp, propose.Timestamp);
    }

    [Fact]
    public void A_stale_built_block_is_not_committed()
    {
        using var net = new TestNetwork();
        var genesis = net.Tip;
        var engine = new SoloEngine(genesis, 10, 50);
        Assert.Empty(engine.Handle(new BlockBuilt(1, genesis)));
    }
}
