using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Audit;

/// <summary>
/// Auditor accounts: an admin registers an auditor of their organisation with a one-time password; the auditor must choose a
/// password at the first login, then reads the consortium, the disclosure trail and the ledger's blocks, and no record.
/// </summary>
public class AuditorAccountTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Fields(JsonElement problem) => problem.TryGetProperty("errors", out var e) ? e.EnumerateObject().Select(p => p.Name).ToArray() : [];

    [Fact]
    public async Task An_admin_registers_an_auditor_who_reads_audit_and_consortium_but_no_patient_record()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-AUD-1", fullName = "Olive Audited", dateOfBirth = "1980-01-01", gender = "female", conditions = new[] { "Asthma" } }, Ct));
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-aud", name = "Dee Auditless", specialty = "Medicine", department = "Ward", licenceNumber = "L-AUD" }, Ct));

        // Refusals name the field and write nothing: a bad id (400), a doctor (403), an id already taken (409).
        using var drClient = await node.FirstLoginAsync("dr-aud", doctor.OneTimePassword!);
        var height = (await node.Http.GetFromJsonAsync<Node.Chain.HealthResponse>("/healthz", Ct))!.Height;
        Assert.Equal(["auditorId"], Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/auditors", new { auditorId = "A!" }, Ct), HttpStatusCode.BadRequest)));
        await Problem(await drClient.PostAsJsonAsync("/api/v1/auditors", new { auditorId = "audit-dee" }, Ct), HttpStatusCode.Forbidden);
        await Problem(await drClient.GetAsync("/api/v1/auditors", Ct), HttpStatusCode.Forbidden);
        Assert.Equal(["auditorId"], Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/auditors", new { auditorId = "dr-aud" }, Ct), HttpStatusCode.Conflict)));
        Assert.Equal(height, (await node.Http.GetFromJsonAsync<Node.Chain.HealthResponse>("/healthz", Ct))!.Height);

        // Registered with a one-time password, listed for the admin.
        using var created = await admin.PostAsJsonAsync("/api/v1/auditors", new { auditorId = "audit-ann" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/auditors/audit-ann", created.Headers.Location?.OriginalString);
        var auditor = (await created.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        Assert.False(string.IsNullOrEmpty(auditor.OneTimePassword));
        var listed = await Read<List<AuditorResponse>>(await admin.GetAsync("/api/v1/auditors", Ct));
        Assert.Equal(["audit-ann"], listed.Select(a => a.Id));
        Assert.Equal("fixture-hospital", listed[0].OrganisationId);

        // The one-time password must be replaced before anything else.
        using (var anonymous = new HttpClient { BaseAddress = node.Http.BaseAddress })
        {
            var token = await Read<TokenResponse>(await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "audit-ann", password = auditor.OneTimePassword }, Ct));
            Assert.Equal(("auditor", true), (token.Role, token.MustChangePassword));
            anonymous.DefaultRequestHeaders.Authorization = new("Bearer", token.AccessToken);
            await Problem(await anonymous.GetAsync("/api/v1/audit", Ct), HttpStatusCode.Forbidden);
        }
        var ann = await node.FirstLoginAsync("audit-ann", auditor.OneTimePassword!);

        // What auditors read: the consortium's governance, the disclosure trail (ids only), the ledger's blocks.
        Assert.Single((await Read<ConsortiumResponse>(await ann.GetAsync("/api/v1/consortium", Ct))).Organisations);
        await Read<List<ProposalResponse>>(await ann.GetAsync("/api/v1/consortium/proposals", Ct));
        await Read<JsonElement>(await admin.GetAsync($"/api/v1/patients/{patient.Id}", Ct)); // a disclosure, recorded on the chain shortly
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(30));
            while (!(await Read<List<DisclosureResponse>>(await ann.GetAsync("/api/v1/audit", Ct))).Any(d => d.PatientId == patient.Id && d.ActorId == "admin"))
            {
                await Task.Delay(100, wait.Token);
            }
        }
        Assert.True((await Read<JsonElement>(await ann.GetAsync("/api/v1/ledger/blocks/latest", Ct))).GetProperty("height").GetUInt64() > 0);

        // Nothing clinical: the patient list, the patient's record, entries, complete record, reports and disclosures are refused.
        foreach (var path in new[] { $"/api/v1/patients/{patient.Id}", $"/api/v1/patients/{patient.Id}/entries", $"/api/v1/patients/{patient.Id}/report",
                     $"/api/v1/patients/{patient.Id}/disclosures", $"/api/v1/patients/{patient.Id}/reports" })
        {
            using var response = await ann.GetAsync(path, Ct);
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
            Assert.DoesNotContain("Olive", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        await Problem(await ann.GetAsync("/api/v1/patients", Ct), HttpStatusCode.Forbidden);
        // Nor may an auditor write: register patients or auditors.
        await Problem(await ann.PostAsJsonAsync("/api/v1/auditors", new { auditorId = "audit-bob" }, Ct), HttpStatusCode.Forbidden);
        using (var write = await ann.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-AUD-2", fullName = "Not Written", dateOfBirth = "1980-01-01", gender = "male" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        }

        // In the web UI: the Audit page opens, the patients page is refused.
        using var web = await node.CookieLoginAsync("audit-ann", NodeFixture.ChosenPassword);
        using (var audit = await web.GetAsync("/audit", Ct)) Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        using (var patients = await web.GetAsync($"/patients/{patient.Id}", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, patients.StatusCode);
            Assert.DoesNotContain("Olive", await patients.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }
}
