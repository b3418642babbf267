using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.PatientSummary;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Consent;

/// <summary>Issue 12 item 6: each consent category grants exactly its own data, on every read endpoint.</summary>
public class ConsentCategoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Attending, HttpClient Grantee, HttpClient Patient, string PatientId, string ReportId)
        : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();

        public async Task GrantAsync(params string[] categories) =>
            await Read<WriteResponse>(await Patient.PostAsJsonAsync($"/api/v1/patients/{PatientId}/grants", new { granteeKind = "doctor", granteeId = "dr-g", categories }, Ct));
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var a = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-a", name = "Ada A", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var g = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-g", name = "Gus G", specialty = "Cardiology", department = "Heart", licenceNumber = "L2" }, Ct));
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-C1", fullName = "Cora Cat", dateOfBirth = "1970-01-01", gender = "female" }, Ct));
        await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/entries", new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-a", ward = "W1", bed = "1", reason = "Chest pain" }, Ct));
        await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/account/charges", new { occurredAt = "2026-01-02T11:00", service = "ECG", quantity = 1, unitPrice = 100 }, Ct));
        await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/account/payments", new { occurredAt = "2026-01-02T12:00", amount = 40, method = "card" }, Ct));
        var attending = await node.FirstLoginAsync("dr-a", a.OneTimePassword!);
        (await attending.PostAsJsonAsync($"/api/v1/patients/{p.Id}/vital-signs", new { takenAt = "2026-01-02T11:30", temperatureCelsius = 37.0m, heartRate = 80, systolicMmHg = 118, diastolicMmHg = 76, respiratoryRate = 16, oxygenSaturation = 97, notes = "" }, Ct)).EnsureSuccessStatusCode();
        using var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(new { type = "imaging", title = "Chest X-ray", summary = "Clear." })), "metadata" } };
        var report = await Read<ReportsApi.ReportCreatedResponse>(await attending.PostAsync($"/api/v1/patients/{p.Id}/reports", form, Ct));
        return new World(node, admin, attending, await node.FirstLoginAsync("dr-g", g.OneTimePassword!), await node.FirstLoginAsync(p.Id, p.OneTimePassword!), p.Id, report.ReportId);
    }

    private static async Task<HttpStatusCode> Status(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        if (!response.IsSuccessStatusCode) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return response.StatusCode;
    }

    [Theory]
    [InlineData("demographics")]
    [InlineData("encounters")]
    [InlineData("account")]
    [InlineData("reports")]
    public async Task A_grant_of_one_category_reaches_exactly_that_category_on_every_read(string category)
    {
        await using var w = await SetUpAsync();
        var id = w.PatientId;
        await w.GrantAsync(category);
        HttpStatusCode Expected(string needed) => needed == category ? HttpStatusCode.OK : HttpStatusCode.Forbidden;

        Assert.Equal(Expected("demographics"), await Status(w.Grantee, $"/api/v1/patients/{id}"));
        Assert.Equal(Expected("account"), await Status(w.Grantee, $"/api/v1/patients/{id}/account"));
        Assert.Equal(Expected("encounters"), await Status(w.Grantee, $"/api/v1/patients/{id}/vital-signs"));
        Assert.Equal(Expected("reports"), await Status(w.Grantee, $"/api/v1/patients/{id}/reports"));
        Assert.Equal(Expected("reports"), await Status(w.Grantee, $"/api/v1/reports/{w.ReportId}"));
        Assert.Equal(Expected("reports"), await Status(w.Grantee, $"/api/v1/reports/{w.ReportId}/pdf"));

        // Entries: encounters and account lines each stand alone.
        if (category is "encounters" or "account")
        {
            var entries = await Read<List<EntryResponse>>(await w.Grantee.GetAsync($"/api/v1/patients/{id}/entries", Ct));
            Assert.Equal(category == "encounters" ? ["admission"] : ["charge", "payment"], entries.Select(e => e.Type));
        }
        else Assert.Equal(HttpStatusCode.Forbidden, await Status(w.Grantee, $"/api/v1/patients/{id}/entries"));

        // The complete record answers for every category (it was a 403, and a 500 for demographics), with only the shared sections.
        var record = await Read<PatientReportResponse>(await w.Grantee.GetAsync($"/api/v1/patients/{id}/report", Ct));
        Assert.Equal([category], record.Patient.Shared);
        Assert.Equal(category == "demographics" ? "Cora Cat" : null, record.Patient.FullName);
        Assert.Equal(category == "demographics" ? "MRN-C1" : null, record.Patient.Mrn);
        Assert.Equal(category == "encounters", record.Encounters is not null);
        Assert.Equal(category == "account", record.Account is not null);
        Assert.DoesNotContain(category, record.NotShared);
        Assert.Equal(5, record.NotShared.Count); // six single categories (laboratory, medication since their modules), one shared
        if (record.Encounters is { } encounters) Assert.Equal(["admission"], encounters.Select(e => e.Type));
        if (record.Account is { } account) Assert.Equal(60m, account.Balance);

        // The list shows the patient whatever the category; name and MRN only with demographics.
        var listed = Assert.Single((await w.Grantee.GetFromJsonAsync<PageResponse<PatientResponse>>("/api/v1/patients", Ct))!.Items);
        Assert.Equal((id, category == "demographics" ? "Cora Cat" : null), (listed.Id, listed.FullName));
        Assert.Equal(category == "demographics" ? 1 : 0, (await w.Grantee.GetFromJsonAsync<PageResponse<PatientResponse>>("/api/v1/patients?search=cora", Ct))!.Total);
        using var body = await w.Grantee.GetAsync("/api/v1/patients", Ct);
        if (category != "demographics") Assert.DoesNotContain("Cora", await body.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Encounters_and_account_together_reach_both_and_the_attending_doctor_the_admin_and_the_patient_see_everything()
    {
        await using var w = await SetUpAsync();
        await w.GrantAsync("encounters", "account");
        var both = await Read<List<EntryResponse>>(await w.Grantee.GetAsync($"/api/v1/patients/{w.PatientId}/entries", Ct));
        Assert.Equal(["admission", "charge", "payment"], both.Select(e => e.Type));
        foreach (var reader in new[] { w.Attending, w.Admin, w.Patient })
        {
            var record = await Read<PatientReportResponse>(await reader.GetAsync($"/api/v1/patients/{w.PatientId}/report", Ct));
            Assert.Equal(["demographics", "encounters", "account", "reports", "laboratory", "medication"], record.Patient.Shared);
            Assert.Empty(record.NotShared);
            Assert.Equal("Cora Cat", record.Patient.FullName);
            Assert.NotNull(record.Account);
        }
    }

    [Fact]
    public async Task A_doctor_with_no_grant_sees_nothing_and_a_revoked_grant_takes_the_patient_off_the_list()
    {
        await using var w = await SetUpAsync();
        Assert.Empty((await w.Grantee.GetFromJsonAsync<PageResponse<PatientResponse>>("/api/v1/patients", Ct))!.Items);
        Assert.Equal(HttpStatusCode.Forbidden, await Status(w.Grantee, $"/api/v1/patients/{w.PatientId}/report"));
        await w.GrantAsync("account");
        Assert.Single((await w.Grantee.GetFromJsonAsync<PageResponse<PatientResponse>>("/api/v1/patients", Ct))!.Items);
        var grant = Assert.Single((await w.Patient.GetFromJsonAsync<List<Node.Consent.GrantResponse>>($"/api/v1/patients/{w.PatientId}/grants", Ct))!, g => g.Active);
        using (var revoke = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/{grant.Id}", Ct)) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Empty((await w.Grantee.GetFromJsonAsync<PageResponse<PatientResponse>>("/api/v1/patients", Ct))!.Items);
        Assert.Equal(HttpStatusCode.Forbidden, await Status(w.Grantee, $"/api/v1/patients/{w.PatientId}/account"));
    }
}
