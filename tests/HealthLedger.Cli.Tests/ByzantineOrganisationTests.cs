using System.Globalization;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// Issue 13, item 8 with real processes: a consortium of four organisations made by <c>consortium up</c>, then one of them
/// (Green Pharmacy) turns Byzantine. Its honest process is stopped and the test drives its node key and organisation key
/// over the real peer protocol (<see cref="ByzantineNode"/>): it equivocates (two proposals, prevotes and precommits per
/// height and round), forges votes in the other organisations' names, proposes — whenever it is the proposer — correctly
/// signed blocks granting Green Pharmacy access to a General Hospital patient who never gave it, and later withholds
/// everything. The other three (n = 4 = 3f + 1, f = 1) must stay live — every transaction submitted through the API commits
/// on all three within a bound while the adversary runs — and safe: one chain, one state root that <c>verify</c> re-derives
/// in every folder, none of the adversary's blocks, and no grant for Green Pharmacy anywhere in the state.
/// </summary>
public sealed class ByzantineOrganisationTests : IDisposable
{
    private const string Orgs = "General Hospital:hospital,St Mary Hospital:hospital,City Lab:laboratory,Green Pharmacy:pharmacy";
    private const string Hospital = "general-hospital";
    private const string Pharmacy = "green-pharmacy";
    private static readonly string[] Honest = [Hospital, "st-mary-hospital", "city-lab"];

