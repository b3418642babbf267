using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Execution;
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
        var count = new Option<int>("--count", "-n") { Description = "How many transactions to send (default 10000)", DefaultValueFactory = _ => 10_000 }.WholeNumber(1, int.MaxValue);
        var batch = new Option<int>("--batch")
        {
            Description = "Transactions per HTTP request, 1 to 10000 (default 500; a node refuses a batch of more than its network's most transactions per block, 10,000 by default)",
            DefaultValueFactory = _ => 500,
        }.WholeNumber(1, 10_000);
        var rate = new Option<int>("--rate")
        {
            Description = "Transactions per second to stream at, in requests every 100 ms (default 0: as fast as the node takes them)",
            DefaultValueFactory = _ => 0,
        }.WholeNumber(0, 1_000_000, "transactions per second");
        var admin = CommonOptions.Admin();
        var json = new Option<bool>("--json")
        {
            Description = "Print no progress, and at the end one JSON object: signed (transactions signed), signedBeforeClock (of them, signed before the clock started: without --rate), signingSeconds, interrupted (true after Ctrl+C or SIGTERM, exit code 130), sent, accepted, refused (by verdict), " +
                "committedHeight, seconds (first submit to the last accepted transaction's commit), transactionsPerSecond, failure; " +
                "or, when it cannot start (exit 2), {\"ok\":false,\"error\":\"…\"}",
        };
        var command = new Command("load",
            "Send a stream of signed transactions to a running node: the admin registers synthetic users (ids only, no personal data). " +
            $"Unseals the admin's keys from the data folder's keystore with {CommonOptions.PasswordVariable}. Signs in its own nonce lane ({NonceLanes.Load}), " +
            "so it runs alongside the admin's session at any node. Ctrl+C stops it with a summary. For smoke, crash, membership and throughput tests.")
        { data, url, count, batch, rate, admin, json };
        command.SetAction((parse, ct) => Run(parse.GetValue(data)!, parse.GetValue(url)!, parse.GetValue(count), parse.GetValue(batch), parse.GetValue(rate),
            parse.GetValue(admin)!, parse.GetValue(json), ct));
        return command;
    }

    /// <summary>Most transactions signed ahead of the sender (about 250 bytes each in memory).</summary>
    private const int PreSignLimit = 500_000;

    // Signs transactions first … first+n−1 of the run on every core: the admin registers a synthetic user (ids only) with a fresh key pair each.
    private static List<ReadOnlyMemory<byte>> SignBatch(SignerResponse signer, SigningKeyPair admin, string runId, int first, int n, ulong firstNonce,
        CancellationToken cancellationToken)
    {
        var items = new ReadOnlyMemory<byte>[n];
        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var index = first + i;
            using var keys = UserKeys.FromSecret(RandomNumberGenerator.GetBytes(UserKeys.SecretLength));
            var payload = new RegisterUserPayload($"load-{runId}-{index}", index % 5 == 0 ? Role.Doctor : Role.Patient, signer.OrganisationId,
                keys.Signing.PublicKey, keys.Encryption.PublicKey);
            items[i] = Transaction.Create(signer.Network, admin, firstNonce + (ulong)index, payload).Encoded;
        });
        return [.. items];
    }

    private static async Task<int> Run(string data, string url, int count, int batchSize, int rate, string adminUser, bool json, CancellationToken cancellationToken)
    {
        if (count < 1 || batchSize < 1) return CommonOptions.Fail("--count and --batch must be at least 1", json);
        if (rate is < 0 or > 1_000_000) return CommonOptions.Fail("--rate must be between 0 (unlimited) and 1000000 transactions per second", json);
        if (CommonOptions.UrlProblem(url, out var parsed) is { } urlProblem) return CommonOptions.Fail(urlProblem, json);
        var baseUri = parsed!;
        if (rate > 0) batchSize = Math.Min(batchSize, Math.Max(1, rate / 10));
        if (CommonOptions.AdminPassword() is not { } password) return CommonOptions.Fail($"set {CommonOptions.PasswordVariable} to the admin's password", json);
        var keystorePath = new DataDirectory(Path.GetFullPath(data)).KeystorePath;
        if (!Path.Exists(keystorePath)) return CommonOptions.Fail($"no keystore in {data}", json); // whatever is there, Keystore.Open names
        UserKeys? admin;
        Keystore keys;
        try
        {
            keys = Keystore.Open(keystorePath);
        }
        catch (StoreCorruptException e)
        {
            return CommonOptions.Fail(e.Message, json);
        }
        using (var keystore = keys)
        {
            // User ids are kept in lower case; a login takes them in any case (AccountService.Login), and so does this.
            adminUser = adminUser.Trim().ToLowerInvariant();
            if (!keystore.UserIds().Contains(adminUser, StringComparer.Ordinal))
            {
                return CommonOptions.Fail($"user '{adminUser}' has no login in {data} ({CommonOptions.AdminHint})", json);
            }
            admin = keystore.Unseal(adminUser, password);
        }
        if (admin is null) return CommonOptions.Fail($"the password in {CommonOptions.PasswordVariable} does not open the keys of '{adminUser}'", json);
        using var _ = admin;

        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };
        SignerResponse? signer;
        var notANode = $"{url} answered the signer lookup with something that is not a HealthLedger node's answer: is --url a HealthLedger node (its http address, e.g. http://localhost:5080)?";
        try
        {
            // The signer record (nonce, network, organisation) is answered to whoever proves the key: no session needed. Its nonces are
            // those of load's own lane, which no node signs in: a node writing for this admin (a session) never takes load's nonces.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/ledger/signers/{admin.Signing.PublicKey}?lane={NonceLanes.Load}");
            request.Headers.Add(SignerProof.Header, SignerProof.Create(admin.Signing, DateTimeOffset.UtcNow));
            using var response = await http.SendAsync(request, cancellationToken);
            var reason = await ReasonAsync(response);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                // The admin's key is unknown there (a node's problem says so: "Unknown signer"): --url is a node of another network
                // than --data's. Without it, what answered is not a HealthLedger node at all.
                return CommonOptions.Fail(reason.Length > 0
                    ? $"the node at {url} does not know the admin '{adminUser}' of {data} ({(int)response.StatusCode}{reason}): is --url a node of this data folder's network?"
                    : $"{url} answered 404 to a HealthLedger node's signer lookup: is --url a HealthLedger node (its http address, e.g. http://localhost:5080)?", json);
            }
            if (!response.IsSuccessStatusCode) return CommonOptions.Fail($"the node at {url} refused the signer lookup ({(int)response.StatusCode}{reason})", json);
            signer = await response.Content.ReadFromJsonAsync<SignerResponse>(cancellationToken);
            if (signer is null) throw new JsonException("null");
        }
        catch (HttpRequestException e)
        {
            return CommonOptions.Fail(CommonOptions.Unreachable(url, e), json);
        }
        catch (JsonException)
        {
            return CommonOptions.Fail(notANode, json);
        }
        if (string.IsNullOrEmpty(signer!.Network) || string.IsNullOrEmpty(signer.OrganisationId))
        {
            return CommonOptions.Fail(notANode, json);
        }
        if (signer.Lane != NonceLanes.Load) return CommonOptions.Fail($"the node at {url} does not answer nonces per lane (too old a version)", json);
        var firstNonce = signer.NextNonce;
        var runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var refused = new Dictionary<string, int>();
        string? lastAccepted = null;
        var sent = 0;
        string? failure = null;

        // Signing is the client's own work (a fresh key pair per synthetic user, an Ed25519 signature each): it runs on every core
        // ahead of the sender. With no --rate the transactions are signed before the clock starts (pre-signed, up to PreSignLimit),
        // so the figure measures the node's path, not the client's signing.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // At a --rate, about two seconds of transactions are signed ahead; otherwise up to PreSignLimit.
        var signedAhead = rate > 0 ? Math.Max(2, 2 * rate / batchSize + 1) : Math.Max(2, PreSignLimit / batchSize);
        var batches = Channel.CreateBounded<List<ReadOnlyMemory<byte>>>(new BoundedChannelOptions(signedAhead) { SingleReader = true, SingleWriter = true });
        var presigned = Math.Min(count, rate > 0 ? batchSize : PreSignLimit);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var signing = Stopwatch.StartNew();
        var signedCount = 0;
        var producer = Task.Run(async () =>
        {
            try
            {
                for (var first = 0; first < count; first += batchSize)
                {
                    var batch = SignBatch(signer, admin.Signing, runId, first, Math.Min(batchSize, count - first), firstNonce, stop.Token);
                    Interlocked.Add(ref signedCount, batch.Count);
                    await batches.Writer.WriteAsync(batch, stop.Token);
                    if (first + batch.Count >= presigned) ready.TrySetResult();
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the sender stops with a summary of what it sent.
            }
            finally
            {
                ready.TrySetResult();
                batches.Writer.TryComplete();
            }
        }, CancellationToken.None);
        await ready.Task;
        var signingSeconds = signing.Elapsed.TotalSeconds;
        if (rate == 0 && !json) Console.WriteLine($"Signed {presigned} transactions in {signingSeconds:F1} s before the clock started.");
        var watch = Stopwatch.StartNew();
        async Task SendAll(Action<int> onSent)
        {
            while (sent < count && !cancellationToken.IsCancellationRequested)
            {
                if (rate > 0 && TimeSpan.FromSeconds((double)sent / rate) - watch.Elapsed is { Ticks: > 0 } ahead)
                {
                    try
                    {
                        await Task.Delay(ahead, cancellationToken); // pacing to --rate
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
                List<ReadOnlyMemory<byte>> items;
                try
                {
                    items = await batches.Reader.ReadAsync(cancellationToken);
                }
                catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
                {
                    break;
                }
                using var content = new ByteArrayContent(BatchEncoding.Encode(items));
                content.Headers.ContentType = new("application/octet-stream");
                BatchResponse result;
                try
                {
                    // Not cancelled by Ctrl+C: a batch the node took is counted, so the summary stays true.
                    using var response = await http.PostAsync("/api/v1/transactions/batch", content, CancellationToken.None);
                    if (!response.IsSuccessStatusCode)
                    {
                        failure = $"the node at {url} answered {(int)response.StatusCode} to a batch{await ReasonAsync(response)}";
                        break;
                    }
                    result = (await response.Content.ReadFromJsonAsync<BatchResponse>(CancellationToken.None))!;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failure = e is HttpRequestException unreachable ? CommonOptions.Unreachable(url, unreachable) : $"cannot reach the node at {url}: {e.Message}";
                    break;
                }
                foreach (var item in result.Results)
                {
                    if (item.Verdict == "Ok") lastAccepted = item.Id;
                    else refused[item.Verdict] = refused.GetValueOrDefault(item.Verdict) + 1;
                }
                sent += items.Count;
                onSent(sent);
            }
        }
        if (json)
        {
            await SendAll(_ => { });
        }
        else
        {
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async ctx =>
            {
                var task = ctx.AddTask("Submitting", maxValue: count);
                await SendAll(n => task.Value = n);
            });
        }
        await stop.CancelAsync();
        await producer;
        var accepted = sent - refused.Values.Sum();
        ulong? committedHeight = null;
        double? seconds = null;
        if (failure is null && !cancellationToken.IsCancellationRequested && lastAccepted is not null)
        {
            (committedHeight, failure) = await WaitCommittedAsync(http, url, lastAccepted, quiet: json, cancellationToken);
            if (committedHeight is not null) seconds = watch.Elapsed.TotalSeconds;
        }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                signed = Volatile.Read(ref signedCount),
                signedBeforeClock = rate == 0 ? presigned : 0,
                signingSeconds,
                interrupted = cancellationToken.IsCancellationRequested,
                sent,
                accepted,
                refused,
                committedHeight,
                seconds,
                transactionsPerSecond = seconds is { } s ? accepted / s : (double?)null,
                failure,
            }));
            if (failure is not null) return CommonOptions.Fail(failure, 1);
            if (cancellationToken.IsCancellationRequested) return Interrupted;
            return refused.Count == 0 ? 0 : 1;
        }
        Console.WriteLine($"Submitted {sent}: {accepted} accepted at the door, {refused.Values.Sum()} refused" +
            (refused.Count > 0 ? " (" + string.Join(", ", refused.Select(r => $"{r.Key}: {r.Value}")) + ")" : ""));
        if (failure is not null) return CommonOptions.Fail(failure, 1);
        if (cancellationToken.IsCancellationRequested)
        {
            Console.WriteLine(sent == count
                ? $"Stopped after {watch.Elapsed.TotalSeconds:F1} s: interrupted while waiting for the last transaction to commit (every transaction was sent; those accepted may still commit)."
                : $"Stopped after {watch.Elapsed.TotalSeconds:F1} s ({sent / watch.Elapsed.TotalSeconds:F0} tx/s submitted): interrupted, not every transaction was sent.");
            return Interrupted;
        }
        if (seconds is { } elapsed)
        {
            Console.WriteLine($"All accepted transactions committed by block {committedHeight} in {elapsed:F1} s ({accepted / elapsed:F0} tx/s end to end)");
        }
        return refused.Count == 0 ? 0 : 1;
    }

    // Asks for the last accepted transaction until it is committed: its height, or why the wait ended (null for both after Ctrl+C).
    // A node answering 503 (its ledger's database out of reach: its block waits to be written) is asked again after the delay it
    // gives; a node that cannot be reached or answers otherwise ends the wait, saying that the transactions may still commit.
    private static async Task<(ulong? Height, string? Failure)> WaitCommittedAsync(HttpClient http, string url, string id, bool quiet, CancellationToken cancellationToken)
    {
        var said = false;
        var delay = TimeSpan.FromMilliseconds(100);
        var mayStill = $"; the transactions it accepted may still commit (GET /api/v1/transactions/{id} says)";
        try
        {
            while (true)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(100);
                HttpResponseMessage response;
                try
                {
                    response = await http.GetAsync($"/api/v1/transactions/{id}", cancellationToken);
                }
                catch (HttpRequestException e)
                {
                    return (null, CommonOptions.Unreachable(url, e) + mayStill);
                }
                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        if (!quiet && !said) Console.WriteLine($"The node answers 503{await ReasonAsync(response, "title")}: waiting for the last transaction to commit (Ctrl+C stops)");
                        said = true;
                        delay = response.Headers.RetryAfter?.Delta is { } after && after > TimeSpan.Zero && after < TimeSpan.FromSeconds(30) ? after : TimeSpan.FromSeconds(1);
                        continue;
                    }
                    if (!response.IsSuccessStatusCode)
                    {
                        return (null, $"the node at {url} answered {(int)response.StatusCode} while load waited for its last transaction{await ReasonAsync(response)}{mayStill}");
                    }
                    TransactionStatusResponse? status;
                    try
                    {
                        status = await response.Content.ReadFromJsonAsync<TransactionStatusResponse>(cancellationToken);
                    }
                    catch (JsonException)
                    {
                        return (null, $"the server at {url} did not answer as a HealthLedger node while load waited for its last transaction{mayStill}");
                    }
                    if (status?.Status == "committed") return (status.Height, null);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (null, null); // Ctrl+C: the summary says the run was interrupted
        }
        catch (TaskCanceledException e)
        {
            return (null, $"the node at {url} did not answer within {http.Timeout.TotalSeconds:0} s while load waited for its last transaction ({e.Message}){mayStill}");
        }
    }

    // The exit code of a run stopped by Ctrl+C or SIGTERM before it sent everything (128 + SIGINT, as 'bench' exits).
    private const int Interrupted = 130;

    // The problem's detail (RFC 9457) a node gives with a refusal, as ": …", or nothing when the answer carries none.
    // With field "title", the problem's title.
    private static async Task<string> ReasonAsync(HttpResponseMessage response, string field = "detail")
    {
        try
        {
            using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(CancellationToken.None));
            return problem.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && problem.RootElement.TryGetProperty(field, out var detail)
                && detail.ValueKind == System.Text.Json.JsonValueKind.String ? ": " + detail.GetString() : "";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or HttpRequestException or IOException)
        {
            return "";
        }
    }
}
