using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Node.Tests.Encounters;
using HealthLedger.Storage;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>
/// A start takes the blocks the previous start's check recorded on trust (<c>ledger.checked</c>), and the integrity sweep
/// re-reads them once the node runs: damage done to the real file of a stopped node is still found, the node stops, and the
/// next start refuses naming it.
/// </summary>
public class IntegritySweepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A node whose chain is longer than the recent window, started twice: the second start checked every block and wrote the
    // record that the next start trusts.
    private static async Task<TempDirectory> ChainWithARecordAsync()
    {
        var folder = new TempDirectory();
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            for (var i = 0; i < (int)StoreVerifier.RecentWindow + 4; i++) await EntryCacheTests.RegisterAsync(admin, $"MRN-S{i}", $"Sam Sweep {i}");
            await node.StopAsync();
        }
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            // Every block read (no record yet); the state's tree kept at the first stop, its entries hashed by the sweep.
            Assert.Null(node.App.Services.GetRequiredService<LedgerNode>().TrustedAtStart);
            Assert.Equal(IntegritySweepStatus.Passed, (await SweptAsync(node)).Status);
            await node.StopAsync();
        }
        Assert.NotNull(CheckedPrefix.Read(new DataDirectory(folder.Combine("data")).LedgerPath));
        return folder;
    }

    private static async Task<IntegritySweep> SweptAsync(NodeFixture node)
    {
        var sweep = node.App.Services.GetRequiredService<IntegritySweep>();
        // Waits on the sweep's own state, not on time: it leaves Running once it read the trusted blocks.
        while (sweep.Status == IntegritySweepStatus.Running) await Task.Delay(20, Ct);
        return sweep;
    }

    [Fact]
    public async Task On_an_untouched_ledger_the_start_trusts_the_recorded_blocks_and_the_sweep_passes()
    {
        using var folder = await ChainWithARecordAsync();
        await using var node = await NodeFixture.StartAsync(folder);
        var trusted = node.App.Services.GetRequiredService<LedgerNode>().TrustedAtStart;
        Assert.NotNull(trusted);
        Assert.True(trusted.Value.Through > 0 && trusted.Value.Through < trusted.Value.Tip);

        Assert.True(node.App.Services.GetRequiredService<LedgerNode>().StateTakenOnTrust);
        var sweep = await SweptAsync(node);
        Assert.Equal(IntegritySweepStatus.Passed, sweep.Status);
        var health = await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct);
        Assert.Equal("passed", health.GetProperty("integritySweep").GetString());
        Assert.Null(node.App.Services.GetRequiredService<ConsensusHost>().Halted);
    }

    public static TheoryData<string, string> OldDamage() => new()
    {
        // A record ciphertext of the first patient (filed under an early block): one bit flipped.
        { "UPDATE blobs SET data = " + SqlTamper.FlipByte("data", 40) + " WHERE hash = (SELECT hash FROM blobs WHERE height = (SELECT MIN(height) FROM blobs) ORDER BY hash LIMIT 1)", "was changed" },
        { "UPDATE transactions SET body = " + SqlTamper.FlipByte("body", 31) + " WHERE height = 2 AND idx = 0", "block 2" },
        { "UPDATE commits SET certificate = CAST(substr(certificate, 1, length(certificate) - 3) || (CASE WHEN substr(certificate, -3, 1) = x'00' THEN x'01' ELSE x'00' END) || substr(certificate, -2) AS BLOB) WHERE height = 1", "has a bad signature" },
        { "DELETE FROM blobs WHERE hash = (SELECT hash FROM blobs WHERE height = (SELECT MIN(height) FROM blobs) ORDER BY hash LIMIT 1)", "is missing" },
    };

    [Theory]
    [MemberData(nameof(OldDamage))]
    public async Task Damage_to_a_block_the_start_took_on_trust_stops_the_node_and_the_next_start_refuses(string sql, string named)
    {
        using var folder = await ChainWithARecordAsync();
        var data = new DataDirectory(folder.Combine("data"));
        var record = CheckedPrefix.Read(data.LedgerPath)!;
        using (var connection = new SqliteConnection($"Data Source={data.LedgerPath};Pooling=False"))
        {
            connection.Open();
            using var heights = connection.CreateCommand();
            heights.CommandText = "SELECT MIN(height) FROM blobs";
            Assert.True((long)heights.ExecuteScalar()! <= (long)record.Height); // the damage lies in what the record vouches for
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        await using (var node = await NodeFixture.StartAsync(folder))
        {
            var sweep = await SweptAsync(node);
            Assert.Equal(IntegritySweepStatus.Failed, sweep.Status);
            Assert.Contains(named, sweep.Issue);
            var halted = node.App.Services.GetRequiredService<ConsensusHost>().Halted;
            Assert.Contains("integrity sweep", halted);
            Assert.Contains(named, halted);
            Assert.Null(CheckedPrefix.Read(data.LedgerPath)); // the next start reads every block
            Assert.True(node.App.Lifetime.ApplicationStopping.IsCancellationRequested);
        }

        // The damage is recorded: the next start refuses naming it; once an operator removes the record, the start's own check
        // (every block read) refuses as well.
        var recorded = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = data.Root }, "http://127.0.0.1:0"));
        Assert.Contains(LedgerNode.DamageFileName, recorded.Message);
        Assert.Contains(named, recorded.Message);
        File.Delete(Path.Combine(data.Root, LedgerNode.DamageFileName));
        var e = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = data.Root }, "http://127.0.0.1:0"));
        Assert.Contains(named, e.Message);
        Assert.DoesNotContain(LedgerNode.DamageFileName, e.Message);
    }

    [Fact]
    public async Task A_node_that_starts_without_a_kept_state_tree_hashes_the_state_itself_and_sweeps_nothing()
    {
        using var folder = new TempDirectory();
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            Assert.False(node.App.Services.GetRequiredService<LedgerNode>().StateTakenOnTrust); // a new network: no file yet
            await node.StopAsync();
        }
        var data = new DataDirectory(folder.Combine("data"));
        Assert.True(File.Exists(StateTreeFile.PathFor(data.LedgerPath))); // kept at the clean stop
        StateTreeFile.Delete(data.LedgerPath);
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            Assert.False(node.App.Services.GetRequiredService<LedgerNode>().StateTakenOnTrust);
            Assert.Equal(IntegritySweepStatus.NotNeeded, node.App.Services.GetRequiredService<IntegritySweep>().Status);
            await node.StopAsync();
        }
    }

    // A node with one patient registered, stopped cleanly (its state tree kept), then one SQL statement run on its ledger file.
    private static async Task<(DataDirectory Data, byte[] AdminBefore)> StoppedThenChangedAsync(TempDirectory folder, string sql)
    {
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            await EntryCacheTests.RegisterAsync(admin, "MRN-T1", "Tess Tree");
            await node.StopAsync();
        }
        var data = new DataDirectory(folder.Combine("data"));
        Assert.True(File.Exists(StateTreeFile.PathFor(data.LedgerPath)));
        using var connection = new SqliteConnection($"Data Source={data.LedgerPath};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM state WHERE key = 'user/admin'";
        var before = (byte[])read.ExecuteScalar()!;
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
        return (data, before);
    }

    [Fact]
    public async Task A_state_entry_removed_while_the_node_was_stopped_still_stops_the_start_the_kept_tree_is_not_used()
    {
        using var folder = new TempDirectory();
        var (data, _) = await StoppedThenChangedAsync(folder, "DELETE FROM state WHERE key = 'user/admin'");
        var e = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = data.Root }, "http://127.0.0.1:0"));
        Assert.Contains("stored world state", e.Message);
    }

    [Fact]
    public async Task A_state_value_changed_while_the_node_was_stopped_is_found_by_the_sweep_and_the_next_start_refuses()
    {
        using var folder = new TempDirectory();
        var (data, adminBefore) = await StoppedThenChangedAsync(folder, "UPDATE state SET value = " + SqlTamper.FlipByte("value", 4) + " WHERE key = 'user/admin'");
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            // The number of entries is unchanged: the start used the kept tree and did not hash the values.
            Assert.True(node.App.Services.GetRequiredService<LedgerNode>().StateTakenOnTrust);
            var sweep = await SweptAsync(node);
            Assert.Equal(IntegritySweepStatus.Failed, sweep.Status);
            Assert.Contains("the stored value of key 'user/admin' does not match block", sweep.Issue);
            Assert.Contains("integrity sweep", node.App.Services.GetRequiredService<ConsensusHost>().Halted);
            Assert.False(File.Exists(StateTreeFile.PathFor(data.LedgerPath))); // the next start hashes every entry
            Assert.True(node.App.Lifetime.ApplicationStopping.IsCancellationRequested);
        }
        Assert.False(File.Exists(StateTreeFile.PathFor(data.LedgerPath))); // not written again by the stop that followed

        // The row is put back on disk, as a block committed before the sweep could have rewritten it: the ledger now passes a
        // fresh check, but the recorded damage still stops every start until an operator removes the record.
        using (var connection = new SqliteConnection($"Data Source={data.LedgerPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE state SET value = $v WHERE key = 'user/admin'";
            command.Parameters.AddWithValue("$v", adminBefore);
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        var e = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = data.Root }, "http://127.0.0.1:0"));
        Assert.Contains("the stored value of key 'user/admin' does not match block", e.Message); // the damage recorded
        Assert.Contains(LedgerNode.DamageFileName, e.Message);
        File.Delete(Path.Combine(data.Root, LedgerNode.DamageFileName));
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            Assert.False(node.App.Services.GetRequiredService<LedgerNode>().StateTakenOnTrust); // every entry hashed, and sound
            await node.StopAsync();
        }
    }
}