    // A transaction must commit on every honest node within this long, whatever the adversary does (rounds it leads time out
    // after 1 s + 0.5 s per round).
    private static readonly TimeSpan CommitBound = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();
    private readonly List<(string Id, CliProcess Process)> _nodes = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_honest_organisations_stay_safe_and_live_while_a_fourth_equivocates_forges_votes_proposes_a_forged_grant_and_withholds()
    {
        var root = _dir.Combine("net");
        var basePort = Ports.FreeClusterBlock();
        // Found the consortium once (genesis, keys, folders), then run its organisations' nodes one by one.
        using (var up = CliProcess.Start("consortium", "up", "--orgs", Orgs, "--data", root, "--base-port", basePort.ToString(CultureInfo.InvariantCulture)))
        {
            await LocalCluster.PollAsync("the consortium is created", () => Task.FromResult(up.Stdout.Contains("All 4 nodes are ready.", StringComparison.Ordinal) || up.HasExited),
                () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(60));
            up.Terminate();
            await up.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        }
        string Folder(string id) => Path.Combine(root, id);

        // Green Pharmacy's keys and its view of the network, from its own folder: all a Byzantine organisation holds.
        var pharmacyData = new DataDirectory(Folder(Pharmacy));
        using var nodeKey = SigningKeyPair.FromSeed(DataDirectory.ReadSecret(pharmacyData.NodeKeyPath, 32));
        using var pharmacyKeys = UserKeys.FromSecret(DataDirectory.ReadSecret(pharmacyData.OrganisationKeyPath, UserKeys.SecretLength));
        WorldState pharmacyState;
        ulong pharmacyHeight;
        using (var store = SqliteLedgerStore.OpenReadOnly(pharmacyData.LedgerPath)) (pharmacyState, pharmacyHeight) = (WorldState.Load(store.ReadState()), store.TipHeight!.Value);
        var validators = ValidatorSet.Read(pharmacyState);
        Assert.Equal(4, validators.Count);
        var pharmacyNode = Assert.Single(validators, v => v.SigningKey == nodeKey.PublicKey);
        Assert.Equal(Pharmacy, pharmacyNode.OrganisationId);

        // The three honest organisations run; Green Pharmacy's process does not.
        await Task.WhenAll(Honest.Select(id =>
        {
            var process = CliProcess.Start("node", "--data", Folder(id));
            _nodes.Add((id, process));
            return process.WaitUntilServingAsync();
        }));
        var http = Honest.Select(id => new HttpClient { BaseAddress = new Uri(NodeConfig.Read(new DataDirectory(Folder(id)))!.Urls!.Split(';')[0]), Timeout = TimeSpan.FromSeconds(15) }).ToArray();
        var started = (await LocalCluster.HealthAsync(http[0]))!;
        var (network, startHeight) = (started.Network, started.Height);

        // A patient of General Hospital, registered by its admin; she gives Green Pharmacy nothing.
        using var admin = Unseal(Folder(Hospital), NetworkInitializer.ConsortiumAdmin(Hospital));
        var nonce = (await Signers.GetAsync(http[0], admin)).LastNonce;
        using var patientKeys = TestNetwork.KeysFor("byzantine-patient");
        await SubmitAndCommitAsync(http, 0, Transaction.Create(network, admin.Signing, ++nonce,
            new RegisterUserPayload("byzantine-patient", Role.Patient, Hospital, patientKeys.Signing.PublicKey, patientKeys.Encryption.PublicKey)));

        // The grant the pharmacy forges: access to all her records, signed by the pharmacy's organisation key, not by her.
        var pharmacyNonce = (await Signers.GetAsync(http[0], pharmacyKeys)).LastNonce;
        var forgedGrant = Transaction.Create(network, pharmacyKeys.Signing, pharmacyNonce + 1,
            new GrantAccessPayload("forged-grant", "byzantine-patient", GranteeKind.Organisation, Pharmacy, ConsentCategories.All, 0, []));

        using var adversary = new ByzantineNode(network, nodeKey, pharmacyKeys.Signing, validators.Where(v => v != pharmacyNode), pharmacyState, pharmacyHeight) { ForgedGrant = forgedGrant, Mode = ByzantineMode.Attack };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var leaderRoundsWithheld = 0;
        var driving = Task.Run(async () =>
        {
            // Watches the honest nodes' height and round (/healthz) and acts once at each.
            while (!stop.IsCancellationRequested)
            {
                var healths = await LocalCluster.HealthAsync(http);
                var at = healths.Where(h => h?.Consensus is { Step: not "idle" and not "recovering" }).MaxBy(h => (h!.Consensus!.Height, h.Consensus.Round));
                if (at is { Consensus: { } c })
                {
                    var leader = c.Leader == pharmacyNode.Id;
                    var withheld = adversary.Withheld;
                    await adversary.ActAsync(c.Height, c.Round, leader, Hash256.Parse(at.TipHash), Hash256.Parse(at.StateRoot), stop.Token);
                    if (leader && adversary.Withheld > withheld) Interlocked.Increment(ref leaderRoundsWithheld);
                }
                await Task.Delay(20, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default); // pacing the poll of external processes
            }
        }, Ct);

        // Attack: equivocation, forged votes and forged-grant proposals, while transactions keep committing within the bound.
        var committed = 0;
        for (var i = 0; ; i++)
        {
            if (driving.IsFaulted) await driving; // the adversary's own failure (e.g. its state diverged), not the honest nodes'
            Assert.True(i < 60, $"after {i} transactions the adversary had not been refused everywhere: {Describe(adversary)}; {await RefusedAsync(http)}{Logs()}");
            await SubmitAndCommitAsync(http, i % 3, Registration(network, admin, ++nonce, $"attack-{i}"));
            committed++;
            var refused = await Task.WhenAll(http.Select(async c => (await LocalCluster.HealthAsync(c))?.Consensus?.Refused));
            if (i >= 5 && adversary.ForgedGrantProposals >= 2 && refused.All(r => r is not null && r["invalidBlocks"] > 0 && r["badSignatures"] > 0)
                && refused.Any(r => r!["equivocations"] > 0)) break;
        }
        var afterAttack = await RefusedAsync(http);
        // The forged blocks were refused by the block rules' re-execution: the state root claiming the grant is not the one
        // the honest state machine derives (it rejects a grant not signed by the patient).
        foreach (var (id, process) in _nodes) Assert.Contains("differs from the re-executed state root", process.Stdout + process.Stderr, StringComparison.Ordinal);

        // Withholding: nothing from the pharmacy at all, including in the rounds it should propose; commits go on.
        adversary.Mode = ByzantineMode.Withhold;
        for (var i = 0; i < 5 || Volatile.Read(ref leaderRoundsWithheld) == 0; i++)
        {
            if (driving.IsFaulted) await driving;
            Assert.True(i < 30, $"the pharmacy never led a round while withholding: {Describe(adversary)}{Logs()}");
            await SubmitAndCommitAsync(http, i % 3, Registration(network, admin, ++nonce, $"withheld-{i}"));
            committed++;
        }
        await stop.CancelAsync();
        await driving;
        TestContext.Current.TestOutputHelper?.WriteLine($"{committed} transactions committed within {CommitBound.TotalSeconds} s each while the adversary ran: {Describe(adversary)}, " +
            $"{leaderRoundsWithheld} of its rounds as proposer withheld; honest nodes refused (after the attack): {afterAttack}");

        // One chain: the same height, tip and state root on the three honest nodes.
        await LocalCluster.PollAsync("the honest nodes hold one tip", async () =>
            await LocalCluster.HealthAsync(http) is var now && now.All(h => h is not null) && now.Select(h => (h!.Height, h.TipHash)).Distinct().Count() == 1, Logs);
        var stateRoot = Assert.Single((await LocalCluster.SettledAsync(http, Logs)).Select(h => h.StateRoot).Distinct());
        foreach (var c in http) c.Dispose();
        foreach (var (id, process) in _nodes)
        {
            process.Terminate();
            await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(process.ExitCode == 0, $"{id} exited with {process.ExitCode}{Logs()}");
        }

        // Every honest folder verifies to that state root; none holds the forged grant, any block the pharmacy proposed, or any
        // grant of the patient's records to anyone.
        foreach (var id in Honest)
        {
            Assert.Contains(stateRoot, await LocalCluster.VerifyAsync(Folder(id)), StringComparison.Ordinal);
            using var store = SqliteLedgerStore.OpenReadOnly(new DataDirectory(Folder(id)).LedgerPath);
            Assert.Null(store.FindTransaction(forgedGrant.Id));
            Assert.Empty(store.ReadState($"grantee/byzantine-patient/"));
            Assert.Empty(store.ReadState(StateKeys.Grant("byzantine-patient", "")));
            Assert.Null(store.ReadStateValue(Consent.CurrentGrantKey("byzantine-patient", GranteeKind.Organisation, Pharmacy)));
            var blocks = store.ReadBlocks().ToList();
            Assert.DoesNotContain(blocks, b => adversary.ProposedBlocks.Contains(new Hash256(b.Hash)));
            // While the pharmacy was Byzantine, every block was an honest organisation's.
            Assert.All(blocks.Where(b => b.Height > startHeight), b => Assert.NotEqual(nodeKey.PublicKey, Core.Ledger.BlockHeader.TryDecode(b.Header, out var header, out _) ? header!.Proposer : default));
            Assert.True(store.CountTransactions() >= committed + 1, $"{id}: {store.CountTransactions()} transactions stored, {committed + 1} committed");
        }
    }

