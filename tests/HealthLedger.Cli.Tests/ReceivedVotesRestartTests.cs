using HealthLedger.Consensus;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// The votes a validator received for the height it is deciding survive its restart (issue 13): kept in its store, read
/// back and re-gossiped. Before, a restarted node held only its own votes and depended on its peers to send the others again.
/// </summary>
public sealed class ReceivedVotesRestartTests
{
    [Fact]
    public async Task A_restarted_validator_holds_the_prevote_it_received_from_a_peer_that_is_now_down()
    {
        using var dir = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 4);
        var (one, two) = (net.Folder(1), net.Folder(2));

        // Two of four validators: no quorum, so the height stays in the prevote step with both prevotes held by each.
        await net.StartAsync(one, two);
        var http = net.Http(one);
        var signer = await Signers.GetAsync(http, net.Admin);
        var before = (await LocalCluster.HealthAsync(http))!;
        await net.SubmitAsync(http, net.Registration(signer.Network, signer.OrganisationId, signer.LastNonce + 1, "votes-restart"));
        var height = before.Height + 1;
        await net.WaitAsync($"both validators hold both prevotes at height {height}", async () =>
            (await LocalCluster.HealthAsync([http, net.Http(two)])).All(h => h is { Consensus: { Step: "prevote", Prevotes: 2 } c } && c.Height == height));
        await net.StopAsync();

        // The store holds node 2's prevote for that height beside node 1's own.
        using (var store = SqliteLedgerStore.OpenReadOnly(new DataDirectory(one).LedgerPath))
        {
            var kept = ReceivedVotesCodec.TryDecode(store.ReadReceivedVotes() ?? []);
            Assert.NotNull(kept);
            Assert.Equal(height, kept.Value.Height);
            Assert.Equal(2, kept.Value.Votes.Where(v => v.Type == MessageType.Prevote).Select(v => v.Sender).Distinct().Count());
        }

        // Node 1 restarts alone: node 2 is down, so the second prevote it shows can only come from its own store.
        await net.StartAsync(one);
        await net.WaitAsync($"the restarted validator holds both prevotes of height {height} again", async () =>
            await LocalCluster.HealthAsync(http) is { Consensus: { Prevotes: 2 } c } && c.Height == height);
        await net.StopAsync();
        Assert.Contains($"vote(s) held for height {height} before the restart restored", net.Logs(), StringComparison.Ordinal);
    }
}
