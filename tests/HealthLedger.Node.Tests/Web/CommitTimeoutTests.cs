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
        // /healthz says the node is stalled (200: reads are served), and since when; it said "ok" while writes waited.
        await Network.InProcessNode.WaitAsync("/healthz says stalled", () =>
            node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct).GetAwaiter().GetResult() is var h
            && h.GetProperty("status").GetString() == "stalled" && h.GetProperty("stalledSince").ValueKind == JsonValueKind.String, Ct);
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
        using (var early = await admin.GetAsync("/api/v1/doctors/dr-slow", Ct))
        {
            var body = await early.Content.ReadAsStringAsync(Ct);
            Assert.True(early.StatusCode == HttpStatusCode.NotFound, $"{(int)early.StatusCode}: {body}");
            Assert.Contains($"Doctor 'dr-slow' is not on the ledger yet: its registration (transaction {transactionId})", body, StringComparison.Ordinal);
        }
        var ledger = node.App.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>();
        await Network.InProcessNode.WaitAsync("the registration committed", () => ledger.Store.FindTransaction(Core.Primitives.Hash256.Parse(transactionId)) is not null, Ct);
        // The one-time password of the 202 signs the doctor in (and is replaced at once, as at any first login).
        var signedIn = await node.FirstLoginAsync("dr-slow", oneTime);
        using var own = await signedIn.GetAsync("/api/v1/doctors/dr-slow", Ct);
        Assert.True(own.IsSuccessStatusCode, await own.Content.ReadAsStringAsync(Ct));
    }

    // Break-it (2026-12-07, later): a patient registration answered 202 lost its area tag (the IndexPatient that carries it was
    // never sent), named no patient — whose id is the user name the one-time password goes with —, a second registration of
    // the same MRN meanwhile got a 202 of its own (refused at commit, its password never to work), the patient list showed no
    // area for anyone, and the web form came back as an error without the password.
    [Fact]
    public async Task A_patient_registration_not_committed_in_time_names_the_patient_holds_its_mrn_and_keeps_its_area()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { BatchDelay = TimeSpan.FromSeconds(4), CommitTimeout = TimeSpan.FromSeconds(1) });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        string id, transactionId;
        using (var response = await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-LATE", fullName = "Lara Late", dateOfBirth = "1980-01-02", gender = "female", area = "north-campus" }, Ct))
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            using var problem = JsonDocument.Parse(body);
            id = problem.RootElement.GetProperty("id").GetString()!;
            Assert.StartsWith("pt-", id, StringComparison.Ordinal);
            transactionId = problem.RootElement.GetProperty("transactionId").GetString()!;
            Assert.Equal(20, problem.RootElement.GetProperty("oneTimePassword").GetString()!.Length);
        }
        // Read (API, FHIR) or changed before it commits: 404 saying that it is not on the ledger yet and where its transaction's
        // status is (it said "does not exist", of a patient the same admin had just been given the id of).
        foreach (var (method, url) in new[] { ("GET", $"/api/v1/patients/{id}"), ("GET", $"/fhir/R4/Patient/{id}"), ("PUT", $"/api/v1/patients/{id}/area") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (method == "PUT") request.Content = JsonContent.Create(new { area = "south" });
            using var early = await admin.SendAsync(request, Ct);
            var body = await early.Content.ReadAsStringAsync(Ct);
            Assert.True(early.StatusCode == HttpStatusCode.NotFound, $"{method} {url}: {(int)early.StatusCode}: {body}");
            Assert.Contains($"'{id}' is not on the ledger yet: its registration (transaction {transactionId}) is waiting", body, StringComparison.Ordinal);
            Assert.Contains($"/api/v1/transactions/{transactionId}", body, StringComparison.Ordinal);
        }
        using (var twice = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-LATE", fullName = "Other Person", dateOfBirth = "1990-03-04", gender = "male" }, Ct))
        {
            var body = await twice.Content.ReadAsStringAsync(Ct);
            Assert.True(twice.StatusCode == HttpStatusCode.Conflict, $"{(int)twice.StatusCode}: {body}");
            using var problem = JsonDocument.Parse(body);
            Assert.Contains("still waiting for the ledger", problem.RootElement.GetProperty("errors").GetProperty("mrn")[0].GetString());
            // Which transaction it waits for, and where its status is (it said "look up its transaction" without naming it).
            Assert.Contains($"(transaction {transactionId}): GET /api/v1/transactions/{transactionId} says when it has committed", problem.RootElement.GetProperty("detail").GetString());
        }
        var ledger = node.App.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>();
        await Network.InProcessNode.WaitAsync("the registration committed", () => ledger.Store.FindTransaction(Core.Primitives.Hash256.Parse(transactionId)) is not null, Ct);
        await Network.InProcessNode.WaitAsync("its index and area committed after it", () => node.App.Services.GetRequiredService<HealthLedger.Node.Patients.PatientService>().AreaOf(id) == "north-campus", Ct);
        var one = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{id}", Ct);
        Assert.Equal("north-campus", one.GetProperty("area").GetString());
        var listed = await admin.GetFromJsonAsync<JsonElement>("/api/v1/patients?search=Lara", Ct);
        Assert.Equal("north-campus", Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("area").GetString());
        // The MRN is free again once settled: a second registration of it is the ledger's "already registered".
        using (var after = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-LATE", fullName = "Other Person", dateOfBirth = "1990-03-04", gender = "male" }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
            Assert.Contains("already registered", await after.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // The web form: the "waiting for the ledger" page (202) with the transaction, the user name and the password.
        var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var form = await browser.GetStringAsync("/patients/register", Ct);
        using var post = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(form),
            ["Input.Mrn"] = "MRN-WEB",
            ["Input.FullName"] = "Wendy Web",
            ["Input.DateOfBirth"] = "1985-05-06",
            ["Input.Gender"] = "female",
            ["Input.BloodGroup"] = "unknown",
        });
        using var page = await browser.PostAsync("/patients/register", post, Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.True(page.StatusCode == HttpStatusCode.Accepted, $"{(int)page.StatusCode}: {html}");
        Assert.Contains("Saved, waiting for the ledger", html, StringComparison.Ordinal);
        Assert.Matches("data-testid=\"new-user\">pt-[a-z0-9]+<", html);
        Assert.Matches("data-testid=\"otp\">[A-Za-z0-9]{20}<", html);
        Assert.Matches("data-testid=\"pending-transaction\">[0-9a-f]{64}<", html);
        Assert.DoesNotContain("form-error", html, StringComparison.Ordinal);
    }

    // Break-it (2026-12-07, evening): the one-time password of a registration answered 202 was "not correct" until it committed.
    // Its right password is now told that the registration is waiting; a wrong one is answered as any.
    [Fact]
    public async Task Signing_in_before_the_registration_commits_says_that_it_is_waiting_to_the_right_password_only()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { BatchDelay = TimeSpan.FromHours(1), CommitTimeout = TimeSpan.FromSeconds(1) });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        string oneTime;
        using (var response = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-wait", name = "Wim Wait", specialty = "Cardiology", department = "Heart", licenceNumber = "W1" }, Ct))
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            using var problem = JsonDocument.Parse(body);
            oneTime = problem.RootElement.GetProperty("oneTimePassword").GetString()!;
        }
        foreach (var (password, said) in new[] { (oneTime, HealthLedger.Node.Security.AccountService.RegistrationWaiting), ("not-the-password-1", "The user name or password is not correct.") })
        {
            using var token = await node.Http.PostAsJsonAsync("/api/v1/auth/token", new { username = "dr-wait", password }, Ct);
            var body = await token.Content.ReadAsStringAsync(Ct);
            Assert.True(token.StatusCode == HttpStatusCode.Unauthorized, $"{(int)token.StatusCode}: {body}");
            Assert.Contains(said, body, StringComparison.Ordinal);
        }
    }

    // Break-it (2026-12-07, later): a FHIR transaction whose first entry did not commit in time was answered 409 whose only issue
    // was a warning, and did not say that the entries after it were never sent (the first committed later, the rest never).
    [Fact]
    public async Task A_FHIR_transaction_stopped_by_an_entry_not_committed_in_time_says_which_entries_were_not_sent()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { BatchDelay = TimeSpan.FromHours(1), CommitTimeout = TimeSpan.FromSeconds(1) });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var bundle = new StringContent("""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","identifier":[{"value":"MRN-T1"}],"name":[{"family":"Tide"}],"gender":"female","birthDate":"1990-01-01"},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Patient","identifier":[{"value":"MRN-T2"}],"name":[{"family":"Tide"}],"gender":"male","birthDate":"1991-01-01"},"request":{"method":"POST","url":"Patient"}}]}
            """, Encoding.UTF8, "application/fhir+json");
        using var response = await admin.PostAsync("/fhir/R4", bundle, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{(int)response.StatusCode}: {body}");
        using var outcome = JsonDocument.Parse(body);
        var issues = outcome.RootElement.GetProperty("issue").EnumerateArray().ToList();
        Assert.Equal(("error", "incomplete"), (issues[0].GetProperty("severity").GetString(), issues[0].GetProperty("code").GetString()));
        Assert.Contains("The transaction stopped at Bundle.entry[0]", issues[0].GetProperty("diagnostics").GetString());
        Assert.Contains("were not sent (Bundle.entry[1])", issues[0].GetProperty("diagnostics").GetString());
        Assert.Contains(issues, i => i.GetProperty("severity").GetString() == "warning" && i.GetProperty("diagnostics").GetString()!.Contains("it may still commit", StringComparison.Ordinal));
        // FHIR carries no one-time password: the warning says how the user gets one, not "the password given here".
        Assert.DoesNotContain("given here", body, StringComparison.Ordinal);
        Assert.Contains("password reset", body, StringComparison.Ordinal);
    }
}
