using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// An <c>Idempotency-Key</c> retried at another node of the organisation writes nothing twice: the ledger records the request
/// (<see cref="Core.Transactions.RequestMarker"/>), so the node that never saw it answers "Already carried out", and a run that
/// raced an earlier one to the chain is refused at commit.
/// </summary>
public sealed class IdempotencyAcrossNodesTests : InProcessNodes
{
    private Task<WebApplication> StartAsync(int node) =>
        StartAsync(Dir.Combine(ClusterLayout.FolderOf(node)), configure: o => o with { CommitTimeout = TimeSpan.FromSeconds(3) });

    private static async Task<HttpResponseMessage> PayAsync(HttpClient client, string patientId, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/patients/{patientId}/account/payments")
        {
            Content = JsonContent.Create(new { occurredAt = "2026-01-06T09:00", amount = 100, method = "cash" }),
        };
        request.Headers.Add(IdempotencyKeys.Header, key);
        return await client.SendAsync(request, Ct);
    }

    private static async Task<decimal> BalanceAsync(HttpClient client, string patientId) =>
        (await client.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{patientId}/account", Ct))!.Balance;

    private Task SettledAsync(WebApplication a, WebApplication b) => InProcessNode.WaitAsync("both nodes at one tip with nothing waiting",
        () => Node(a).Tip.Height == Node(b).Tip.Height && Node(a).Mempool.Count == 0 && Node(b).Mempool.Count == 0, Ct);

    // Break-it (2026-12-07): the first answer to a key is kept in the memory of the node that gave it, so the same payment sent
    // again to the organisation's other node (a client failing over, a balancer without affinity) was booked twice.
    [Fact]
    public async Task A_payment_retried_at_the_other_node_is_booked_once_whether_it_committed_before_or_races_the_retry()
    {
        var layout = new ClusterLayout(2, Ports.FreeClusterBlock());
        NetworkInitializer.Init(Dir.Path, "Twin Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        var node1 = await StartAsync(1);
        var node2 = await StartAsync(2);
        using var admin1 = await InProcessNode.LoginAsync(node1, "admin", NodeFixture.Password, Ct);
        using var admin2 = await InProcessNode.LoginAsync(node2, "admin", NodeFixture.Password, Ct);
        var patient = (await (await admin1.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female" }, Ct)).Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
        using (var charged = await admin1.PostAsJsonAsync($"/api/v1/patients/{patient}/account/charges",
            new { occurredAt = "2026-01-05T11:00", service = "Ward day", quantity = 3, unitPrice = 450 }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, charged.StatusCode);
        }

        // Committed at node 1, sent again to node 2: "Already carried out", naming node 1's transaction; booked once.
        using var first = await PayAsync(admin1, patient, "pay-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var transaction = (await first.Content.ReadFromJsonAsync<EntryResponse>(Ct))!.Proof.TransactionId;
        await SettledAsync(node1, node2);
        using (var again = await PayAsync(admin2, patient, "pay-1"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues(IdempotencyKeys.ReplayedHeader).Single());
            Assert.Equal(transaction, (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("transactionId").GetString());
        }
        await SettledAsync(node1, node2);
        Assert.Equal(1250m, await BalanceAsync(admin2, patient));

        // Break-it (2026-12-07, later): a registration retried at the other node was refused by the endpoint's own check of
        // what the first run wrote (400 "A patient with this MRN is already registered"), telling a client whose request had
        // succeeded that it failed; it is answered as carried out, naming the registration.
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/patients")
        {
            Content = JsonContent.Create(new { mrn = "MRN-2", fullName = "John Roe", dateOfBirth = "1979-03-01", gender = "male" }),
        })
        {
            request.Headers.Add(IdempotencyKeys.Header, "register-1");
            using var registered = await admin1.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
            var registration = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.TransactionId;
            await SettledAsync(node1, node2);
            using var retry = new HttpRequestMessage(HttpMethod.Post, "/api/v1/patients")
            {
                Content = JsonContent.Create(new { mrn = "MRN-2", fullName = "John Roe", dateOfBirth = "1979-03-01", gender = "male" }),
            };
            retry.Headers.Add(IdempotencyKeys.Header, "register-1");
            using var again = await admin2.SendAsync(retry, Ct);
            var said = await again.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(again.StatusCode == HttpStatusCode.OK, $"{(int)again.StatusCode}: {said}");
            Assert.Equal(registration, said.GetProperty("transactionId").GetString());
        }

        // Node 2 down: node 1's payment waits for a quorum (202). Node 2 back, the client retries there: whichever run reaches
        // the chain first books it, and the other is refused at commit; booked once.
        await InProcessNode.StopAsync(node2, Ct);
        Running.Remove(node2);
        using (var waiting = await PayAsync(admin1, patient, "pay-2"))
        {
            Assert.Equal(HttpStatusCode.Accepted, waiting.StatusCode);
        }
        node2 = await StartAsync(2);
        using var admin2Again = await InProcessNode.LoginAsync(node2, "admin", NodeFixture.Password, Ct);
        using (var retried = await PayAsync(admin2Again, patient, "pay-2"))
        {
            // 201 when the retry's run commits first, 200 when node 1's did; 202 when node 2, just back, has not committed the
            // retry's run within the (shortened) commit timeout: it then commits or is refused with the rest, below.
            Assert.True(retried.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted, $"{(int)retried.StatusCode}: {await retried.Content.ReadAsStringAsync(Ct)}");
        }
        await SettledAsync(node1, node2);
        Assert.Equal(1150m, await BalanceAsync(admin2Again, patient));
        Assert.Equal(1150m, await BalanceAsync(admin1, patient));
    }
}
