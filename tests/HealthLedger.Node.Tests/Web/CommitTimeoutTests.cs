using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Web;

/// <summary>A write the ledger took but did not commit within the commit timeout: 202 with its transaction, not an error.</summary>
public class CommitTimeoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Break-it (2026-12-04): such a write was answered 409 "Not done" — a client error saying the request conflicts and was not
    // done, though it may still commit — with no transaction to look up, and its Idempotency-Key replayed that 409. It is now
    // 202 Accepted "Accepted, not yet committed" with the transaction's id and status address (the status says pending), the
    // key replays the same 202 rather than writing twice, and FHIR answers 202 with an OperationOutcome warning.
    [Fact]
    public async Task A_write_not_committed_in_time_is_202_naming_its_pending_transaction_and_its_key_replays_it_in_the_API_and_FHIR()
    {
        // A node that proposes no block for an hour: nothing commits. The writes' wait is shortened to 2 s.
        await using var node = await NodeFixture.StartAsync(configure: o => o with { BatchDelay = TimeSpan.FromHours(1), CommitTimeout = TimeSpan.FromSeconds(2) });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);

        var doctor = new { doctorId = "dr-late", name = "Lena Late", specialty = "Cardiology", department = "Heart", licenceNumber = "L1" };
        string transactionId;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/doctors") { Content = JsonContent.Create(doctor) })
        {
            request.Headers.Add(IdempotencyKeys.Header, "late-1");
            using var response = await admin.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(ApiResults.PendingTitle, problem.RootElement.GetProperty("title").GetString());
            Assert.Equal(202, problem.RootElement.GetProperty("status").GetInt32());
            transactionId = problem.RootElement.GetProperty("transactionId").GetString()!;
            Assert.Matches("^[0-9a-f]{64}$", transactionId);
            Assert.Equal($"/api/v1/transactions/{transactionId}", problem.RootElement.GetProperty("transaction").GetString());
            Assert.Equal($"/api/v1/transactions/{transactionId}", response.Headers.Location?.OriginalString);
            Assert.Contains("within 2 s; it may still commit", problem.RootElement.GetProperty("detail").GetString());
        }
        using (var status = await admin.GetAsync($"/api/v1/transactions/{transactionId}", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Equal("pending", (await status.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        }
        // The same key and body: the same answer, replayed, and no second transaction.
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/doctors") { Content = JsonContent.Create(doctor) })
        {
            request.Headers.Add(IdempotencyKeys.Header, "late-1");
            using var again = await admin.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues(IdempotencyKeys.ReplayedHeader).Single());
            Assert.Equal($"/api/v1/transactions/{transactionId}", again.Headers.Location?.OriginalString);
            Assert.Contains(transactionId, await again.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        Assert.Equal(1, node.App.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().Mempool.Count);

        // FHIR: the same as an OperationOutcome whose issue is a warning naming the transaction.
        using var patient = new StringContent("""{"resourceType":"Patient","identifier":[{"value":"MRN-SLOW"}],"name":[{"family":"Slow"}],"gender":"female","birthDate":"1990-01-01"}""",
            Encoding.UTF8, "application/fhir+json");
        using var fhir = await admin.PostAsync("/fhir/R4/Patient", patient, Ct);
        var outcome = await fhir.Content.ReadAsStringAsync(Ct);
        Assert.True(fhir.StatusCode == HttpStatusCode.Accepted, $"{(int)fhir.StatusCode}: {outcome}");
        using var issues = JsonDocument.Parse(outcome);
        Assert.Equal("OperationOutcome", issues.RootElement.GetProperty("resourceType").GetString());
        var issue = issues.RootElement.GetProperty("issue")[0];
        Assert.Equal("warning", issue.GetProperty("severity").GetString());
        Assert.Equal("incomplete", issue.GetProperty("code").GetString());
        Assert.Contains("it may still commit", issue.GetProperty("diagnostics").GetString());
        Assert.Matches("^/api/v1/transactions/[0-9a-f]{64}$", fhir.Headers.Location?.OriginalString);
    }

    // Break-it (2026-12-07): a registration the ledger took but did not commit in time had its login forgotten (as for a refusal),
    // so once it committed the user existed on the chain with no keys anywhere: no sign-in, and no password reset (no escrow).
    // Now the login is kept and the 202 carries the one-time password, which works once the registration commits; a second
    // registration of the same id meanwhile is refused (it would have replaced the first one's keys).
    [Fact]
    public async Task A_registration_not_committed_in_time_keeps_its_login_and_its_one_time_password_works_once_it_commits()
    {
        // Blocks 4 s after a write arrives; writes wait 1 s for theirs.
        await using var node = await NodeFixture.StartAsync(configure: o => o with { BatchDelay = TimeSpan.FromSeconds(4), CommitTimeout = TimeSpan.FromSeconds(1) });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = new { doctorId = "dr-slow", name = "Sam Slow", specialty = "Cardiology", department = "Heart", licenceNumber = "S1" };
        string transactionId, oneTime;
        using (var response = await admin.PostAsJsonAsync("/api/v1/doctors", doctor, Ct))
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            using var problem = JsonDocument.Parse(body);
            transactionId = problem.RootElement.GetProperty("transactionId").GetString()!;
            oneTime = problem.RootElement.GetProperty("oneTimePassword").GetString()!;
            Assert.Contains("The login is kept", problem.RootElement.GetProperty("detail").GetString());
        }
        using (var again = await admin.PostAsJsonAsync("/api/v1/doctors", doctor, Ct))
        {
            var body = await again.Content.ReadAsStringAsync(Ct);
            Assert.True(again.StatusCode == HttpStatusCode.Conflict, $"{(int)again.StatusCode}: {body}");
            Assert.Contains("still waiting for the ledger", body, StringComparison.Ordinal);
        }
        var ledger = node.App.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>();
        await Network.InProcessNode.WaitAsync("the registration committed", () => ledger.Store.FindTransaction(Core.Primitives.Hash256.Parse(transactionId)) is not null, Ct);
        // The one-time password of the 202 signs the doctor in (and is replaced at once, as at any first login).
        var signedIn = await node.FirstLoginAsync("dr-slow", oneTime);
        using var own = await signedIn.GetAsync("/api/v1/doctors/dr-slow", Ct);
        Assert.True(own.IsSuccessStatusCode, await own.Content.ReadAsStringAsync(Ct));
    }
}
