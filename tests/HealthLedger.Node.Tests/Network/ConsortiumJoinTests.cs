using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// A newcomer organisation joins a running network the way an operator does it: its folder and join request from
/// <see cref="JoinRequestMaker"/> (<c>consortium request</c>), <c>join</c> waiting for admission while its peer address
/// answers, the founder's admin proposing it through the API (the address probe passes), then the newcomer's node syncing
/// from the peer, learning its id, and voting: with two validators nothing commits without it.
/// </summary>
public sealed class ConsortiumJoinTests : InProcessNodes
{
    [Fact]
    public async Task A_newcomer_organisation_made_by_a_join_request_is_admitted_and_its_node_syncs_and_votes()
    {
        var layout = new ClusterLayout(1, Ports.FreeClusterBlock());
        NetworkInitializer.Init(Dir.Combine("general"), "General Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        var founder = await StartAsync(Dir.Combine("general", ClusterLayout.FolderOf(1)));
        var lab = Dir.Combine("city-lab");
        var peer = new Uri($"http://127.0.0.1:{Ports.Free()}");
        var made = JoinRequestMaker.Make(lab, "City Lab", "laboratory", peer.ToString().TrimEnd('/'), contact: "lab@city.example",
            adminPassword: NodeFixture.ChosenPassword, argon: Argon2Parameters.TestOnly);

        // join waits for admission (the founder's peer refuses the unknown key), answering at the newcomer's peer address.
        var joining = NodeJoiner.JoinAsync(lab, null, layout.PeerAddress(1), null, "http://127.0.0.1:0", Ct, waitForAdmission: TimeSpan.FromMinutes(2));
        await InProcessNode.WaitAsync("the joining node answers at its peer address", () => joining.IsCompleted || Answers(peer), Ct);
        Assert.False(joining.IsCompleted);

        using var admin = await LoginAsync(founder, "admin", NodeFixture.Password);
        using (var response = await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "add-organisation", request = made.Request }, Ct))
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal("executed", (await response.Content.ReadFromJsonAsync<ProposalResponse>(Ct))!.Status);
        }
        var joined = await joining.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.Null(joined.NodeId);

        // The newcomer's node starts before block sync names it (its organisation comes from its join request), syncs, and votes.
        var newcomer = await StartAsync(lab);
        await InProcessNode.WaitAsync("the newcomer's node syncs and learns its id",
            () => Node(newcomer).NodeId == made.Request.Node!.Id && Node(newcomer).Tip.Height >= Node(founder).Tip.Height, Ct);
        Assert.False(File.Exists(Path.Combine(lab, LedgerNode.JoiningMarker)));
        Assert.Equal("city-lab", newcomer.Services.GetRequiredService<OrganisationKeys>().Id);

        // Two validators: a registration at the founder's node commits only with the newcomer's vote.
        using (var doctor = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-two", name = "Two Orgs", specialty = "Medicine", department = "Ward", licenceNumber = "L2" }, Ct))
        {
            Assert.True(doctor.IsSuccessStatusCode, await doctor.Content.ReadAsStringAsync(Ct));
        }
        await InProcessNode.WaitAsync("both nodes hold the same state", () => Node(newcomer).Tip.Height == Node(founder).Tip.Height && Node(newcomer).StateRoot == Node(founder).StateRoot, Ct);

        // The newcomer's admin logs in at their own node and sees both members.
        using var labAdmin = await LoginAsync(newcomer, made.AdminUser, NodeFixture.ChosenPassword);
        var consortium = (await labAdmin.GetFromJsonAsync<ConsortiumResponse>("/api/v1/consortium", Ct))!;
        Assert.Equal(["city-lab", "general-hospital"], consortium.Organisations.Select(o => o.Id).Order(StringComparer.Ordinal));
        Assert.All(consortium.Organisations.SelectMany(o => o.Nodes), n => Assert.True(n.Validator));
    }



    // True when something accepts a TCP connection at the address (the proposal's probe needs the joining node listening).
    private static bool Answers(Uri address)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(address.Host, address.Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static Task<HttpClient> LoginAsync(WebApplication app, string user, string password) => InProcessNode.LoginAsync(app, user, password, Ct);
}
