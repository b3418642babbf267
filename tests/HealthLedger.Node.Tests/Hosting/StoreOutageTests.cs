using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Network;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>
/// A ledger database that does not take writes for a while is an outage, not a failure: the block waits, <c>/healthz</c> says
/// so, and the block lands once the database takes writes again (ConsensusHost.StoreWrite). Here the SQLite file is kept locked
/// by another process's write transaction (<c>sqlite3</c> with <c>BEGIN IMMEDIATE</c>, a backup tool) past the store's 5 s busy
/// timeout; the PostgreSQL cases (a server restart, a stop) are in the CLI tests' PostgresStoreTests.
/// </summary>
public class StoreOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_commit_that_meets_a_ledger_file_locked_by_another_process_waits_and_lands_once_the_lock_is_let_go()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.AdminSignerAsync();
        var consensus = node.App.Services.GetRequiredService<ConsensusHost>();
        Transaction tx;
        using (var keys = TestNetwork.KeysFor("locked-out"))
        {
            tx = Transaction.Create(admin.Network, node.Admin.Signing, admin.NextNonce,
                new RegisterUserPayload("locked-out", Role.Patient, admin.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey));
        }

        using (var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = new DataDirectory(node.DataPath).LedgerPath, Pooling = false }.ToString()))
        {
            other.Open();
            using (var begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE; INSERT INTO meta(name, value) VALUES ('held-by-another-process', 'x');";
                begin.ExecuteNonQuery();
            }
            using (var accepted = await node.PostAsync(tx.Encoded.ToArray()))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            }
            // The commit meets the lock after SQLite's busy timeout (5 s), and waits.
            Assert.True(SpinWait.SpinUntil(() => consensus.StoreWaitingSince is not null || consensus.Halted is not null, TimeSpan.FromSeconds(60)));
            Assert.Null(consensus.Halted);
            using (var health = await node.Http.GetAsync("/healthz", Ct))
            {
                var body = await health.Content.ReadAsStringAsync(Ct);
                Assert.True(health.StatusCode == HttpStatusCode.ServiceUnavailable, body);
                Assert.Contains("Ledger database unavailable", body);
                Assert.Contains("event 1018", body);
                Assert.NotNull(health.Headers.RetryAfter);
            }
            Assert.Equal("pending", (await node.Http.GetFromJsonAsync<TransactionStatusResponse>($"/api/v1/transactions/{tx.Id}", Ct))!.Status);

            using var rollback = other.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }

        Assert.True(SpinWait.SpinUntil(() => consensus.StoreWaitingSince is null && node.App.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().Tip.Height >= 1, TimeSpan.FromSeconds(30)));
        Assert.Null(consensus.Halted);
        var status = await node.Http.GetFromJsonAsync<TransactionStatusResponse>($"/api/v1/transactions/{tx.Id}", Ct);
        Assert.Equal(("committed", 1UL), (status!.Status, status.Height));
        using var after = await node.Http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    // Break-test (2026-12-07): ledger.tip that could not be written after the block was stored (the disk full, a folder in its
    // place) answered the block's writes "this node stopped before committing transaction …", though the block was committed.
    [Fact]
    public async Task A_tip_record_not_written_after_its_block_was_stored_answers_the_write_as_committed_then_stops_the_node()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var consensus = node.App.Services.GetRequiredService<ConsensusHost>();
        var ledger = node.App.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>();
        var tip = Path.Combine(node.DataPath, "ledger.tip");
        File.Delete(tip);
        Directory.CreateDirectory(tip); // the record cannot be written in place of a folder

        using var response = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-t", name = "Tess T", specialty = "Cardiology", department = "Cardiology", licenceNumber = "T1" }, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var written = System.Text.Json.JsonDocument.Parse(body).RootElement;
        var height = written.GetProperty("height").GetUInt64();
        Assert.True(SpinWait.SpinUntil(() => consensus.Halted is not null, TimeSpan.FromSeconds(30)));
        Assert.StartsWith($"recording block {height} after its commit failed (event 1003): block {height} was stored and its transactions committed", consensus.Halted);
        Assert.Equal(height, ledger.Tip.Height);
        Assert.Equal(height, ledger.Store.TipHeight);
        var status = await node.Http.GetFromJsonAsync<TransactionStatusResponse>($"/api/v1/transactions/{written.GetProperty("transactionId").GetString()}", Ct);
        Assert.Equal(("committed", height), (status!.Status, status.Height));
        Directory.Delete(tip);
    }
}
