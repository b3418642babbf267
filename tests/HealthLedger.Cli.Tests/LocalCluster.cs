using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// A network made by the real <c>healthledger init --nodes N</c> in a temp folder, whose nodes run as separate
/// <c>healthledger node</c> processes started and stopped by the test; with the admin's keys, polling of <c>/healthz</c> and the
/// transaction API, and the logs of every process it started for diagnostics (written to the test output when it is disposed,
/// and into every timeout message).
/// </summary>
internal sealed class LocalCluster : IDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(90);

    private readonly List<(string Folder, CliProcess Process)> _started = [];
    private readonly Dictionary<string, HttpClient> _clients = [];

    private LocalCluster(string root, ClusterLayout layout, UserKeys admin)
    {
        Root = root;
        Layout = layout;
        Admin = admin;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The folder holding node-1 … node-N.</summary>
    public string Root { get; }

    /// <summary>Ports and folders of the nodes.</summary>
    public ClusterLayout Layout { get; }

    /// <summary>The admin's keys, unsealed from node 1's keystore.</summary>
    public UserKeys Admin { get; }

    /// <summary>Runs <c>init --nodes <paramref name="nodes"/></c> in <paramref name="dir"/> on a free block of ports.</summary>
    public static async Task<LocalCluster> InitAsync(TempDirectory dir, int nodes)
    {
        var root = dir.Combine("net");
        var layout = new ClusterLayout(nodes, Ports.FreeClusterBlock());
        var init = await CliProcess.RunAsync("init", "--nodes", nodes.ToString(CultureInfo.InvariantCulture), "--data", root,
            "--base-port", layout.BasePort.ToString(CultureInfo.InvariantCulture));
        Assert.True(init.ExitCode == 0, init.Stdout + init.Stderr);
        using var keystore = Keystore.Open(new DataDirectory(Path.Combine(root, ClusterLayout.FolderOf(1))).KeystorePath);
        return new LocalCluster(root, layout, keystore.Unseal("admin", CliProcess.Password)!);
    }

    /// <summary>The data folder of node <paramref name="k"/>.</summary>
    public string Folder(int k) => Path.Combine(Root, ClusterLayout.FolderOf(k));

    /// <summary>A client of the web API of the node that runs from <paramref name="folder"/> (the address in its node.json).</summary>
    public HttpClient Http(string folder)
    {
        var url = NodeConfig.Read(new DataDirectory(folder))!.Urls!.Split(';')[0];
        if (!_clients.TryGetValue(url, out var client))
        {
            // A bound for failure, not a wait: a login (Argon2) or a commit on CI's two shared cores can take many seconds.
            _clients[url] = client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        }
        return client;
    }

    /// <summary>Starts <c>healthledger node</c> on each folder, together, and waits until each serves.</summary>
    public async Task StartAsync(params string[] folders)
    {
        var started = folders.Select(f => CliProcess.Start("node", "--data", f)).ToList();
        _started.AddRange(folders.Zip(started));
        try
        {
            await Task.WhenAll(started.Select(p => p.WaitUntilServingAsync()));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Assert.Fail($"A node did not start: {e.Message}{Logs()}");
        }
    }

    /// <summary>SIGTERMs every running node and waits for each to exit cleanly (closing its store).</summary>
    public async Task StopAsync()
    {
        var running = _started.Where(s => !s.Process.HasExited).ToList();
        foreach (var (_, p) in running) p.Terminate();
        foreach (var (folder, p) in running)
        {
            await p.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.True(p.ExitCode == 0, $"{folder} exited with {p.ExitCode}{Logs()}");
        }
    }

    /// <summary>SIGKILLs the running node of <paramref name="folder"/> (no graceful stop) and waits for it to exit.</summary>
    public async Task KillAsync(string folder)
    {
        foreach (var (_, p) in _started.Where(s => s.Folder == folder && !s.Process.HasExited).ToList())
        {
            p.Kill();
            await p.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>A patient login registered by the admin with <paramref name="nonce"/>: a small transaction that changes the state.</summary>
    public Transaction Registration(string network, string organisationId, ulong nonce, string id)
    {
        using var keys = TestNetwork.KeysFor(id);
        return Transaction.Create(network, Admin.Signing, nonce, new RegisterUserPayload(id, Role.Patient, organisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey));
    }

    /// <summary>Submits one signed transaction through the API and asserts the door accepted it.</summary>
    public async Task SubmitAsync(HttpClient http, Transaction tx)
    {
        using var content = new ReadOnlyMemoryContent(tx.Encoded);
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await http.PostAsync("/api/v1/transactions", content, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{http.BaseAddress} refused {tx.Id}: {await response.Content.ReadAsStringAsync(Ct)}{Logs()}");
    }

    /// <summary>Where a transaction stands at a node, or null when the node does not know it (or does not answer).</summary>
    public static async Task<TransactionStatusResponse?> StatusAsync(HttpClient http, Hash256 id)
    {
        try
        {
            using var response = await http.GetAsync($"/api/v1/transactions/{id}", Ct);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<TransactionStatusResponse>(Ct) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>A node's <c>/healthz</c>, or null while it does not answer.</summary>
    public static async Task<HealthResponse?> HealthAsync(HttpClient client)
    {
        try
        {
            return await client.GetFromJsonAsync<HealthResponse>("/healthz", Ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !Ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Every node's <c>/healthz</c>, in order (null for one that does not answer).</summary>
    public static async Task<HealthResponse?[]> HealthAsync(IEnumerable<HttpClient> clients) => await Task.WhenAll(clients.Select(HealthAsync));

    /// <summary>
    /// Waits until the nodes behind <paramref name="clients"/> hold one tip (height, hash, state root) with nothing waiting in any
    /// mempool, and returns that reading: a chain that no longer grows, whose state root the stopped folders must verify to. A
    /// tip read while transactions still wait moves on before the stop (the nodes' first-start login publications, whose losers
    /// are refused in later blocks and use up their nonces), and the folders then verify to a later root.
    /// </summary>
    public static async Task<HealthResponse[]> SettledAsync(IReadOnlyList<HttpClient> clients, Func<string>? diagnostics = null)
    {
        HealthResponse?[] now = [];
        await PollAsync("the nodes hold one tip with nothing waiting", async () =>
            (now = await HealthAsync(clients)).All(h => h is { Pending: 0 }) && now.Select(h => (h!.Height, h.TipHash, h.StateRoot)).Distinct().Count() == 1, diagnostics);
        return [.. now.Select(h => h!)];
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="timeout"/> (90 s) with the nodes' logs.</summary>
    public Task WaitAsync(string what, Func<Task<bool>> condition, TimeSpan? timeout = null) => PollAsync(what, condition, Logs, timeout);

    /// <summary>
    /// Waits until the node at <paramref name="reader"/> has committed every block the node at <paramref name="writer"/> had
    /// committed when called: a write committed at one node (it answered once its block committed there) and then read, or
    /// voted on, at another, which may not have that block yet.
    /// </summary>
    public static async Task CaughtUpAsync(string writer, string reader, Func<string>? diagnostics = null)
    {
        using var from = new HttpClient { BaseAddress = new Uri(writer), Timeout = TimeSpan.FromSeconds(15) };
        using var to = new HttpClient { BaseAddress = new Uri(reader), Timeout = TimeSpan.FromSeconds(15) };
        var height = (await HealthAsync(from))!.Height;
        await PollAsync($"{reader} has committed height {height}, {writer}'s", async () => (await HealthAsync(to))?.Height >= height, diagnostics);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <paramref name="timeout"/> (90 s), naming <paramref name="what"/>.</summary>
    public static async Task PollAsync(string what, Func<Task<bool>> condition, Func<string>? diagnostics = null, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(timeout ?? DefaultWait);
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException)
            {
            }
            if (deadline.IsCancellationRequested) Assert.Fail($"Timed out waiting until {what}.{diagnostics?.Invoke()}");
            await Task.Delay(100, Ct); // polling an external process's state, not synchronising threads
        }
    }

    /// <summary>Runs <c>verify</c> on a stopped node's folder; asserts it passes and returns its output.</summary>
    public static async Task<string> VerifyAsync(string folder)
    {
        var verify = await CliProcess.RunAsync("verify", "--data", folder);
        Assert.True(verify.ExitCode == 0, $"{folder}: {verify.Stdout}{verify.Stderr}");
        return verify.Stdout;
    }

    /// <summary>Copies a stopped node's data folder (without its lock file).</summary>
    public static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "node.lock"))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>The end of every started process's output, oldest first.</summary>
    public string Logs()
    {
        var text = new StringBuilder();
        foreach (var (folder, p) in _started)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n--- {Path.GetFileName(folder)} (pid {p.Id}{(p.HasExited ? $", exited {p.ExitCode}" : ", running")}) ---\n");
            text.Append(Tail(p.Stdout)).Append(Tail(p.Stderr));
        }
        return text.ToString();

        static string Tail(string s) => s.Length <= 4000 ? s : "…" + s[^4000..];
    }

    public void Dispose()
    {
        TestContext.Current.TestOutputHelper?.WriteLine(Logs());
        foreach (var (_, p) in _started) p.Dispose();
        foreach (var c in _clients.Values) c.Dispose();
        Admin.Dispose();
    }
}
