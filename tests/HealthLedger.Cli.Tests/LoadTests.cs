using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using HealthLedger.Core.Execution;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// <c>healthledger load</c> with real processes: it signs in its own nonce lane (<see cref="NonceLanes.Load"/>), so the same
/// admin writing through a session at the node (which signs for them in the node's lane, 0 for a one-node network) meanwhile
/// is never refused for a nonce, and neither is load; Ctrl+C stops it with a true summary. (Negative control: with load signing
/// in lane 0, as before, this test fails with "Submitted 50: 46 accepted at the door, 4 refused (BadNonce: 4)".)
/// </summary>
public class LoadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Load_streams_in_its_own_lane_beside_the_same_admins_session_writes_and_stops_with_a_summary()
    {
        using var dir = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 1);
        await net.StartAsync(net.Folder(1));
        var node = net.Http(net.Folder(1));
        using var load = CliProcess.Start("load", "--data", net.Folder(1), "--url", node.BaseAddress!.ToString(), "--count", "100000", "--rate", "50");
        try
        {
            await net.WaitAsync("load's first transactions commit", async () =>
                load.HasExited || (await LocalCluster.HealthAsync(node))?.Height >= 2);
            Assert.False(load.HasExited, load.Stdout + load.Stderr);

            // The admin, logged in at the node, makes five changes the node signs for them in lane 0 while load streams.
            using (var login = await node.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = CliProcess.Password }, Ct))
            {
                node.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<Node.Security.TokenResponse>(Ct))!.AccessToken);
            }
            for (var i = 1; i <= 5; i++)
            {
                using var proposed = await node.PostAsJsonAsync("/api/v1/consortium/proposals",
                    new { id = $"lifetime-{i}", action = "change-policy", policy = new { proposalLifetimeHours = 24 + i } }, Ct);
                Assert.True(proposed.StatusCode == HttpStatusCode.Created, await proposed.Content.ReadAsStringAsync(Ct) + net.Logs());
            }
            Assert.False(load.HasExited, load.Stdout + load.Stderr); // they overlapped
        }
        finally
        {
            if (!load.HasExited) load.Terminate(); // as Ctrl+C
            await load.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.True(load.ExitCode == 0, load.Stdout + load.Stderr);
        var summary = Regex.Match(load.Stdout, @"Submitted (\d+): (\d+) accepted at the door, 0 refused");
        Assert.True(summary.Success && summary.Groups[1].Value == summary.Groups[2].Value, load.Stdout);
        Assert.Contains("Stopped after", load.Stdout);

        // Lane 0 holds exactly the session's five; load's lane holds every accepted one of load.
        var sent = ulong.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await net.WaitAsync("every accepted transaction of load commits", async () =>
            (await Signers.GetAsync(node, net.Admin, NonceLanes.Load)).LastNonce == NonceLanes.Compose(NonceLanes.Load, sent));
        Assert.Equal(5UL, (await Signers.GetAsync(node, net.Admin)).LastNonce);
    }
}
