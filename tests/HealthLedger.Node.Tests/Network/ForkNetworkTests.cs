using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;
using HealthLedger.Storage;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// Real nodes (in one process, gRPC over loopback) of 5 and 6 validators split into two sides that never run at the same
/// time — a network partition — each side given its own transaction. With 6 validators a 3 | 3 split, with 5 a 3 | 3
/// split where one validator's key runs on both sides (a Byzantine node signing two different proposals and votes at one
/// height). Under the old quorum (2f + 1 = 3) each side decided its own block at the same height: a fork. With the quorum
/// ⌊2n/3⌋ + 1 neither side may commit, and once the network heals every node holds one and the same chain.
/// </summary>
public sealed class ForkNetworkTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, WebApplication> _running = [];
    private UserKeys _admin = null!;
    private string _network = "";
    private ulong _nonce;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _running.Keys.ToList()) await StopAsync(name);
        _admin?.Dispose();
        _dir.Dispose();
    }

    private string Folder(string name) => _dir.Combine(name);

    private void Init(int nodes)
    {
        var layout = new ClusterLayout(nodes, Ports.FreeClusterBlock());
        var init = NetworkInitializer.Init(_dir.Path, "Fork Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        _network = init.NetworkId;
        using var keystore = Keystore.Open(new DataDirectory(Folder(ClusterLayout.FolderOf(1))).KeystorePath);
        _admin = keystore.Unseal("admin", NodeFixture.Password)!;
    }

    [Fact]
    public async Task Six_validators_split_three_to_three_commit_nothing_on_either_side_and_one_chain_after_healing()
    {
        Init(6);
        await SideCannotCommitAsync(["node-1", "node-2", "node-3"], "side-a");
        await SideCannotCommitAsync(["node-4", "node-5", "node-6"], "side-b");
        await HealAsync(["node-1", "node-2", "node-3", "node-4", "node-5", "node-6"], expectedQuorum: 5);
    }

    [Fact]
    public async Task Five_validators_with_one_key_voting_on_both_sides_of_a_split_commit_nothing_and_one_chain_after_healing()
    {
        Init(5);
        // The Byzantine validator: node 5's key and store, run twice, once on each side; each copy signs its own proposal
        // and votes at the same height, so the key signs two different values.
        CopyDirectory(Folder("node-5"), Folder("node-5-twin"));
        await SideCannotCommitAsync(["node-1", "node-2", "node-5"], "side-a");
        await SideCannotCommitAsync(["node-3", "node-4", "node-5-twin"], "side-b");
        await HealAsync(["node-1", "node-2", "node-3", "node-4", "node-5"], expectedQuorum: 4);
    }

    // Runs one side alone with a transaction of its own: its validators vote, but they are no quorum, so nothing commits.
    private async Task SideCannotCommitAsync(string[] side, string id)
    {
        foreach (var name in side) await StartAsync(name);
        var start = side.Select(n => Node(n).Tip.Height).Max();
        Submit(side[0], Registration(id));
        await Task.Delay(3000, Ct); // rounds go by (propose timeout 300 ms): votes are signed and sent, no quorum forms
        foreach (var name in side) Assert.True(Node(name).Tip.Height == start, $"{name} committed height {Node(name).Tip.Height} with only {side.Length} validators running");
        foreach (var name in side) await StopAsync(name);
    }

    // All validators together: the waiting transactions commit and every node holds the same chain; /healthz shows the quorum.
    private async Task HealAsync(string[] all, int expectedQuorum)
    {
        foreach (var name in all) await StartAsync(name);
        var tx = Registration("healed");
        Submit(all[0], tx);
        await InProcessNode.WaitForCommitAsync([.. all.Select(n => _running[n])], tx.Id, Ct);
        // One reading of each tip, height and hash together: a block committed between two readings (a login's publication)
        // would otherwise pair one height with another's hash.
        await WaitAsync("every node reaches the same tip", () => all.Select(n => Node(n).Tip).Select(t => (t.Height, t.Hash)).Distinct().Count() == 1);
        var address = _running[all[0]].Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        using var health = JsonDocument.Parse(await http.GetStringAsync("/healthz", Ct));
        var consensus = health.RootElement.GetProperty("consensus");
        Assert.Equal((all.Length, expectedQuorum), (consensus.GetProperty("validators").GetInt32(), consensus.GetProperty("quorum").GetInt32()));
        foreach (var name in all) await StopAsync(name);
    }

    private Transaction Registration(string id) => InProcessNode.Registration(_network, _admin, ++_nonce, "fork-hospital", id);

    private void Submit(string name, Transaction tx) => InProcessNode.Submit(Node(name), tx);

    private LedgerNode Node(string name) => _running[name].Services.GetRequiredService<LedgerNode>();

    private async Task StartAsync(string name)
    {
        _running[name] = await InProcessNode.StartAsync(Folder(name), Ct);
    }

    private async Task StopAsync(string name)
    {
        var app = _running[name];
        _running.Remove(name);
        await InProcessNode.StopAsync(app, Ct);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }

    private static Task WaitAsync(string what, Func<bool> condition) => InProcessNode.WaitAsync(what, condition, Ct);
}
