using HealthLedger.Core.Transactions;
using HealthLedger.Node.Chain;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// The real-process twins of the Node tests' <c>ForkNetworkTests</c> (issue 12): networks made by <c>init --nodes</c> whose
/// validators run as separate <c>healthledger node</c> processes, split into two sides that never run at the same time (a
/// network partition), each side given a transaction of its own through the API. With 6 validators a 3 | 3 split; with 5 a
/// 3 | 3 split where node 5's data folder (key and store) is copied and runs on both sides, so one key signs two different
/// proposals or votes at one height (a Byzantine validator). No side may commit; once the network heals both transactions
/// commit, every node holds the same chain, and <c>verify</c> passes on every folder with the same state root.
/// <para>
/// "Nothing committed" is not waited for with a sleep. Three validators are no quorum (5 of 6, 4 of 5), so no round can end:
/// without a quorum of prevotes there is no prevote timeout and no polka. The test waits until every validator of the side is
/// in the prevote step of the next height holding the prevote of every validator of the side (<c>/healthz</c>
/// <c>consensus.prevotes</c>): from there nothing the side can still send decides anything; then it asserts the tip did not move.
/// </para>
/// </summary>
public sealed class ForkClusterTests
{
    [Fact]
    public async Task Six_validator_processes_split_three_to_three_commit_nothing_on_either_side_and_one_chain_after_healing()
    {
        using var dir = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 6);
        var fork = new Fork(net);
        var a = await fork.SideCommitsNothingAsync([net.Folder(1), net.Folder(2), net.Folder(3)], "side-a");
        var b = await fork.SideCommitsNothingAsync([net.Folder(4), net.Folder(5), net.Folder(6)], "side-b");
        await fork.HealAsync([.. Enumerable.Range(1, 6).Select(net.Folder)], [(a, net.Folder(1)), (b, net.Folder(4))], expectedQuorum: 5);
    }

    [Fact]
    public async Task Five_validator_processes_with_one_key_voting_on_both_sides_of_a_split_commit_nothing_and_one_chain_after_healing()
    {
        using var dir = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 5);
        // The Byzantine validator: node 5's key and store, run twice, once on each side. Whoever proposes at the next height is
        // on one side only, so node 5 prevotes that proposal on one side and nil on the other (or, as the proposer, proposes
        // two different blocks): its key signs two different messages at one height and round.
        var twin = dir.Combine("node-5-twin");
        LocalCluster.CopyFolder(net.Folder(5), twin);
        var fork = new Fork(net);
        var a = await fork.SideCommitsNothingAsync([net.Folder(1), net.Folder(2), net.Folder(5)], "side-a");
        var b = await fork.SideCommitsNothingAsync([net.Folder(3), net.Folder(4), twin], "side-b");
        await fork.HealAsync([.. Enumerable.Range(1, 5).Select(net.Folder)], [(a, net.Folder(1)), (b, net.Folder(3))], expectedQuorum: 4);
    }

    /// <summary>The steps both tests take, over one network; the admin signs every transaction, each with the next nonce.</summary>
    private sealed class Fork(LocalCluster net)
    {
        private ulong _nonce;
        private string _network = "";
        private string _organisation = "";

        // Runs one side alone with a transaction of its own: its validators vote, but they are no quorum, so nothing commits.
        public async Task<Transaction> SideCommitsNothingAsync(string[] side, string id)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await net.StartAsync(side);
            var http = side.Select(net.Http).ToArray();
            if (_network.Length == 0)
            {
                var signer = await Signers.GetAsync(http[0], net.Admin);
                (_network, _organisation, _nonce) = (signer.Network, signer.OrganisationId, signer.LastNonce);
            }
            var before = (await LocalCluster.HealthAsync(http))!;
            Assert.All(before, h => Assert.NotNull(h));
            Assert.Single(before.Select(h => (h!.Height, h.TipHash)).Distinct());
            var (height, tip) = (before[0]!.Height, before[0]!.TipHash);

            var tx = net.Registration(_network, _organisation, ++_nonce, id);
            await net.SubmitAsync(http[0], tx);
            await net.WaitAsync($"every validator of {id} holds the prevotes of all {side.Length} at height {height + 1}", async () =>
            {
                var now = await LocalCluster.HealthAsync(http);
                NothingCommitted(now);
                return now.All(h => h is { Consensus: { Step: "prevote", Precommits: 0 } c } && c.Height == height + 1 && c.Prevotes == side.Length);
            });

            // Every vote the side can cast is cast and seen: no message it can still send decides anything. Nothing moved.
            var after = (await LocalCluster.HealthAsync(http))!;
            NothingCommitted(after);
            Assert.All(after, h => Assert.True(h!.Consensus!.Quorum > side.Length, $"{h.Node}: quorum {h.Consensus.Quorum} of {h.Consensus.Validators}"));
            Assert.Equal("pending", (await LocalCluster.StatusAsync(http[0], tx.Id))?.Status);
            await net.StopAsync();
            Log($"{id} ({string.Join(", ", side.Select(Path.GetFileName))}): started, stuck at height {height + 1} with {side.Length} prevotes of quorum {after[0]!.Consensus!.Quorum}, stopped in {watch.Elapsed.TotalSeconds:F1} s");
            return tx;

            void NothingCommitted(HealthResponse?[] now)
            {
                foreach (var h in now.Where(h => h is not null && (h.Height, h.TipHash) != (height, tip)))
                {
                    Assert.Fail($"{h!.Node} committed height {h.Height} ({h.TipHash}) with only {side.Length} of {h.Consensus?.Validators} validators running{net.Logs()}");
                }
            }
        }

        // All validators together: both sides' transactions commit (a client submits again what a stopped node's memory lost),
        // every node holds the same chain, and every folder verifies to the same state root.
        public async Task HealAsync(string[] all, (Transaction Tx, string At)[] submitted, int expectedQuorum)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await net.StartAsync(all);
            var http = all.Select(net.Http).ToArray();
            foreach (var (tx, at) in submitted)
            {
                // One after the other: the second has the higher nonce, so it must not commit before the first.
                if (await LocalCluster.StatusAsync(net.Http(at), tx.Id) is null) await net.SubmitAsync(net.Http(at), tx);
                await net.WaitAsync($"{tx.Id} commits on all {all.Length} nodes", async () =>
                    (await Task.WhenAll(http.Select(c => LocalCluster.StatusAsync(c, tx.Id)))).All(s => s is { Status: "committed" }));
                foreach (var c in http) Assert.Equal("Ok", (await LocalCluster.StatusAsync(c, tx.Id))!.Outcome);
            }
            // The chain may still grow (the nodes publish logins at start): one reading must show every node at one tip with
            // nothing waiting, or the folders verify to a later root than the one read.
            var healths = await LocalCluster.SettledAsync(http, net.Logs);
            Assert.Single(healths.Select(h => h!.TipHash).Distinct());
            Assert.All(healths, h => Assert.Equal((all.Length, expectedQuorum), (h!.Consensus!.Validators, h.Consensus.Quorum)));
            var root = Assert.Single(healths.Select(h => h!.StateRoot).Distinct());
            await net.StopAsync();
            Log($"healed: both transactions committed on all {all.Length}, one tip at height {healths[0]!.Height}, stopped in {watch.Elapsed.TotalSeconds:F1} s");
            foreach (var output in await Task.WhenAll(all.Select(LocalCluster.VerifyAsync))) Assert.Contains(root, output);
            Log($"verify: {all.Length} folders, state root {root}, in {watch.Elapsed.TotalSeconds:F1} s since healing began");
        }

        private static void Log(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);
    }
}
