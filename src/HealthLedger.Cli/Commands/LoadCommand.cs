using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using Spectre.Console;

namespace HealthLedger.Cli.Commands;

internal static class LoadCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
        var url = new Option<string>("--url") { Description = $"The running node (default {CommonOptions.DefaultUrl})", DefaultValueFactory = _ => CommonOptions.DefaultUrl };
        var count = new Option<int>("--count", "-n") { Description = "How many transactions to send (default 10000)", DefaultValueFactory = _ => 10_000 };
        var batch = new Option<int>("--batch") { Description = "Transactions per HTTP request (default 500)", DefaultValueFactory = _ => 500 };
        var admin = CommonOptions.Admin();
        var command = new Command("load",
            "Send a stream of signed transactions to a running node: the admin registers synthetic users (ids only, no personal data). " +
            $"Unseals the admin's keys from the data folder's keystore with {CommonOptions.PasswordVariable}. For smoke, crash and throughput tests.")
        { data, url, count, batch, admin };
        command.SetAction((parse, ct) => Run(parse.GetValue(data)!, parse.GetValue(url)!, parse.GetValue(count), parse.GetValue(batch), parse.GetValue(admin)!, ct));
        return command;
    }

    private static async Task<int> Run(string data, string url, int count, int batchSize, string adminUser, CancellationToken cancellationToken)
    {
        if (count < 1 || batchSize < 1) return CommonOptions.Fail("--count and --batch must be at least 1");
        if (CommonOptions.AdminPassword() is not { } password) return CommonOptions.Fail($"set {CommonOptions.PasswordVariable} to the admin's password");
        var keystorePath = new DataDirectory(Path.GetFullPath(data)).KeystorePath;
        if (!File.Exists(keystorePath)) return CommonOptions.Fail($"no keystore in {data}");
        UserKeys? admin;
        using (var keystore = Keystore.Open(keystorePath)) admin = keystore.Unseal(adminUser, password);
        if (admin is null) return CommonOptions.Fail("the admin password does not open the admin's keys");
        using var _ = admin;

        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        SignerResponse? signer;
        try
        {
            // The signer record (nonce, network, organisation) is answered to whoever proves the key: no session needed.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/ledger/signers/{admin.Signing.PublicKey}");
            request.Headers.Add(SignerProof.Header, SignerProof.Create(admin.Signing, DateTimeOffset.UtcNow));
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode) return CommonOptions.Fail($"the node at {url} refused the signer lookup ({(int)response.StatusCode})");
            signer = await response.Content.ReadFromJsonAsync<SignerResponse>(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return CommonOptions.Fail($"cannot reach the node at {url}: {e.Message}");
        }
        var nonce = signer!.NextNonce;
        var runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var refused = new Dictionary<string, int>();
        string? lastAccepted = null;
        var watch = Stopwatch.StartNew();
        var sent = 0;
        await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
        {
            var task = ctx.AddTask("Submitting", maxValue: count);
            while (sent < count && !cancellationToken.IsCancellationRequested)
            {
                var items = new List<ReadOnlyMemory<byte>>();
                for (var i = 0; i < batchSize && sent + items.Count < count; i++)
                {
                    using var keys = UserKeys.FromSecret(RandomNumberGenerator.GetBytes(UserKeys.SecretLength));
                    var n = sent + items.Count;
                    var payload = new RegisterUserPayload($"load-{runId}-{n}", n % 5 == 0 ? Role.Doctor : Role.Patient, signer.OrganisationId,
                        keys.Signing.PublicKey, keys.Encryption.PublicKey);
                    items.Add(Transaction.Create(signer.Network, admin.Signing, nonce++, payload).Encoded);
                }
                using var content = new ByteArrayContent(BatchEncoding.Encode(items));
                content.Headers.ContentType = new("application/octet-stream");
                using var response = await http.PostAsync("/api/v1/transactions/batch", content, cancellationToken);
                response.EnsureSuccessStatusCode();
                var result = (await response.Content.ReadFromJsonAsync<BatchResponse>(cancellationToken))!;
                foreach (var item in result.Results)
                {
                    if (item.Verdict == "Ok") lastAccepted = item.Id;
                    else refused[item.Verdict] = refused.GetValueOrDefault(item.Verdict) + 1;
                }
                sent += items.Count;
                task.Value = sent;
            }
        });
        var accepted = sent - refused.Values.Sum();
        Console.WriteLine($"Submitted {sent}: {accepted} accepted at the door, {refused.Values.Sum()} refused" +
            (refused.Count > 0 ? " (" + string.Join(", ", refused.Select(r => $"{r.Key}: {r.Value}")) + ")" : ""));
        if (lastAccepted is not null)
        {
            TransactionStatusResponse? status;
            do
            {
                await Task.Delay(100, cancellationToken);
                status = await http.GetFromJsonAsync<TransactionStatusResponse>($"/api/v1/transactions/{lastAccepted}", cancellationToken);
            }
            while (status?.Status != "committed");
            var seconds = watch.Elapsed.TotalSeconds;
            Console.WriteLine($"All accepted transactions committed by block {status.Height} in {seconds:F1} s ({accepted / seconds:F0} tx/s end to end)");
        }
        return refused.Count == 0 ? 0 : 1;
    }
}
