using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using HealthLedger.Core.Execution;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

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
        // Stopped before it sent everything: exit code 130, and said so (break-it, 2026-12-06: it exited 0, like a run that finished).
        Assert.True(load.ExitCode == 130, load.Stdout + load.Stderr);
        var summary = Regex.Match(load.Stdout, @"Submitted (\d+): (\d+) accepted at the door, 0 refused");
        Assert.True(summary.Success && summary.Groups[1].Value == summary.Groups[2].Value, load.Stdout);
        Assert.Contains("Stopped after", load.Stdout);
        Assert.Contains("interrupted, not every transaction was sent.", load.Stdout);

        // Lane 0 holds exactly the session's five; load's lane holds every accepted one of load.
        var sent = ulong.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await net.WaitAsync("every accepted transaction of load commits", async () =>
            (await Signers.GetAsync(node, net.Admin, NonceLanes.Load)).LastNonce == NonceLanes.Compose(NonceLanes.Load, sent));
        Assert.Equal(5UL, (await Signers.GetAsync(node, net.Admin)).LastNonce);
    }

    // Break-it (2026-12-06): load pointed at another network's node said only "refused the signer lookup (404)", and at a
    // plain-http node through https:// "The SSL connection could not be established, see inner exception". Each now says what
    // is wrong and what to try, in one line, exit 2, nothing sent.
    [Fact]
    public async Task Load_against_another_networks_node_or_through_https_to_a_plain_node_says_what_is_wrong()
    {
        using var dir = new TempDirectory();
        using var other = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 1);
        using var otherNet = await LocalCluster.InitAsync(other, 1);
        await net.StartAsync(net.Folder(1));
        var url = net.Http(net.Folder(1)).BaseAddress!.ToString().TrimEnd('/');
        var before = (await LocalCluster.HealthAsync(net.Http(net.Folder(1))))!.Height;

        var wrongNetwork = await CliProcess.RunAsync("load", "--data", otherNet.Folder(1), "--url", url, "--count", "10");
        Assert.Equal(2, wrongNetwork.ExitCode);
        Assert.StartsWith($"error: the node at {url} does not know the admin 'admin' of {otherNet.Folder(1)} (404: Key ", wrongNetwork.Stderr.Trim());
        Assert.EndsWith("is --url a node of this data folder's network?", wrongNetwork.Stderr.Trim());

        var https = "https" + url["http".Length..];
        var tls = await CliProcess.RunAsync("load", "--data", net.Folder(1), "--url", https, "--count", "10");
        Assert.Equal(2, tls.ExitCode);
        Assert.StartsWith($"error: cannot reach the node at {https}: the TLS handshake failed (a node serves plain http unless its urls name https: try http://)", tls.Stderr.Trim());
        Assert.DoesNotContain("inner exception", tls.Stderr);
        Assert.Equal(before, (await LocalCluster.HealthAsync(net.Http(net.Folder(1))))!.Height); // nothing was sent
    }

    [Fact]
    public async Task Load_pre_signs_its_transactions_and_verify_names_a_flipped_signature_byte_in_a_large_block()
    {
        using var dir = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 1);
        await net.StartAsync(net.Folder(1));
        var node = net.Http(net.Folder(1));
        var load = await CliProcess.RunAsync("load", "--data", net.Folder(1), "--url", node.BaseAddress!.ToString(), "--count", "400", "--batch", "200");
        Assert.True(load.ExitCode == 0, load.Stdout + load.Stderr);
        Assert.Contains("Signed 400 transactions", load.Stdout);
        Assert.Contains("Submitted 400: 400 accepted at the door, 0 refused", load.Stdout);
        Assert.Contains("All accepted transactions committed", load.Stdout);

        // Break-it (2026-12-06, fifth session): verify of a running node's folder, while it committed, reported tampering
        // that was not there ("block is missing", "stored value differs"). It is refused while the node holds node.lock.
        var running = await CliProcess.RunAsync("verify", "--data", net.Folder(1));
        Assert.Equal(2, running.ExitCode);
        Assert.Equal($"error: A node is running on {net.Folder(1)} (node.lock is held): stop it first. 'verify' checks a stopped node's data; a running node " +
            "checks its own chain at start and in its integrity sweep (/healthz, \"integritySweep\").", running.Stderr.Trim());
        // A batch over the network's most transactions per block is refused by 'load' itself, before anything is signed.
        var tooLarge = await CliProcess.RunAsync("load", "--data", net.Folder(1), "--url", node.BaseAddress!.ToString(), "--count", "20000", "--batch", "10001");
        Assert.Equal(2, tooLarge.ExitCode);
        Assert.Contains("--batch", tooLarge.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Signed", tooLarge.Stdout, StringComparison.Ordinal);
        await net.StopAsync();
        await LocalCluster.VerifyAsync(net.Folder(1)); // signatures verified ahead in parallel, re-executed in order

        // One flipped byte in the signature of a transaction in the middle of the largest block: verify fails naming it.
        long height, index;
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(net.Folder(1), "ledger.db")};Pooling=False"))
        {
            connection.Open();
            using var largest = connection.CreateCommand();
            largest.CommandText = "SELECT height, count(*) FROM transactions GROUP BY height ORDER BY count(*) DESC, height LIMIT 1";
            using (var reader = largest.ExecuteReader())
            {
                Assert.True(reader.Read());
                height = reader.GetInt64(0);
                index = reader.GetInt64(1) / 2;
            }
            using var length = connection.CreateCommand();
            length.CommandText = $"SELECT length(body) FROM transactions WHERE height = {height} AND idx = {index}";
            var inSignature = (int)(long)length.ExecuteScalar()! - 10; // the last 64 bytes are the signature
            using var tamper = connection.CreateCommand();
            tamper.CommandText = "UPDATE transactions SET body = " + SqlTamper.FlipByte("body", inSignature) + $" WHERE height = {height} AND idx = {index}";
            Assert.Equal(1, tamper.ExecuteNonQuery());
        }
        var verify = await CliProcess.RunAsync("verify", "--data", net.Folder(1));
        Assert.Equal(1, verify.ExitCode);
        Assert.StartsWith($"FAILED: block {height}, transaction {index}", verify.Stdout);
    }
}
