using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Ledger;

/// <summary>How the node hands a proposed or synced block to the block validator: its tip, validators, clock bound and store.</summary>
public class LedgerNodeTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static ulong Ms(DateTimeOffset t) => (ulong)t.ToUnixTimeMilliseconds();

    [Fact]
    public void Validate_accepts_the_block_this_node_would_build_and_commits_nothing()
    {
        using var folder = new TempDirectory();
        NodeFixture.Initialise(folder.Combine("data"));
        using var node = LedgerNode.Open(new NodeOptions { DataDirectory = folder.Combine("data") });
        var built = node.Build(Ms(Now), 10).Built;

        var candidate = node.Validate(new BlockValue(built.Block, new Dictionary<Hash256, byte[]>()), Ms(Now), out var error);
        Assert.Null(error);
        Assert.Equal(built.Block.Header.StateRoot, candidate!.Built.Tree.Root);
        Assert.Equal(0UL, node.Tip.Height);
    }

    [Fact]
    public void Validate_refuses_a_block_more_than_the_tolerated_skew_ahead_of_the_clock()
    {
        using var folder = new TempDirectory();
        NodeFixture.Initialise(folder.Combine("data"));
        using var node = LedgerNode.Open(new NodeOptions { DataDirectory = folder.Combine("data") });
        var ahead = Now + LedgerNode.MaxClockSkew + TimeSpan.FromSeconds(1);
        var built = node.Build(Ms(ahead), 10).Built;

        Assert.Null(node.Validate(new BlockValue(built.Block, new Dictionary<Hash256, byte[]>()), Ms(Now), out var error));
        Assert.Contains("too far in the future", error);
        Assert.NotNull(node.Validate(new BlockValue(built.Block, new Dictionary<Hash256, byte[]>()), Ms(ahead), out _));
    }

    [Fact]
    public void Validate_refuses_a_block_whose_proposer_is_not_one_of_the_nodes_validators()
    {
        using var folder = new TempDirectory();
        NodeFixture.Initialise(folder.Combine("data"));
        using var node = LedgerNode.Open(new NodeOptions { DataDirectory = folder.Combine("data") });
        using var stranger = SigningKeyPair.FromSeed(new byte[32]);
        var built = BlockBuilder.Build(WorldState.Load(node.Store.ReadState()), node.Network.NetworkId, node.Tip, Ms(Now), [], stranger);

        Assert.Null(node.Validate(new BlockValue(built.Block, new Dictionary<Hash256, byte[]>()), Ms(Now), out var error));
        Assert.Contains("is not a node of this network", error);
    }
}
