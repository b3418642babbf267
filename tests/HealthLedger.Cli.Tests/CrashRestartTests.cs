using System.Net.Http.Json;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>SIGKILL the real node process while it commits a stream of transactions, restart it, verify the store.</summary>
public class CrashRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Killing_the_node_mid_stream_leaves_a_store_that_verifies_and_the_node_goes_on()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        Core.Crypto.UserKeys admin;
        using (var keystore = Keystore.Open(new DataDirectory(data).KeystorePath)) admin = keystore.Unseal("admin", CliProcess.Password)!;
        using var _ = admin;

        ulong lastHeight = 0;
        for (var round = 0; round < 3; round++)
        {
            var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
            using var node = CliProcess.Start("up", "--data", data, "--urls", url);
            await node.WaitUntilServingAsync();
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var health = await http.GetFromJsonAsync<HealthResponse>("/healthz", Ct);
            Assert.True(health!.Height >= lastHeight, $"round {round}: height went back from {lastHeight} to {health.Height}");
            var signer = await Signers.GetAsync(http, admin);

            // Stream batches until a few blocks were committed in this round, then kill while more are in flight.
            var nonce = signer.NextNonce;
            var target = health.Height + 3;
            var sent = 0;
            while (true)
            {
                var items = Enumerable.Range(0, 200).Select(i =>
                {
                    var id = $"crash-{round}-{sent + i}";
                    using var keys = TestNetwork.KeysFor(id);
                    return (ReadOnlyMemory<byte>)Transaction.Create(signer.Network, admin.Signing, nonce++,
                        new RegisterUserPayload(id, Role.Patient, signer.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey)).Encoded;
                }).ToList();
                sent += items.Count;
                using var content = new ByteArrayContent(BatchEncoding.Encode(items));
                content.Headers.ContentType = new("application/octet-stream");
                using var response = await http.PostAsync("/api/v1/transactions/batch", content, Ct);
                var result = await response.Content.ReadFromJsonAsync<BatchResponse>(Ct);
                Assert.True(result!.Refused == 0, $"round {round}: {result.Refused} refused: {string.Join("; ", result.Results.Where(r => r.Verdict != "Ok").Take(2).Select(r => r.Verdict + " " + r.Reason))}\n{node.Stdout[^Math.Min(4000, node.Stdout.Length)..]}");
                var now = await http.GetFromJsonAsync<HealthResponse>("/healthz", Ct);
                if (now!.Height >= target && now.Pending > 0)
                {
                    lastHeight = now.Height;
                    break;
                }
            }
            node.Kill();
            await node.WaitForExitAsync(TimeSpan.FromSeconds(30));

            var verify = await CliProcess.RunAsync("verify", "--data", data);
            Assert.True(verify.ExitCode == 0, $"round {round}: {verify.Stdout}{verify.Stderr}");
        }

        // A last clean start and graceful stop.
        var finalUrl = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using (var node = CliProcess.Start("up", "--data", data, "--urls", finalUrl))
        {
            await node.WaitUntilServingAsync();
            node.Terminate();
            await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, node.ExitCode);
        }
        var final = await CliProcess.RunAsync("verify", "--data", data);
        Assert.Equal(0, final.ExitCode);
        Assert.Contains("OK:", final.Stdout);
    }
}
