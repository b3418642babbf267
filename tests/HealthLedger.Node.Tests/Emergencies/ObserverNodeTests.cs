using System.Net.Http.Json;
using Grpc.Core;
using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Node.Network.Grpc;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.ApiResponses;

namespace HealthLedger.Node.Tests.Emergencies;

/// <summary>
/// A rescue service admitted with a declaration whose <c>newRescuerNodesVote</c> is false: its node joins, syncs and serves
/// its users (a write made there commits through the validators) while the validator set stays General Hospital's node
/// alone; the members serve its block sync and status calls but refuse its consensus messages (<c>Deliver</c>).
/// </summary>
public sealed class ObserverNodeTests : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TempDirectory _dir = new();
    private readonly List<WebApplication> _running = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _running) await InProcessNode.StopAsync(app, CancellationToken.None);
        _dir.Dispose();
    }

    [Fact]
    public async Task An_observer_admitted_with_a_declaration_syncs_and_serves_but_never_votes()
    {
        var layout = new ClusterLayout(1, Ports.FreeClusterBlock());
        NetworkInitializer.Init(_dir.Combine("general"), "General Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        var general = await StartAsync(_dir.Combine("general", ClusterLayout.FolderOf(1)));
        using var admin = await InProcessNode.LoginAsync(general, "admin", NodeFixture.Password, Ct);

        var redCrossFolder = _dir.Combine("red-cross");
        var made = JoinRequestMaker.Make(redCrossFolder, "Red Cross", "rescuer", $"http://127.0.0.1:{Ports.Free()}", contact: "ops@redcross.example",
            adminPassword: NodeFixture.ChosenPassword, argon: Argon2Parameters.TestOnly);
        var joining = NodeJoiner.JoinAsync(redCrossFolder, null, layout.PeerAddress(1), null, "http://127.0.0.1:0", Ct, waitForAdmission: TimeSpan.FromMinutes(2));
        var proposal = await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/emergencies", new
        {
            id = "flood",
            title = "Flood",
            scope = new[] { "general-hospital" },
            newRescuers = new[] { made.Request },
            newRescuerNodesVote = false,
            endsAt = DateTimeOffset.UtcNow.AddHours(6),
        }, Ct));
        Assert.Equal("executed", proposal.Status);
        await joining.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var redCross = await StartAsync(redCrossFolder);
        var observerId = made.Request.Node!.Id!;
        await InProcessNode.WaitAsync("Red Cross's node syncs", () => Node(redCross).NodeId == observerId && Node(redCross).Tip.Height >= Node(general).Tip.Height, Ct);

        // Both nodes agree: one validator (General's), and Red Cross's node an observer.
        foreach (var app in new[] { general, redCross })
        {
            Assert.Equal(["general-hospital-node-1"], Node(app).Validators.Select(v => v.Id));
            Assert.Equal([observerId], Node(app).Observers.Select(o => o.Id));
        }
        Assert.True(Node(redCross).IsObserver);
        Assert.False(Node(general).IsObserver);
        var member = (await admin.GetFromJsonAsync<ConsortiumResponse>("/api/v1/consortium", Ct))!.Organisations.Single(o => o.Id == "red-cross");
        Assert.False(member.Nodes.Single().Validator);

        // It serves its users: Red Cross's admin registers a medic there; the transaction commits through General's node and back.
        using var redCrossAdmin = await InProcessNode.LoginAsync(redCross, made.AdminUser, NodeFixture.ChosenPassword, Ct);
        var rescuer = await Read<RescuerResponse>(await redCrossAdmin.PostAsJsonAsync("/api/v1/emergencies/rescuers", new { userId = "medic-7" }, Ct));
        Assert.Equal("red-cross", rescuer.OrganisationId);
        await InProcessNode.WaitAsync("General's node has the medic", () => Node(general).GetState("user/medic-7") is not null, Ct);

        // Admitted with a declaration, Red Cross is a rescue service, not a full member: its admin registers no doctor and takes
        // no part in governance (403, nothing written).
        var noDoctor = await Problem(await redCrossAdmin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-red", name = "R R", specialty = "Emergency", department = "Field", licenceNumber = "L-1" }, Ct), System.Net.HttpStatusCode.Forbidden);
        Assert.Contains("rescue service admitted with emergency 'flood'", noDoctor.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(Node(general).GetState("user/dr-red"));
        var noVote = await Problem(await redCrossAdmin.PostAsJsonAsync("/api/v1/consortium/proposals/any/votes", new { decision = "approve" }, Ct), System.Net.HttpStatusCode.Forbidden);
        Assert.Contains("takes no part in governance", noVote.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // It sees the accesses of the emergency that admitted it.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await redCrossAdmin.GetAsync("/api/v1/emergencies/flood/accesses", Ct)).StatusCode);

        // Signed with the observer's node key, General's peer endpoint serves status and blocks but refuses consensus messages.
        using var observerKey = SigningKeyPair.FromSeed(DataDirectory.ReadSecret(new DataDirectory(redCrossFolder).NodeKeyPath, 32));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(layout.PeerAddress(1));
        var client = new Peer.PeerClient(channel);
        var network = Node(general).Network.NetworkId;
        Metadata Signed(string method) => PeerCallAuth.Sign(null, network, "/healthledger.peer.v1.Peer/" + method, observerKey, DateTimeOffset.UtcNow);
        var status = await client.StatusAsync(new StatusRequest { NetworkId = network }, Signed("Status"), cancellationToken: Ct);
        Assert.True(status.Height >= 1);
        var blocks = await client.GetBlocksAsync(new BlocksRequest { NetworkId = network, From = 1, Max = 2 }, Signed("GetBlocks"), cancellationToken: Ct);
        Assert.NotEmpty(blocks.Blocks);
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.DeliverAsync(new ConsensusBatch { NetworkId = network }, Signed("Deliver"), cancellationToken: Ct));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("non-voting observer", refused.Status.Detail, StringComparison.Ordinal);
    }

    private async Task<WebApplication> StartAsync(string folder)
    {
        var app = await InProcessNode.StartAsync(folder, Ct);
        _running.Add(app);
        return app;
    }

    private static LedgerNode Node(WebApplication app) => app.Services.GetRequiredService<LedgerNode>();
}
