using System.Net;
using System.Text.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthLedger.Node.Tests.Chain;

/// <summary>GET /healthz when the ledger store has failed on its own, with no write asked of it.</summary>
public class HealthApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_checkpoint_that_fails_on_an_idle_node_turns_healthz_to_503_naming_it_and_stops_the_node()
    {
        await using var node = await NodeFixture.StartAsync();
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        var stopping = node.App.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var path = new DataDirectory(node.DataPath).LedgerPath;
        var admin = await node.AdminSignerAsync();
        using (var healthy = await node.Http.GetAsync("/healthz", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        using (new LogPin(path))
        {
            // Three blocks stay in the log alone while the pin holds (no checkpoint passes a reader's snapshot).
            for (var i = 0UL; i < 3; i++)
            {
                var tx = InProcessNode.Registration(admin.Network, node.Admin, admin.NextNonce + i, admin.OrganisationId, $"idle-{i}");
                using var response = await node.PostAsync(tx.Encoded.ToArray(), "/api/v1/transactions?wait=true");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            // An outside tool cuts the log back to its 32-byte header under the running node: every frame a checkpoint must copy is gone.
            using var file = new FileStream(path + "-wal", FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            file.SetLength(32);
        }
        var height = ledger.Store.TipHeight;

        // Nothing more is submitted: the store's checkpoint thread finds the damage by itself and the node stops.
        await Task.Delay(Timeout.InfiniteTimeSpan, stopping).ContinueWith(_ => { }, Ct, TaskContinuationOptions.None, TaskScheduler.Default)
            .WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.Equal(height, ledger.Store.TipHeight);

        // Until the process exits (here the test host keeps serving), /healthz says why, without any of the ledger's data.
        using var failed = await node.Http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await failed.Content.ReadAsStringAsync(Ct));
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("The node's ledger store has failed", problem.RootElement.GetProperty("title").GetString());
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains("The write-ahead log of ledger.db could not be copied into it (SQLite's checkpoint failed:", detail, StringComparison.Ordinal);
        Assert.Contains("healthledger verify", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(node.DataPath, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("idle-", detail, StringComparison.Ordinal);
    }
}
