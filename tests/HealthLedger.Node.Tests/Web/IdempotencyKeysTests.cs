using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Tests.Accounts;
using HealthLedger.Node.Tests.Encounters;
using HealthLedger.Node.Web;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Web;

/// <summary>Issue 12, item 5: duplicates of one submission are not booked twice (<c>Idempotency-Key</c> on every POST).</summary>
public class IdempotencyKeysTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.Add(IdempotencyKeys.Header, key);
        return await client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task The_same_key_and_body_answer_the_first_answer_again_and_book_once()
    {
        var (node, admin, id) = await PaymentRulesTests.SetUpAsync();
        await using var _ = node;
        var path = $"/api/v1/patients/{id}/account/payments";
        var body = new { occurredAt = "2026-01-06T09:00", amount = 100, method = "cash" };
        var height = await EncounterRulesTests.HeightAsync(admin);
        var first = await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, path, body, "pay-1"));
        using (var again = await PostAsync(admin, path, body, "pay-1"))
        {
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues(IdempotencyKeys.ReplayedHeader).Single());
            Assert.Equal(first.Id, (await again.Content.ReadFromJsonAsync<EntryResponse>(Ct))!.Id);
            Assert.NotNull(again.Headers.Location);
        }
        Assert.Equal(height + 1, await EncounterRulesTests.HeightAsync(admin));
        Assert.Equal(1250m, (await admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{id}/account", Ct))!.Balance);

        // The same key with another body is 422; nothing is written.
        var message = await EncounterRulesTests.Refused(await PostAsync(admin, path, body with { amount = 200 }, "pay-1"), HttpStatusCode.UnprocessableEntity, IdempotencyKeys.Header);
        Assert.Contains("another request", message);
        Assert.Equal(height + 1, await EncounterRulesTests.HeightAsync(admin));
        // A refusal is kept too: its replay is the same problem, and the retry does not book anything.
        var refused = new { occurredAt = "2026-01-06T09:00", amount = 99_999, method = "cash" };
        await EncounterRulesTests.Refused(await PostAsync(admin, path, refused, "pay-2"), HttpStatusCode.Conflict, "amount");
        await EncounterRulesTests.Refused(await PostAsync(admin, path, refused, "pay-2"), HttpStatusCode.Conflict, "amount");
        // Without a key, or with a new one, each POST is its own.
        await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, path, body, null));
        await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, path, body, "pay-3"));
        Assert.Equal(1050m, (await admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{id}/account", Ct))!.Balance);
    }

    // Break-it (2026-12-07): the answers are kept in the node's memory only, so a retry after the node restarted (it died
    // after committing, before answering: the case retries are for) was a new request and booked the payment twice. The ledger
    // now records the request (RequestMarker): the retry is answered 200 "Already carried out", naming the transaction, and
    // writes nothing.
    [Fact]
    public async Task A_retry_after_the_node_restarted_writes_nothing_and_names_the_transaction_that_carried_it_out()
    {
        using var folder = new TempDirectory();
        string id, transaction;
        var body = new { occurredAt = "2026-01-06T09:00", amount = 100, method = "cash" };
        ulong height;
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            id = (await EncounterRulesTests.Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients",
                new { mrn = "MRN-1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female" }, Ct))).Id;
            await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/account/charges",
                new { occurredAt = "2026-01-05T11:00", service = "Ward day", quantity = 3, unitPrice = 450 }, Ct));
            transaction = (await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, $"/api/v1/patients/{id}/account/payments", body, "pay-restart"))).Proof.TransactionId;
            height = await EncounterRulesTests.HeightAsync(admin);
        }
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            using var again = await PostAsync(admin, $"/api/v1/patients/{id}/account/payments", body, "pay-restart");
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues(IdempotencyKeys.ReplayedHeader).Single());
            Assert.Equal($"/api/v1/transactions/{transaction}", again.Headers.Location!.OriginalString);
            var said = await again.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct);
            Assert.Equal("Already carried out", said.GetProperty("title").GetString());
            Assert.Equal(transaction, said.GetProperty("transactionId").GetString());
            Assert.Contains("nothing was done again", said.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(1, said.GetProperty("transactions").GetInt32());
            Assert.Equal(height, await EncounterRulesTests.HeightAsync(admin));
            Assert.Equal(1250m, (await admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{id}/account", Ct))!.Balance);

            // A new key is a new request.
            await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, $"/api/v1/patients/{id}/account/payments", body, "pay-restart-2"));
            Assert.Equal(1150m, (await admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{id}/account", Ct))!.Balance);

            // The retry runs as a new request up to its first write, where it is stopped. A key names one request of its user,
            // whatever the path: under /fhir the answer is an OperationOutcome of one information issue, and nothing is written.
            var condition = new Hl7.Fhir.Model.Condition
            {
                Subject = new Hl7.Fhir.Model.ResourceReference($"Patient/{id}"),
                Code = new Hl7.Fhir.Model.CodeableConcept { Text = "Gout" },
                ClinicalStatus = new Hl7.Fhir.Model.CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            };
            var versionBefore = await PatientVersionAsync(admin, id);
            using var fhir = new HttpRequestMessage(HttpMethod.Post, "/fhir/R4/Condition") { Content = Fhir.FhirAsserts.Body(condition) };
            fhir.Headers.Add(IdempotencyKeys.Header, "pay-restart");
            using var fhirAgain = await admin.SendAsync(fhir, Ct);
            Assert.Equal("true", fhirAgain.Headers.GetValues(IdempotencyKeys.ReplayedHeader).Single());
            var outcome = await Fhir.FhirAsserts.Fhir<Hl7.Fhir.Model.OperationOutcome>(fhirAgain, HttpStatusCode.OK);
            var issue = Assert.Single(outcome.Issue);
            Assert.Equal(Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Information, issue.Severity);
            Assert.Contains(transaction, issue.Diagnostics, StringComparison.Ordinal);
            Assert.Equal(versionBefore, await PatientVersionAsync(admin, id)); // no condition added
            // That answer is not kept, so this node runs the key again. Break-it (2026-12-07): a search, which signs nothing,
            // under a key the ledger records was answered "Already carried out" with no results; it searches (and its answer,
            // a read's, is not kept either).
            using (var search = new HttpRequestMessage(HttpMethod.Post, "/fhir/R4/Patient/_search") { Content = new FormUrlEncodedContent([new("identifier", "MRN-1")]) })
            {
                search.Headers.Add(IdempotencyKeys.Header, "pay-restart");
                using var found = await admin.SendAsync(search, Ct);
                var bundle = await Fhir.FhirAsserts.Fhir<Hl7.Fhir.Model.Bundle>(found, HttpStatusCode.OK);
                Assert.Equal(id, Assert.Single(bundle.Entry).Resource!.Id);
            }
            // A request the endpoint refuses under a key the ledger records for this user is answered for the request the key
            // names (a retry's refusal often comes from the first run's own effect: "already registered"); a new key gets the
            // refusal itself.
            foreach (var (key, status) in new[] { ("pay-restart", HttpStatusCode.OK), ("never-used", HttpStatusCode.BadRequest) })
            {
                using var invalid = new HttpRequestMessage(HttpMethod.Post, "/fhir/R4/Condition") { Content = new StringContent("{\"resourceType\":\"Condition\"}", System.Text.Encoding.UTF8, "application/fhir+json") };
                invalid.Headers.Add(IdempotencyKeys.Header, key);
                using var refused = await admin.SendAsync(invalid, Ct);
                Assert.Equal(status, refused.StatusCode);
            }
        }
    }

    // Break-it (2026-12-07): a keyed request answered 204 (on-call, a revocation) made the middleware write its empty body to a
    // 204, which throws after the answer is sent: the server logged a failure and dropped the connection, first answer and
    // replay alike. Both now leave the connection open: two keyed PUTs and a GET on one socket.
    [Fact]
    public async Task A_keyed_204_and_its_replay_keep_the_connection_open()
    {
        var (node, admin, _) = await PaymentRulesTests.SetUpAsync();
        await using var __ = node;
        await EncounterRulesTests.Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", EncounterRulesTests.DoctorOne, Ct));
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(node.Http.BaseAddress!.Host, node.Http.BaseAddress.Port, Ct);
        var stream = socket.GetStream();
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        var body = "{\"onCall\":false}";
        string Request(string method, string path, string? key) =>
            $"{method} {path} HTTP/1.1\r\nHost: {node.Http.BaseAddress.Authority}\r\nAuthorization: Bearer {admin.DefaultRequestHeaders.Authorization!.Parameter}\r\n" +
            (key is null ? "" : $"Idempotency-Key: {key}\r\n") +
            (method == "GET" ? "\r\n" : $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        foreach (var (method, path, key, status) in new[]
        {
            ("PUT", "/api/v1/doctors/dr-one/on-call", "on-call-1", "204"),
            ("PUT", "/api/v1/doctors/dr-one/on-call", "on-call-1", "204"), // the replay
            ("GET", "/healthz", null, "200"),
        })
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(Request(method, path, key)), Ct);
            var statusLine = await reader.ReadLineAsync(Ct);
            Assert.StartsWith($"HTTP/1.1 {status}", statusLine);
            var length = 0;
            for (var line = await reader.ReadLineAsync(Ct); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(Ct))
            {
                Assert.NotEqual("connection: close", line.ToLowerInvariant());
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
            var rest = new char[length];
            for (var read = 0; read < length;) read += await reader.ReadAsync(rest.AsMemory(read), Ct);
        }
    }

    private static async Task<string?> PatientVersionAsync(HttpClient client, string id) =>
        (await Fhir.FhirAsserts.Fhir<Hl7.Fhir.Model.Patient>(await client.GetAsync($"/fhir/R4/Patient/{id}", Ct), HttpStatusCode.OK)).Meta?.VersionId;

    [Fact]
    public async Task Keys_are_per_user_and_bad_keys_are_400()
    {
        var (node, admin, id) = await PaymentRulesTests.SetUpAsync();
        await using var _ = node;
        var doctor = await EncounterRulesTests.Created<WriteResponse>(await PostAsync(admin, "/api/v1/doctors", EncounterRulesTests.DoctorOne, "k-1"));
        await EncounterRulesTests.Created<EntryResponse>(await PostAsync(admin, $"/api/v1/patients/{id}/entries",
            new { type = "admission", occurredAt = "2026-01-05T10:00", doctorId = "dr-one", ward = "W1", bed = "1", reason = "Pain" }, "k-2"));
        var doctorClient = await node.FirstLoginAsync("dr-one", doctor.OneTimePassword!);
        // The doctor's "k-1" is not the admin's "k-1".
        await EncounterRulesTests.Created<EntryResponse>(await PostAsync(doctorClient, $"/api/v1/patients/{id}/entries",
            new { type = "visit", occurredAt = "2026-01-05T11:00", doctorId = "dr-one", notes = "Seen." }, "k-1"));
        await EncounterRulesTests.Refused(await PostAsync(admin, $"/api/v1/patients/{id}/account/payments",
            new { occurredAt = "2026-01-06T09:00", amount = 1, method = "cash" }, new string('x', 300)), HttpStatusCode.BadRequest, IdempotencyKeys.Header);
    }
}
