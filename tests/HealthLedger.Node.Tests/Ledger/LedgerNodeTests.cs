using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public async Task A_waiter_for_a_transaction_is_answered_only_after_its_block_is_fully_applied()
    {
        await using var fixture = await NodeFixture.StartAsync();
        var node = fixture.App.Services.GetRequiredService<LedgerNode>();
        var seen = new TaskCompletionSource<(Task<Storage.CommittedTransaction> Waiter, bool CompletedInside, ulong Height)>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnCommitted(CandidateBlock candidate)
        {
            // Here the block is in the store but its commit is not finished: the read models are being updated.
            if (candidate.Built.Block.Transactions.Count == 0) return;
            var waiter = node.WaitForCommitAsync(candidate.Built.Block.Transactions[0].Id, TestContext.Current.CancellationToken);
            seen.TrySetResult((waiter, waiter.IsCompleted, candidate.Built.Block.Header.Height));
        }
        node.BlockCommitted += OnCommitted;
        try
        {
            var admin = await fixture.LoginAsync("admin", NodeFixture.Password);
            using var response = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-wait", name = "Wai T", specialty = "X", department = "Y", licenceNumber = "L" }, TestContext.Current.CancellationToken);
            var (waiter, completedInside, height) = await seen.Task.WaitAsync(TestContext.Current.CancellationToken);
            Assert.False(completedInside, "a waiter was answered before the block's commit finished");
            Assert.Equal(height, (await waiter).Height);
        }
        finally
        {
            node.BlockCommitted -= OnCommitted;
        }
    }
}
