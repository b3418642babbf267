using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Consent;

/// <summary>
/// Issue 13 item 5, referrals, with two organisations' nodes in the test process: a St Mary doctor asks a General Hospital
/// patient for access at St Mary's node; the patient sees the request (doctor, specialty, organisation, reason) at General
/// Hospital's node and approves it there; the doctor then reads the granted category at St Mary's node and nothing else. A
/// declined request leaves the doctor refused. Refusals are problem details with field errors and submit nothing.
/// </summary>
public sealed class AccessRequestTests : InProcessNodes
{
    [Fact]
    public async Task A_St_Mary_doctor_asks_a_General_Hospital_patient_who_approves_at_their_node_and_the_doctor_reads_only_the_granted_category_at_St_Mary()
    {
        var init = FoundHospitals("General Hospital", "St Mary Hospital");
        var general = await StartAsync(init.Organisations[0].Folder);
        var stMary = await StartAsync(init.Organisations[1].Folder);
        using var generalAdmin = await InProcessNode.LoginAsync(general, init.Organisations[0].AdminUser, NodeFixture.Password, Ct);
        using var stMaryAdmin = await InProcessNode.LoginAsync(stMary, init.Organisations[1].AdminUser, NodeFixture.Password, Ct);

        // General Hospital: a doctor, a patient and a visit; St Mary: two doctors.
        await ApiResponses.Read<WriteResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-general", name = "Gina General", specialty = "Pathology", department = "Lab", licenceNumber = "G1" }, Ct));
        var patient = await ApiResponses.Read<WriteResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "GH-1", fullName = "Pat Cross", dateOfBirth = "1970-01-01", gender = "female" }, Ct));
        var patientId = patient.Id;
        await ApiResponses.Read<JsonElement>(await generalAdmin.PostAsJsonAsync($"/api/v1/patients/{patientId}/entries",
            new { type = "visit", occurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mmZ", System.Globalization.CultureInfo.InvariantCulture), doctorId = "dr-general", notes = "Bloods taken." }, Ct));
        var sam = await ApiResponses.Read<WriteResponse>(await stMaryAdmin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-stmary", name = "Sam St Mary", specialty = "Cardiology", department = "Heart", licenceNumber = "S1" }, Ct));
        var tess = await ApiResponses.Read<WriteResponse>(await stMaryAdmin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-tess", name = "Tess Two", specialty = "Neurology", department = "Brain", licenceNumber = "S2" }, Ct));
        await InProcessNode.WaitAsync("each node has the other organisation's users",
            () => Node(stMary).GetState(StateKeys.Patient(patientId)) is not null && Node(general).GetState(StateKeys.Login("dr-tess")) is not null
                && general.Services.GetRequiredService<Doctors.DoctorDirectory>().Doctor("dr-tess") is not null, Ct);
        using var pat = await FirstLoginAsync(general, patientId, patient.OneTimePassword!);
        using var doctor = await FirstLoginAsync(stMary, "dr-stmary", sam.OneTimePassword!);
        using var second = await FirstLoginAsync(stMary, "dr-tess", tess.OneTimePassword!);

        // Refusals at the door: fields, an unknown patient, a non-doctor; nothing reaches the ledger.
        var height = Node(stMary).Tip.Height;
        var bad = await ApiResponses.Problem(await doctor.PostAsJsonAsync($"/api/v1/patients/{patientId}/access-requests",
            new { categories = new[] { "x-rays" }, days = 0, reason = " " }, Ct), HttpStatusCode.BadRequest);
        Assert.Equal(["categories", "days", "reason"], bad.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        // Free text goes through the one door: a direction override in the reason is refused like in a patient's name.
        var bidi = await ApiResponses.Problem(await doctor.PostAsJsonAsync($"/api/v1/patients/{patientId}/access-requests",
            new { categories = new[] { "encounters" }, days = 7, reason = "Referral \u202Eevil" }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("U+202E", bidi.GetProperty("errors").GetProperty("reason")[0].GetString(), StringComparison.Ordinal);
        await ApiResponses.Problem(await doctor.PostAsJsonAsync("/api/v1/patients/pt-nobody/access-requests",
            new { categories = new[] { "encounters" }, days = 7, reason = "Referral." }, Ct), HttpStatusCode.NotFound);
        await ApiResponses.Problem(await stMaryAdmin.PostAsJsonAsync($"/api/v1/patients/{patientId}/access-requests",
            new { categories = new[] { "encounters" }, days = 7, reason = "Referral." }, Ct), HttpStatusCode.Forbidden);
        Assert.Equal(height, Node(stMary).Tip.Height);
        await RefusedAsync(doctor, $"/api/v1/patients/{patientId}/entries"); // nothing granted yet

        // The St Mary doctor asks for encounters for 7 days, at St Mary's node; a second request while it is open is a 409.
        var asked = await ApiResponses.Read<WriteResponse>(await doctor.PostAsJsonAsync($"/api/v1/patients/{patientId}/access-requests",
            new { categories = new[] { "encounters" }, days = 7, reason = "Referred for a cardiology review of the anaemia." }, Ct));
        var duplicate = await ApiResponses.Problem(await doctor.PostAsJsonAsync($"/api/v1/patients/{patientId}/access-requests",
            new { categories = new[] { "reports" }, days = 3, reason = "Also the reports." }, Ct), HttpStatusCode.Conflict);
        Assert.Contains(asked.Id, duplicate.GetProperty("errors").GetProperty("patientId")[0].GetString(), StringComparison.Ordinal);
        var declined = await ApiResponses.Read<WriteResponse>(await second.PostAsJsonAsync($"/api/v1/patients/{patientId}/access-requests",
            new { categories = new[] { "all" }, days = 30, reason = "Headaches: neurology opinion." }, Ct));
        // The reason is not on the ledger in clear.
        var stored = AccessRequestState.Get(StateOf(stMary), patientId, asked.Id)!;
        Assert.Equal(-1, stored.Encode().AsSpan().IndexOf("cardiology"u8));

        // The patient sees both requests at General Hospital's node: who, what, how long and why.
        await InProcessNode.WaitAsync("General Hospital's node has the requests", () => Node(general).GetState(StateKeys.AccessRequest(patientId, declined.Id)) is not null, Ct);
        var pending = await ApiResponses.Read<List<AccessRequestResponse>>(await pat.GetAsync("/api/v1/consent/access-requests?status=pending", Ct));
        var mine = Assert.Single(pending, r => r.Id == asked.Id);
        Assert.Equal(("dr-stmary", "Sam St Mary", "Cardiology", "st-mary-hospital", "St Mary Hospital", 7, "Referred for a cardiology review of the anaemia.", "pending"),
            (mine.DoctorId, mine.DoctorName, mine.Specialty, mine.OrganisationId, mine.OrganisationName, mine.DurationDays, mine.Reason, mine.Status));
        Assert.Equal(["encounters"], mine.Categories);
        Assert.Equal(2, pending.Count);
        // Only the patient answers.
        await ApiResponses.Problem(await doctor.PostAsync($"/api/v1/consent/access-requests/{asked.Id}/approve", null, Ct), HttpStatusCode.Forbidden);

        // Approve one, decline the other, at General Hospital's node; a second answer is a 409.
        await ApiResponses.Read<WriteResponse>(await pat.PostAsync($"/api/v1/consent/access-requests/{asked.Id}/approve", null, Ct));
        await ApiResponses.Read<WriteResponse>(await pat.PostAsync($"/api/v1/consent/access-requests/{declined.Id}/decline", null, Ct));
        var again = await ApiResponses.Problem(await pat.PostAsync($"/api/v1/consent/access-requests/{asked.Id}/decline", null, Ct), HttpStatusCode.Conflict);
        Assert.True(again.GetProperty("errors").TryGetProperty("requestId", out _));
        await ApiResponses.Problem(await pat.PostAsync("/api/v1/consent/access-requests/ar-nothing/approve", null, Ct), HttpStatusCode.NotFound);
        var grants = await ApiResponses.Read<List<GrantResponse>>(await pat.GetAsync($"/api/v1/patients/{patientId}/grants", Ct));
        var grant = Assert.Single(grants);
        Assert.Equal(("dr-stmary", true), (grant.GranteeId, grant.Active));
        Assert.Equal(["encounters"], grant.Categories);
        Assert.InRange(grant.ExpiresAt!.Value - grant.GrantedAt, TimeSpan.FromDays(7), TimeSpan.FromDays(7)); // the requested days, from the approving block

        // At St Mary's node: the doctor reads the visit and nothing else; the declined doctor reads nothing.
        var answered = Node(general).Tip.Height;
        await InProcessNode.WaitAsync("St Mary's node has the answers", () => Node(stMary).Tip.Height >= answered, Ct);
        var entries = await ApiResponses.Read<JsonElement>(await doctor.GetAsync($"/api/v1/patients/{patientId}/entries", Ct));
        Assert.Contains("Bloods taken.", entries.GetRawText(), StringComparison.Ordinal);
        await RefusedAsync(doctor, $"/api/v1/patients/{patientId}");
        await RefusedAsync(doctor, $"/api/v1/patients/{patientId}/account");
        await RefusedAsync(second, $"/api/v1/patients/{patientId}/entries");

        // Each doctor sees their own request and its answer, with the reason opened for them.
        var doctorsView = Assert.Single(await ApiResponses.Read<List<AccessRequestResponse>>(await doctor.GetAsync("/api/v1/consent/access-requests", Ct)));
        Assert.Equal((asked.Id, "approved", "Referred for a cardiology review of the anaemia.", grant.Id), (doctorsView.Id, doctorsView.Status, doctorsView.Reason, doctorsView.GrantId));
        var secondView = Assert.Single(await ApiResponses.Read<List<AccessRequestResponse>>(await second.GetAsync("/api/v1/consent/access-requests", Ct)));
        Assert.Equal((declined.Id, "declined", (string?)null), (secondView.Id, secondView.Status, secondView.GrantId));
        var badStatus = await ApiResponses.Problem(await doctor.GetAsync("/api/v1/consent/access-requests?status=maybe", Ct), HttpStatusCode.BadRequest);
        Assert.True(badStatus.GetProperty("errors").TryGetProperty("status", out _));
        // Admins have no access requests.
        await ApiResponses.Problem(await stMaryAdmin.GetAsync("/api/v1/consent/access-requests", Ct), HttpStatusCode.Forbidden);

        // A later, narrower request from the same doctor tells the patient which access approving it replaces.
        var narrower = await ApiResponses.Read<WriteResponse>(await doctor.PostAsJsonAsync($"/api/v1/patients/{patientId}/access-requests",
            new { categories = new[] { "reports" }, days = 1, reason = "Only the latest report." }, Ct));
        await InProcessNode.WaitAsync("General Hospital's node has the narrower request", () => Node(general).GetState(StateKeys.AccessRequest(patientId, narrower.Id)) is not null, Ct);
        var shown = Assert.Single(await ApiResponses.Read<List<AccessRequestResponse>>(await pat.GetAsync("/api/v1/consent/access-requests?status=pending", Ct)));
        Assert.Equal(grant.Id, shown.ReplacesGrant!.GrantId);
        Assert.Equal(["encounters"], shown.ReplacesGrant.Categories);
        Assert.Null(Assert.Single(await ApiResponses.Read<List<AccessRequestResponse>>(await doctor.GetAsync("/api/v1/consent/access-requests?status=pending", Ct))).ReplacesGrant);
    }

    // A read outside any grant: 403, or 404 where the node holds nothing of the patient open for this doctor.
    private static async Task RefusedAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }



    private static Core.State.IStateReader StateOf(WebApplication app) => app.Services.GetRequiredService<Node.Records.AccessPolicy>().State;

    /// <summary>Logs in with a one-time password and replaces it, as a new user must before anything else.</summary>
}
