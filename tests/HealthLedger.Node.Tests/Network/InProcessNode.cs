using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Node.Security;
using HealthLedger.Storage;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Tests.Network;

/// <summary>Real nodes in the test process (gRPC over loopback), with short timeouts: started, stopped and waited on.</summary>
internal static class InProcessNode
{
    /// <summary>
    /// Builds and starts the node of <paramref name="folder"/> on a free web port (with <paramref name="clock"/>, or the
    /// system's; its options changed by <paramref name="configure"/> when given).
    /// </summary>
    public static async Task<WebApplication> StartAsync(string folder, CancellationToken ct, TimeProvider? clock = null, Func<NodeOptions, NodeOptions>? configure = null)
    {
        var app = Build(folder, clock, configure);
        await app.StartAsync(ct);
        return app;
    }

    /// <summary>The node of <paramref name="folder"/>, built but not started (for a test that watches it stop while it starts).</summary>
    public static WebApplication Build(string folder, TimeProvider? clock = null, Func<NodeOptions, NodeOptions>? configure = null)
    {
        var options = new NodeOptions
        {
            DataDirectory = folder,
            BatchDelay = TimeSpan.FromMilliseconds(5),
            PasswordHashing = Argon2Parameters.TestOnly,
            ConsensusTimeouts = new Consensus.EngineTimeouts(300, 100),
        };
        return NodeHost.Build(configure?.Invoke(options) ?? options, "http://127.0.0.1:0", logging => logging.SetMinimumLevel(LogLevel.Warning), clock);
    }

    /// <summary>A client of <paramref name="app"/>'s API with a bearer token from <c>POST /api/v1/auth/token</c>.</summary>
    public static async Task<HttpClient> LoginAsync(WebApplication app, string user, string password, CancellationToken ct)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var anonymous = new HttpClient { BaseAddress = new Uri(address) };
        using var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(ct));
        var token = (await response.Content.ReadFromJsonAsync<TokenResponse>(ct))!;
        var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.AccessToken);
        return client;
    }

    /// <summary>Stops a node and releases its SQLite files.</summary>
    public static async Task StopAsync(WebApplication app, CancellationToken ct)
    {
        await app.StopAsync(ct);
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>Polls <paramref name="condition"/> (nodes' state, from outside their loops) for up to a minute.</summary>
    public static async Task WaitAsync(string what, Func<bool> condition, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (timeout.IsCancellationRequested) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>A patient login registered by <paramref name="admin"/> with nonce <paramref name="nonce"/>: a small transaction that changes the state.</summary>
    public static Transaction Registration(string network, UserKeys admin, ulong nonce, string organisationId, string id)
    {
        using var keys = TestNetwork.KeysFor(id);
        return Transaction.Create(network, admin.Signing, nonce, new RegisterUserPayload(id, Role.Patient, organisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey));
    }

    /// <summary>Submits <paramref name="tx"/> at <paramref name="node"/>'s door and asserts it was accepted.</summary>
    public static void Submit(LedgerNode node, Transaction tx)
    {
        var result = node.Submit(tx.Encoded.Span);
        Assert.True(result.Result.IsOk, result.Result.ToString());
    }

    /// <summary>
    /// Waits up to a minute until every node of <paramref name="apps"/> committed <paramref name="id"/> and returns their
    /// commits; on a timeout the failure names the nodes that had not and every node's tip, round, step and peers.
    /// </summary>
    public static async Task<IReadOnlyList<CommittedTransaction>> WaitForCommitAsync(IReadOnlyCollection<WebApplication> apps, Hash256 id, CancellationToken ct)
    {
        var waits = apps.Select(app => app.Services.GetRequiredService<LedgerNode>().WaitForCommitAsync(id, ct)).ToList();
        try
        {
            return await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(60), ct);
        }
        catch (TimeoutException)
        {
            var missing = apps.Zip(waits).Where(p => !p.Second.IsCompletedSuccessfully).Select(p => Describe(p.First));
            throw new TimeoutException($"Transaction {id} not committed in 60 s by: {string.Join(", ", missing)}. All nodes: {string.Join(" | ", apps.Select(Describe))}");
        }
    }

    /// <summary>One line on a node's state for a failure message: id, tip, consensus height/round/step/leader/votes, mempool, peers.</summary>
    public static string Describe(WebApplication app)
    {
        var node = app.Services.GetRequiredService<LedgerNode>();
        var status = app.Services.GetService<ConsensusHost>()?.Status;
        var links = app.Services.GetService<PeerNetwork>()?.Links ?? [];
        var peers = string.Join(",", links.Select(l => $"{l.Node.Id}:{(l.Connected ? "up" : "down")}@{l.Height}"));
        return $"{node.NodeId} tip {node.Tip.Height} consensus {status?.Height}/{status?.Round}/{status?.Step} leader {status?.Leader} "
            + $"prevotes {status?.Prevotes} precommits {status?.Precommits} validators {node.Validators.Count} mempool {node.Mempool.Count} peers [{peers}]";
    }
}
