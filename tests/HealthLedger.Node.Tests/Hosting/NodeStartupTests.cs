using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Node.Tests.Hosting;

public class NodeStartupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fresh_node_is_healthy_at_height_zero_and_publishes_its_openapi_document()
    {
        await using var node = await NodeFixture.StartAsync();
        var health = await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct);
        Assert.Equal(("ok", 0UL, node.Init.NetworkId, node.Init.GenesisHash), (health!.Status, health.Height, health.Network, health.TipHash));
        using var doc = JsonDocument.Parse(await node.Http.GetStringAsync("/openapi/v1.json", Ct));
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/ledger/blocks/{height}", paths);
        Assert.Contains("/api/v1/transactions", paths);
        Assert.Contains("/healthz", paths);
        using var reference = await node.Http.GetAsync("/api/reference", Ct);
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
    }

    [Fact]
    public async Task A_restarted_node_resumes_at_the_same_height_and_state_root()
    {
        using var folder = new TempDirectory();
        HealthResponse before;
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            var admin = await node.AdminSignerAsync();
            for (var i = 0; i < 3; i++)
            {
                using var keys = TestNetwork.KeysFor($"p{i}");
                var tx = Core.Transactions.Transaction.Create(admin.Network, node.Admin.Signing, (ulong)i + 1,
                    new Core.Transactions.Kinds.RegisterUserPayload($"patient-{i}", Core.Model.Role.Patient, admin.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey));
                using var r = await node.PostAsync(tx.Encoded.ToArray(), "/api/v1/transactions?wait=true");
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            }
            before = (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!;
            await node.StopAsync();
        }
        await using var again = await NodeFixture.StartAsync(folder);
        var after = await again.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct);
        Assert.Equal((before.Height, before.TipHash, before.StateRoot), (after!.Height, after.TipHash, after.StateRoot));
        Assert.Equal(4UL, (await again.AdminSignerAsync()).NextNonce);
    }

    public static TheoryData<string, string> Tampering() => new()
    {
        { "UPDATE blocks SET header = " + SqlTamper.FlipByte("header", 11) + " WHERE height = 0", "block 0" },
        { "UPDATE transactions SET body = " + SqlTamper.FlipByte("body", 31) + " WHERE height = 0", "block 0, transaction 0" },
        { "UPDATE receipts SET body = " + SqlTamper.FlipByte("body", 35) + " WHERE height = 0", "block 0" },
        { "UPDATE state SET value = " + SqlTamper.FlipByte("value", 4) + " WHERE key = 'user/admin'", "stored world state" },
        { "DELETE FROM state WHERE key = 'user/admin'", "stored world state" },
        { "INSERT INTO transactions(height, idx, tx_id, body) VALUES (5, 0, x'00', x'00')", "belong to no block" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public void A_node_refuses_to_start_on_a_tampered_store_and_names_the_problem(string sql, string named)
    {
        using var folder = new TempDirectory();
        var data = folder.Combine("data");
        NodeFixture.Initialise(data);
        using (var connection = new SqliteConnection($"Data Source={new DataDirectory(data).LedgerPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        var e = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = data }, "http://127.0.0.1:0"));
        Assert.Contains(named, e.Message);
        Assert.Contains("Nothing was repaired", e.Message);
    }

    [Fact]
    public void A_receipt_naming_another_transaction_is_reported_under_the_transactions_own_id()
    {
        using var folder = new TempDirectory();
        var data = folder.Combine("data");
        NodeFixture.Initialise(data);
        string storedId;
        using (var connection = new SqliteConnection($"Data Source={new DataDirectory(data).LedgerPath};Pooling=False"))
        {
            connection.Open();
            using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT tx_id FROM transactions WHERE height = 0 AND idx = 0";
                storedId = Convert.ToHexStringLower((byte[])read.ExecuteScalar()!);
            }
            // Byte 5 lies in the receipt's transaction id (version byte, then the 32-byte id): it still decodes, naming another id.
            using var tamper = connection.CreateCommand();
            tamper.CommandText = "UPDATE receipts SET body = " + SqlTamper.FlipByte("body", 5) + " WHERE height = 0";
            Assert.Equal(1, tamper.ExecuteNonQuery());
        }
        var e = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = data }, "http://127.0.0.1:0"));
        // The transaction is named by its own id (the damaged receipt's id was named as if it were the transaction's).
        Assert.Contains($"block 0, transaction 0 (id {storedId})", e.Message);
        Assert.Contains("stored receipt names another transaction", e.Message);
    }

    [Fact]
    public void A_node_whose_key_is_not_in_the_network_refuses_to_start()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        NodeFixture.Initialise(a.Combine("data"));
        NodeFixture.Initialise(b.Combine("data"));
        File.Copy(new DataDirectory(b.Combine("data")).NodeKeyPath, new DataDirectory(a.Combine("data")).NodeKeyPath, overwrite: true);
        var e = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = a.Combine("data") }, "http://127.0.0.1:0"));
        Assert.Contains("is not a node of network", e.Message);
    }

    [Fact]
    public void Init_refuses_weak_passwords_and_non_empty_folders_and_leaves_nothing_behind()
    {
        using var folder = new TempDirectory();
        var data = folder.Combine("data");
        var weak = Assert.Throws<InvalidOperationException>(() => NetworkInitializer.Init(data, "H", "short", TimeProvider.System));
        Assert.Contains("not accepted: it must have at least 10 characters", weak.Message);
        Assert.False(Directory.Exists(data));
        // One that no login could carry is refused as well (Passwords.MaxLength).
        var tooLong = Assert.Throws<InvalidOperationException>(() => NetworkInitializer.Init(data, "H", "Long-pass-1" + new string('x', 300), TimeProvider.System));
        Assert.Contains("not accepted: it may have at most 256 characters", tooLong.Message);
        Assert.False(Directory.Exists(data));
        NodeFixture.Initialise(data);
        var again = Assert.Throws<InvalidOperationException>(() => NodeFixture.Initialise(data));
        Assert.Contains("not empty", again.Message);
    }

    [Fact]
    public void Cluster_init_writes_the_same_network_policy_into_every_node_and_refuses_a_bad_one_leaving_nothing_behind()
    {
        using var folder = new TempDirectory();
        var bad = Assert.Throws<InvalidOperationException>(() => NetworkInitializer.Init(folder.Combine("bad"), "H", NodeFixture.Password, TimeProvider.System,
            Core.Crypto.Argon2Parameters.TestOnly, cluster: new ClusterLayout(2, 15080), networkPolicy: new Core.Model.NetworkPolicy(7, 400)));
        Assert.Equal("--care-after-visit-days must be a whole number of days from 1 to 365 (got 400).", bad.Message);
        Assert.False(Directory.Exists(folder.Combine("bad")));

        var init = NetworkInitializer.Init(folder.Combine("net"), "H", NodeFixture.Password, TimeProvider.System, Core.Crypto.Argon2Parameters.TestOnly,
            cluster: new ClusterLayout(2, 15080), networkPolicy: new Core.Model.NetworkPolicy(2, 9));
        Assert.Equal(2, init.NodeFolders.Count);
        foreach (var node in init.NodeFolders)
        {
            using var store = Storage.SqliteLedgerStore.Open(new DataDirectory(node).LedgerPath, create: false);
            var policy = Core.Model.PolicyState.TryDecode(store.ReadStateValue(Core.Model.StateKeys.Policy))!;
            Assert.Equal((1, init.OrganisationId, new Core.Model.NetworkPolicy(2, 9)), (policy.Version, policy.OrganisationId, policy.Policy));
        }
    }
}
