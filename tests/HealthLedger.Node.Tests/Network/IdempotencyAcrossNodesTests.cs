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

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add(IdempotencyKeys.Header, key);
        return await client.SendAsync(request, Ct);
    }

    private static Task<HttpResponseMessage> PayAsync(HttpClient client, string patientId, string key) =>
        SendAsync(client, $"/api/v1/patients/{patientId}/account/payments", new { occurredAt = "2026-01-06T09:00", amount = 100, method = "cash" }, key);

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

        // Break-it (2026-12-07, later): a FHIR batch retried at the other node answered each entry's refusal ("already
        // registered") inside its 200, and a refusal a node kept for a key was replayed after the same request had succeeded
        // at another node since. Both are answered "Already carried out".
        var batch = new Hl7.Fhir.Model.Bundle { Type = Hl7.Fhir.Model.Bundle.BundleType.Batch };
        batch.Entry.Add(new Hl7.Fhir.Model.Bundle.EntryComponent
        {
            Resource = new Hl7.Fhir.Model.Patient
            {
                Identifier = [new Hl7.Fhir.Model.Identifier("urn:mrn", "MRN-9")],
                Name = [new Hl7.Fhir.Model.HumanName { Text = "Nina New" }],
                Gender = Hl7.Fhir.Model.AdministrativeGender.Female,
                BirthDate = "1999-09-09",
            },
            Request = new Hl7.Fhir.Model.Bundle.RequestComponent { Method = Hl7.Fhir.Model.Bundle.HTTPVerb.POST, Url = "Patient" },
        });
        foreach (var (admin, replayed) in new[] { (admin1, false), (admin2, true) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/R4") { Content = Fhir.FhirAsserts.Body(batch) };
            request.Headers.Add(IdempotencyKeys.Header, "batch-1");
            using var answer = await admin.SendAsync(request, Ct);
            Assert.Equal(replayed, answer.Headers.Contains(IdempotencyKeys.ReplayedHeader));
            if (replayed) Assert.Equal(Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Information, (await Fhir.FhirAsserts.Fhir<Hl7.Fhir.Model.OperationOutcome>(answer, HttpStatusCode.OK)).Issue.Single().Severity);
            else Assert.Equal("201 Created", (await Fhir.FhirAsserts.Fhir<Hl7.Fhir.Model.Bundle>(answer, HttpStatusCode.OK)).Entry.Single().Response!.Status);
            await SettledAsync(node1, node2);
        }
        var overpayment = new { occurredAt = "2026-01-06T09:00", amount = 5000, method = "cash" };
        using (var refused = await SendAsync(admin1, $"/api/v1/patients/{patient}/account/payments", overpayment, "pay-late"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode); // more than is due: kept by node 1
        }
        using (var charged = await admin1.PostAsJsonAsync($"/api/v1/patients/{patient}/account/charges",
            new { occurredAt = "2026-01-05T12:00", service = "Theatre", quantity = 1, unitPrice = 5000 }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, charged.StatusCode);
        }
        await SettledAsync(node1, node2);
        using (var paid = await SendAsync(admin2, $"/api/v1/patients/{patient}/account/payments", overpayment, "pay-late"))
        {
            Assert.Equal(HttpStatusCode.Created, paid.StatusCode); // now due, at node 2
        }
        await SettledAsync(node1, node2);
        using (var late = await SendAsync(admin1, $"/api/v1/patients/{patient}/account/payments", overpayment, "pay-late"))
        {
            Assert.Equal(HttpStatusCode.OK, late.StatusCode); // not node 1's kept 409
            Assert.Equal("Already carried out", (await late.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString());
        }
        Assert.Equal(1250m, await BalanceAsync(admin1, patient));

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
