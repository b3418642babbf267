using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// 'consortium up' with real processes: four organisations founded in one genesis block, one node each, each folder holding
/// only its own organisation key and admin; every node commits, each admin logs in at its own node only, every folder
/// verifies to the same state root, and a later run starts the same nodes again.
/// </summary>
public sealed class ConsortiumUpTests : IDisposable
{
    private const string Orgs = "General Hospital:hospital,St Mary Hospital:hospital,City Lab:laboratory,Green Pharmacy:pharmacy";
    private static readonly string[] Ids = ["general-hospital", "st-mary-hospital", "city-lab", "green-pharmacy"];

    private readonly TempDirectory _dir = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Consortium_up_runs_four_organisations_each_holding_only_its_own_key_and_admin()
    {
        var root = _dir.Combine("net");
        var basePort = Ports.FreeClusterBlock();
        using var up = CliProcess.Start("consortium", "up", "--orgs", Orgs, "--data", root, "--base-port", basePort.ToString(CultureInfo.InvariantCulture));
        var clients = Ids.Select((_, k) => new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{basePort + k}"), Timeout = TimeSpan.FromSeconds(15) }).ToList();
        try
        {
            await LocalCluster.PollAsync("every node is ready", () => Task.FromResult(up.Stdout.Contains("All 4 nodes are ready.", StringComparison.Ordinal) || up.HasExited),
                () => up.Stdout + up.Stderr, TimeSpan.FromMinutes(3));
            Assert.False(up.HasExited, up.Stdout + up.Stderr);
            foreach (var id in Ids) Assert.Matches(new Regex($@"admin\.{id}\s+from HEALTHLEDGER_ADMIN_PASSWORD"), up.Stdout);
            // The nodes share this machine: each takes its share of the processors' admission budgets (MachineShare).
            Assert.Equal(Ids.Length, Regex.Matches(up.Stdout, $@"Admission: at most {MachineShare.Of(64, Environment.ProcessorCount, Ids.Length)} writes, .* shared by {Ids.Length} nodes on this machine\)\.").Count);

            // Each admin logs in at its own node and at no other.
            var tokens = new string[Ids.Length];
            for (var k = 0; k < Ids.Length; k++)
            {
                for (var n = 0; n < Ids.Length; n++)
                {
                    using var login = await clients[n].PostAsJsonAsync("/api/v1/auth/token",
                        new { username = NetworkInitializer.ConsortiumAdmin(Ids[k]), password = CliProcess.Password }, Ct);
                    Assert.True((login.StatusCode == HttpStatusCode.OK) == (n == k), $"admin of {Ids[k]} at the node of {Ids[n]}: {login.StatusCode}");
                    if (n == k) tokens[k] = (await login.Content.ReadFromJsonAsync<TokenAnswer>(Ct))!.AccessToken;
                }
            }

            // Each folder holds its node key and only its own organisation's key, which the chain names as that organisation's;
            // its keystore holds only that organisation's admin.
            var orgKeys = new HashSet<string>();
            for (var k = 0; k < Ids.Length; k++)
            {
                var data = new DataDirectory(Path.Combine(root, Ids[k]));
                Assert.Equal(["node.key", "organisation.key", "tls.pfx"], Directory.EnumerateFiles(Path.GetDirectoryName(data.OrganisationKeyPath)!)
                    .Select(Path.GetFileName).Order(StringComparer.Ordinal));
                var secret = DataDirectory.ReadSecret(data.OrganisationKeyPath, UserKeys.SecretLength);
                using var keys = UserKeys.FromSecret(secret);
                Assert.True(orgKeys.Add(keys.Signing.PublicKey.ToString()));
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/ledger/signers/{keys.Signing.PublicKey}");
                request.Headers.Authorization = new("Bearer", tokens[k]);
                using var signer = await clients[k].SendAsync(request, Ct);
                var answer = await signer.Content.ReadFromJsonAsync<SignerAnswer>(Ct);
                Assert.Equal(("Organisation", Ids[k]), (answer!.Kind, answer.Id));
                Assert.Equal([NetworkInitializer.ConsortiumAdmin(Ids[k])], KeystoreUsers(data.KeystorePath));
            }

            // A transaction signed at one organisation (St Mary's admin registers a patient) is committed by all four nodes.
            var network = (await LocalCluster.HealthAsync(clients[0]))!.Network;
            using var admin = UnsealAdmin(root, 1);
            using var patient = TestNetwork.KeysFor("consortium-patient");
            var tx = Transaction.Create(network, admin.Signing, 1,
                new RegisterUserPayload("consortium-patient", Role.Patient, Ids[1], patient.Signing.PublicKey, patient.Encryption.PublicKey));
            using (var content = new ReadOnlyMemoryContent(tx.Encoded))
            {
                content.Headers.ContentType = new("application/octet-stream");
                using var response = await clients[1].PostAsync("/api/v1/transactions", content, Ct);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
            }
            await LocalCluster.PollAsync("every node committed the registration", async () =>
                (await Task.WhenAll(clients.Select(c => LocalCluster.StatusAsync(c, tx.Id)))).All(s => s is { Status: "committed" }),
                () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));
            var status = (await LocalCluster.StatusAsync(clients[0], tx.Id))!;
            Assert.True(status.Outcome == "Ok", status.Reason);
            var height = status.Height!.Value;
            await LocalCluster.PollAsync("every node reached the block", async () =>
                (await LocalCluster.HealthAsync(clients)).All(h => h is not null && h.Height >= height), () => up.Stdout + up.Stderr, TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
            up.Terminate(); // as Ctrl+C: 'consortium up' stops its nodes cleanly
            await up.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        // Each node's exit is reported, once (the line was printed after the process was disposed, and lost, now and then).
        foreach (var id in Ids) Assert.Single(Regex.Matches(up.Stdout, $@"^{id} exited with code 0$", RegexOptions.Multiline));

        // Every folder verifies offline to the same state root.
        var roots = new List<string>();
        foreach (var id in Ids)
        {
            var verify = await CliProcess.RunAsync("verify", "--data", Path.Combine(root, id), "--json");
            Assert.True(verify.ExitCode == 0, $"{id}: {verify.Stdout}{verify.Stderr}");
            roots.Add(Regex.Match(verify.Stdout, "\"stateRoot\"\\s*:\\s*\"([0-9a-f]{64})\"").Groups[1].Value);
        }
        Assert.Single(roots.Distinct());
        Assert.NotEqual("", roots[0]);

        // A later run starts the same nodes from consortium.json, creating nothing and showing no password.
        using var again = CliProcess.Start("consortium", "up", "--data", root);
        try
        {
            await LocalCluster.PollAsync("the nodes started again", () => Task.FromResult(again.Stdout.Contains("All 4 nodes are ready.", StringComparison.Ordinal) || again.HasExited),
                () => again.Stdout + again.Stderr, TimeSpan.FromMinutes(3));
            Assert.DoesNotContain("Created consortium", again.Stdout, StringComparison.Ordinal);
            Assert.Matches(new Regex(@"admin\.city-lab\s+\(shown when created\)"), again.Stdout);
        }
        finally
        {
            again.Terminate();
            await again.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
    }

    [Theory]
    [InlineData("General Hospital:castle", "'castle' is not a type of organisation")]
    [InlineData("General Hospital", "is not 'Name:type'")]
    [InlineData("General Hospital:hospital,general hospital:laboratory", "have the same name")]
    [InlineData("A:clinic,B:clinic,C:clinic,D:clinic,E:clinic,F:clinic,G:clinic,H:clinic,I:clinic,J:clinic,K:clinic", "1 to 10 organisations")]
    [InlineData("General Hospital:hospital: ", "--orgs: the contact of 'General Hospital' must not be empty (leave it out for none: 'General Hospital:hospital').")]
    [InlineData("City Lab:laboratory:+44 20 7946 \uE000", "--orgs: the contact of 'City Lab' must be one line of at most 200 bytes of UTF-8 text")]
    public async Task Bad_orgs_are_refused_with_one_line_and_nothing_is_created(string orgs, string message)
    {
        var root = _dir.Combine("bad");
        var run = await CliProcess.RunAsync("consortium", "up", "--orgs", orgs, "--data", root);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(root));
    }

    private static UserKeys UnsealAdmin(string root, int k)
    {
        using var keystore = Keystore.Open(new DataDirectory(Path.Combine(root, Ids[k])).KeystorePath);
        return keystore.Unseal(NetworkInitializer.ConsortiumAdmin(Ids[k]), CliProcess.Password)!;
    }

    // The user ids in a keystore file, read directly (the node holds it open; SQLite reads alongside).
    private static List<string> KeystoreUsers(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id FROM user_keys ORDER BY user_id";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }

    private sealed record SignerAnswer(string Kind, string Id);

    private sealed record TokenAnswer(string AccessToken);

    public void Dispose() => _dir.Dispose();
}
