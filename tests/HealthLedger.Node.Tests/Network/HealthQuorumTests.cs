using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Network;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// /healthz says when a node reaches fewer validators than a quorum. Break-it (2026-12-07, evening): with two of four
/// validators down and nothing to write, it answered 200 "ok" — its own peer list said they were unreachable — and said
/// "stalled" only once a write had waited 30 s, with no word of why.
/// </summary>
public sealed class HealthQuorumTests : InProcessNodes
{
    [Fact]
    public async Task A_node_reaching_fewer_validators_than_a_quorum_says_so_and_whom_it_reaches_and_ok_once_they_are_back()
    {
        var layout = new ClusterLayout(2, Ports.FreeClusterBlock());
        NetworkInitializer.Init(Dir.Path, "Quorum Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        var app1 = await StartAsync(Dir.Combine(ClusterLayout.FolderOf(1)));
        var node1 = Node(app1).NodeId;
        using var http = new HttpClient { BaseAddress = new Uri(app1.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        var alone = (await http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!;
        Assert.Equal("noQuorum", alone.Status);
        Assert.Equal($"1 of 2 validators reachable from this node ({node1}); 2 are needed to commit a block: writes are answered 202 and wait until enough of them are back.",
            alone.Detail);
        Assert.Null(alone.StalledSince);

        await StartAsync(Dir.Combine(ClusterLayout.FolderOf(2)));
        var link = Assert.Single(app1.Services.GetRequiredService<PeerNetwork>().Links);
        await InProcessNode.WaitAsync("node 1 reached node 2", () => link.Connected, Ct);
        var together = (await http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!;
        Assert.Equal(("ok", (string?)null), (together.Status, together.Detail));
    }
}
