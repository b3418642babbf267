using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// Issue 12 item 10 through the API: every text field of every input refuses hidden characters with a field error and
/// nothing is written; names are stored in NFC; patient, doctor and account search match without case or accents.
/// </summary>
public class TextInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> Problem(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    [Fact]
    public async Task Hidden_characters_in_any_input_are_field_errors_and_write_nothing()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-t", name = "Tom T", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-T1", fullName = "Pat T", dateOfBirth = "1970-01-01", gender = "male" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-t", notes = "Seen." }, Ct)).EnsureSuccessStatusCode();
        var drT = await node.FirstLoginAsync("dr-t", doctor.OneTimePassword!);
        var height = (await node.Http.GetFromJsonAsync<HealthLedger.Node.Chain.HealthResponse>("/healthz", Ct))!.Height;

        var cases = new (HttpClient Client, string Path, object Body, string Field)[]
        {
            (admin, "/api/v1/patients", new { mrn = "MRN-T2", fullName = "Ann\u202Eeb", dateOfBirth = "1970-01-01", gender = "female" }, "fullName"),
            (admin, "/api/v1/patients", new { mrn = "MRN-T2", fullName = "Ann\0", dateOfBirth = "1970-01-01", gender = "female" }, "fullName"),
            (admin, "/api/v1/patients", new { mrn = "MRN-T2", fullName = "An\u200Bn", dateOfBirth = "1970-01-01", gender = "female" }, "fullName"),
            (admin, "/api/v1/patients", new { mrn = "MRN-T2", fullName = "Ann", dateOfBirth = "1970-01-01", gender = "female", address = "1 Main St\u202E" }, "address"),
            (admin, "/api/v1/patients", new { mrn = "MRN-T2", fullName = "Ann", dateOfBirth = "1970-01-01", gender = "female", conditions = new[] { "Asthma", "Flu\u200B" } }, "conditions[1]"),
            (admin, "/api/v1/doctors", new { doctorId = "dr-u", name = "Ugo\u202E", specialty = "Medicine", department = "Ward", licenceNumber = "L2" }, "name"),
            (admin, "/api/v1/doctors", new { doctorId = "dr-u", name = "Ugo", specialty = "Medicine\0", department = "Ward", licenceNumber = "L2" }, "specialty"),
            (admin, $"/api/v1/patients/{patient.Id}/entries", new { type = "visit", occurredAt = "2026-01-03T10:00", doctorId = "dr-t", notes = "ok\u0000" }, "notes"),
            (admin, $"/api/v1/patients/{patient.Id}/entries", new { type = "admission", occurredAt = "2026-01-03T10:00", doctorId = "dr-t", ward = "W\u202E", bed = "1", reason = "Fever" }, "ward"),
            (admin, $"/api/v1/patients/{patient.Id}/account/charges", new { occurredAt = "2026-01-03T10:00", service = "X\u2066ray", quantity = 1, unitPrice = 10 }, "service"),
            (admin, $"/api/v1/patients/{patient.Id}/vital-signs", new { takenAt = "2026-01-03T10:00:00Z", heartRate = 70, notes = "calm\u202E" }, "notes"),
        };
        foreach (var (client, path, body, field) in cases)
        {
            var problem = await Problem(await client.PostAsJsonAsync(path, body, Ct));
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{path}: {problem}");
            Assert.Contains("not allowed", messages[0].GetString());
        }

        // Reports (multipart): the title and each lab result field.
        foreach (var (metadata, field) in new (object, string)[]
        {
            (new { type = "lab", title = "CBC\u202E", labResults = new[] { new { test = "Hb", value = "13", unit = "g/dL", referenceRange = "12-16", flag = "" } } }, "title"),
            (new { type = "lab", title = "CBC", labResults = new[] { new { test = "Hb", value = "13", unit = "g/\u200BdL", referenceRange = "12-16", flag = "" } } }, "labResults[0].unit"),
        })
        {
            using var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(metadata)), "metadata" } };
            var problem = await Problem(await drT.PostAsync($"/api/v1/patients/{patient.Id}/reports", form, Ct));
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        Assert.Equal(height, (await node.Http.GetFromJsonAsync<HealthLedger.Node.Chain.HealthResponse>("/healthz", Ct))!.Height);
    }

    [Fact]
    public async Task Search_matches_names_without_case_or_accents_and_names_are_stored_in_NFC()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S1", fullName = "Jan Łukasiewicz", dateOfBirth = "1970-01-01", gender = "male" }, Ct));
        await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S2", fullName = "Zoe\u0308 Mu\u0308ller", dateOfBirth = "1971-01-01", gender = "female" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/account/charges", new { occurredAt = "2026-01-03T10:00", service = "X-ray", quantity = 1, unitPrice = 10 }, Ct)).EnsureSuccessStatusCode();
        await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-s", name = "Søren Straße", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));

        foreach (var q in new[] { "lukasiewicz", "ŁUKASIEWICZ", "Lukasiewicz" })
        {
            var found = await Read<PageResponse<PatientResponse>>(await admin.GetAsync($"/api/v1/patients?search={Uri.EscapeDataString(q)}", Ct));
            Assert.Equal("Jan Łukasiewicz", Assert.Single(found.Items).FullName);
            var accounts = await admin.GetStringAsync($"/api/v1/accounts?search={Uri.EscapeDataString(q)}", Ct);
            Assert.Contains(p.Id, accounts);
        }
        var zoe = await Read<PageResponse<PatientResponse>>(await admin.GetAsync($"/api/v1/patients?search={Uri.EscapeDataString("zoë muller")}", Ct));
        Assert.Equal("Zo\u00EB M\u00FCller", Assert.Single(zoe.Items).FullName);
        foreach (var q in new[] { "soren", "STRASSE", "søren" })
        {
            var doctors = await Read<PageResponse<DoctorResponse>>(await admin.GetAsync($"/api/v1/doctors?search={Uri.EscapeDataString(q)}", Ct));
            Assert.Equal("dr-s", Assert.Single(doctors.Items).Id);
        }
    }
}
