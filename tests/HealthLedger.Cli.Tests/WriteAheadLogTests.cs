using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// A lost or damaged write-ahead log on a stopped node (the real process): committed blocks must never be rolled back silently.
/// The tip record beside the ledger names the gap; <c>up</c> refuses and <c>verify</c> fails; a clean stop leaves nothing in the log.
/// </summary>
public class WriteAheadLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Damage() => [.. WalDamage.Kinds];

    [Theory]
    [MemberData(nameof(Damage))]
    public async Task A_killed_node_whose_log_is_then_lost_or_damaged_refuses_to_start_naming_the_missing_blocks(string damage)
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var height = await CommitBlocksAsync(data, blocks: 3, stop: node => node.Kill(), pinLog: true);

        var wal = new DataDirectory(data).LedgerPath + "-wal";
        Assert.True(new FileInfo(wal).Length > 0, "a killed node leaves its log behind");
        WalDamage.Apply(wal, damage);

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.True(verify.ExitCode == 1, verify.Stdout + verify.Stderr);
        Assert.Contains($"to {height}", verify.Stdout);
        Assert.Contains("are missing", verify.Stdout);

        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.True(up.ExitCode == 2, up.Stdout + up.Stderr);
        Assert.Contains($"to {height}", up.Stderr);
        Assert.Contains("are missing", up.Stderr);
        Assert.Contains("ledger.db-wal", up.Stderr);
        Assert.Contains("--accept-tip", up.Stderr);
        Assert.DoesNotContain("HealthLedger is running", up.Stdout);
    }

    [Fact]
    public async Task A_cleanly_stopped_node_keeps_nothing_in_its_log_so_losing_it_loses_no_block()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var height = await CommitBlocksAsync(data, blocks: 2, stop: node => node.Terminate());

        var wal = new DataDirectory(data).LedgerPath + "-wal";
        var left = File.Exists(wal) ? new FileInfo(wal).Length : 0;
        Assert.True(left == 0, $"the log holds {left} bytes after a clean stop");
        File.Delete(wal);
        Assert.Equal(new LedgerTip(height, LedgerTip.Read(new DataDirectory(data).LedgerPath)!.Hash), LedgerTip.Read(new DataDirectory(data).LedgerPath));

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var node = CliProcess.Start("up", "--data", data, "--urls", url);
        await node.WaitUntilServingAsync();
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        Assert.Equal(height, (await http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height);
    }

    [Fact]
    public async Task Accepting_a_ledger_behind_its_tip_record_is_an_explicit_verify_step()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        await CommitBlocksAsync(data, blocks: 2, stop: node => node.Kill(), pinLog: true);
        File.Delete(new DataDirectory(data).LedgerPath + "-wal");
        Assert.Equal(1, (await CliProcess.RunAsync("verify", "--data", data)).ExitCode);

        var accept = await CliProcess.RunAsync("verify", "--data", data, "--accept-tip");
        Assert.True(accept.ExitCode == 0, accept.Stdout + accept.Stderr);
        Assert.Contains("as the ledger's tip", accept.Stdout);
        Assert.Equal(0, (await CliProcess.RunAsync("verify", "--data", data)).ExitCode);
    }

    // Starts the node, commits one registration per block and stops it with stop; returns the last committed height. With
    // pinLog, a reader holds the ledger's snapshot from before the first of these blocks until the node has stopped, so no
    // checkpoint copies them into ledger.db: they are in ledger.db-wal alone, which a kill leaves behind (a timely checkpoint
    // would otherwise make losing the log lose nothing, by timing).
    private static async Task<ulong> CommitBlocksAsync(string data, int blocks, Action<CliProcess> stop, bool pinLog = false)
    {
        Core.Crypto.UserKeys admin;
        using (var keystore = Keystore.Open(new DataDirectory(data).KeystorePath)) admin = keystore.Unseal("admin", CliProcess.Password)!;
        using var _ = admin;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var node = CliProcess.Start("up", "--data", data, "--urls", url);
        await node.WaitUntilServingAsync();
        using var pin = pinLog ? new LogPin(new DataDirectory(data).LedgerPath) : null;
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var signer = await Signers.GetAsync(http, admin);
        for (var i = 0; i < blocks; i++)
        {
            var id = $"wal-{i}";
            using var keys = TestNetwork.KeysFor(id);
            var tx = Transaction.Create(signer.Network, admin.Signing, signer.NextNonce + (ulong)i,
                new RegisterUserPayload(id, Role.Patient, signer.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey));
            using var content = new ByteArrayContent(tx.Encoded.ToArray());
            content.Headers.ContentType = new("application/octet-stream");
            using var response = await http.PostAsync("/api/v1/transactions?wait=true", content, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var height = (await http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;
        stop(node);
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return height;
    }
}