    private static Transaction Registration(string network, UserKeys admin, ulong nonce, string id)
    {
        using var keys = TestNetwork.KeysFor(id);
        return Transaction.Create(network, admin.Signing, nonce, new RegisterUserPayload(id, Role.Patient, Hospital, keys.Signing.PublicKey, keys.Encryption.PublicKey));
    }

    // Submits through one honest node's API and waits (within the bound) until all three committed it, accepted.
    private async Task SubmitAndCommitAsync(HttpClient[] http, int at, Transaction tx)
    {
        using (var content = new ReadOnlyMemoryContent(tx.Encoded))
        {
            content.Headers.ContentType = new("application/octet-stream");
            using var response = await http[at].PostAsync("/api/v1/transactions", content, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{http[at].BaseAddress} refused {tx.Id}: {await response.Content.ReadAsStringAsync(Ct)}");
        }
        await LocalCluster.PollAsync($"{tx.Id} commits on the three honest nodes within {CommitBound.TotalSeconds} s", async () =>
            (await Task.WhenAll(http.Select(c => LocalCluster.StatusAsync(c, tx.Id)))).All(s => s is { Status: "committed" }), Logs, CommitBound);
        var status = (await LocalCluster.StatusAsync(http[0], tx.Id))!;
        Assert.True(status.Outcome == "Ok", status.Reason);
    }

    private static async Task<string> RefusedAsync(HttpClient[] http) => string.Join("; ", (await LocalCluster.HealthAsync(http)).Select(h =>
        $"{h?.Node}: {(h?.Consensus is { } c ? string.Join(", ", c.Refused.Where(r => r.Value > 0).Select(r => $"{r.Key} {r.Value}")) : "no answer")}"));

    private static string Describe(ByzantineNode adversary) =>
        $"{adversary.Equivocations} equivocating rounds, {adversary.Forgeries} forged votes, {adversary.ForgedGrantProposals} forged-grant proposals, {adversary.Withheld} rounds withheld";

    private static UserKeys Unseal(string folder, string user)
    {
        using var keystore = Keystore.Open(new DataDirectory(folder).KeystorePath);
        return keystore.Unseal(user, CliProcess.Password)!;
    }

    private string Logs()
    {
        var text = new System.Text.StringBuilder();
        foreach (var (id, p) in _nodes)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n--- {id} (pid {p.Id}{(p.HasExited ? $", exited {p.ExitCode}" : ", running")}) ---\n");
            text.Append(Tail(p.Stdout)).Append(Tail(p.Stderr));
        }
        return text.ToString();

        static string Tail(string s) => s.Length <= 4000 ? s : "…" + s[^4000..];
    }

    public void Dispose()
    {
        TestContext.Current.TestOutputHelper?.WriteLine(Logs());
        foreach (var (_, p) in _nodes) p.Dispose();
        _dir.Dispose();
    }
}
