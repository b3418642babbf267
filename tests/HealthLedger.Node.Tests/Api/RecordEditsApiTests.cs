using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// Edits with optimistic concurrency and version history: <c>PUT /api/v1/doctors/{id}</c>, <c>PUT /api/v1/patients/{id}</c>
/// (version in the body or If-Match), <c>GET …/versions</c>; success, 400, 401, 403, 404 and 409 (an old version) per endpoint.
/// </summary>
public class RecordEditsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Doctor(string name, string specialty, int? version) =>
        new { name, specialty, department = "Heart centre", licenceNumber = "L-77", phone = "+44 20 1234 5678", email = "alice@example.org", consultationHours = "Mon 9-12", version };

    private static object Patient(string name, int? version) =>
        new { mrn = "MRN-1", fullName = name, dateOfBirth = "1980-02-29", gender = "female", phone = "+1 555 0100", conditions = new[] { "Asthma" }, version };

    private static HttpRequestMessage Put(string path, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status == response.StatusCode, $"{response.StatusCode}: {text}");
            if (status >= HttpStatusCode.BadRequest) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static async Task<(JsonElement Body, string? ETag)> Read(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return (JsonDocument.Parse(text).RootElement.Clone(), response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task A_doctor_entry_is_edited_by_version_an_old_version_is_refused_with_nothing_written_and_every_version_is_listed()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var one = await Json(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Heart centre", licenceNumber = "L-1" }, Ct), HttpStatusCode.Created);
        var two = await Json(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-two", name = "Bob Jones", specialty = "Neurology", department = "Neuro", licenceNumber = "L-2" }, Ct), HttpStatusCode.Created);
        var patient = await Json(await admin.PostAsJsonAsync("/api/v1/patients", Patient("Jane Roe", null), Ct), HttpStatusCode.Created);
        var drOne = await node.FirstLoginAsync("dr-one", one.GetProperty("oneTimePassword").GetString()!);
        var drTwo = await node.FirstLoginAsync("dr-two", two.GetProperty("oneTimePassword").GetString()!);
        var patientClient = await node.FirstLoginAsync(patient.GetProperty("id").GetString()!, patient.GetProperty("oneTimePassword").GetString()!);

        var (first, etag) = await Read(admin, "/api/v1/doctors/dr-one");
        Assert.Equal(1, first.GetProperty("version").GetInt32());
        Assert.Equal("\"1\"", etag);

        // The admin edits version 1 (body field): version 2.
        var written = await Json(await admin.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Alice Smith-Jones", "Cardiology", 1)), Ct), HttpStatusCode.OK);
        Assert.Equal("dr-one", written.GetProperty("id").GetString());
        var (second, etag2) = await Read(admin, "/api/v1/doctors/dr-one");
        Assert.Equal(2, second.GetProperty("version").GetInt32());
        Assert.Equal("Alice Smith-Jones", second.GetProperty("name").GetString());
        Assert.Equal("L-77", second.GetProperty("licenceNumber").GetString());
        Assert.Equal("\"2\"", etag2);

        // A second editor still holding version 1 is refused: 409 naming version and the current one; nothing written.
        var stale = await Json(await admin.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Alice Old", "Cardiology", 1)), Ct), HttpStatusCode.Conflict);
        Assert.Contains("current version is 2", stale.GetProperty("errors").GetProperty("version")[0].GetString());
        var staleHeader = await Json(await admin.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Alice Old", "Cardiology", null), "\"1\""), Ct), HttpStatusCode.Conflict);
        Assert.True(staleHeader.GetProperty("errors").TryGetProperty("version", out _));
        var (unchanged, _) = await Read(admin, "/api/v1/doctors/dr-one");
        Assert.Equal(2, unchanged.GetProperty("version").GetInt32());
        Assert.Equal("Alice Smith-Jones", unchanged.GetProperty("name").GetString());
        // The history at version 2 (read again below at version 3: only the blocks after version 2 are read then).
        var atTwo = await Json(await admin.GetAsync("/api/v1/doctors/dr-one/versions", Ct), HttpStatusCode.OK);
        Assert.Equal([1, 2], atTwo.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));

        // 400: no version, a bad If-Match, body and If-Match disagreeing, a required field left out.
        Assert.True((await Json(await admin.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Alice", "Cardiology", null)), Ct), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("version", out _));
        Assert.True((await Json(await admin.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Alice", "Cardiology", null), "2"), Ct), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("version", out _));
        Assert.True((await Json(await admin.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Alice", "Cardiology", 2), "\"1\""), Ct), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("version", out _));
        Assert.True((await Json(await admin.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("", "Cardiology", 2)), Ct), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("name", out _));

        // The doctor edits their own entry by If-Match (version 3); another doctor and a patient may not (403); 404; 401.
        await Json(await drOne.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Alice Smith-Jones", "Interventional cardiology", null), "\"2\""), Ct), HttpStatusCode.OK);
        await Json(await drTwo.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Hijack", "Cardiology", 3)), Ct), HttpStatusCode.Forbidden);
        await Json(await patientClient.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Hijack", "Cardiology", 3)), Ct), HttpStatusCode.Forbidden);
        await Json(await admin.SendAsync(Put("/api/v1/doctors/dr-nobody", Doctor("Nobody", "Cardiology", 1)), Ct), HttpStatusCode.NotFound);
        await Json(await node.Http.SendAsync(Put("/api/v1/doctors/dr-one", Doctor("Anon", "Cardiology", 3)), Ct), HttpStatusCode.Unauthorized);

        // The history: three versions, oldest first, each with its proof, signer and content.
        var versions = await Json(await admin.GetAsync("/api/v1/doctors/dr-one/versions", Ct), HttpStatusCode.OK);
        Assert.Equal([1, 2, 3], versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(["Alice Smith", "Alice Smith-Jones", "Alice Smith-Jones"], versions.EnumerateArray().Select(v => v.GetProperty("content").GetProperty("name").GetString()));
        Assert.Equal(["admin", "admin", "dr-one"], versions.EnumerateArray().Select(v => v.GetProperty("signedBy").GetString()));
        Assert.Equal("Interventional cardiology", versions[2].GetProperty("content").GetProperty("specialty").GetString());
        Assert.True(versions[2].GetProperty("current").GetBoolean());
        Assert.False(versions[0].GetProperty("current").GetBoolean());
        Assert.Equal(64, versions[1].GetProperty("proof").GetProperty("transactionId").GetString()!.Length);
        Assert.True(versions[2].GetProperty("proof").GetProperty("height").GetUInt64() > versions[1].GetProperty("proof").GetProperty("height").GetUInt64());
        // Patients see no licence number or contact in any version.
        var seenByPatient = await Json(await patientClient.GetAsync("/api/v1/doctors/dr-one/versions", Ct), HttpStatusCode.OK);
        Assert.All(seenByPatient.EnumerateArray(), v => Assert.Equal("", v.GetProperty("content").GetProperty("licenceNumber").GetString()));
        await Json(await admin.GetAsync("/api/v1/doctors/dr-nobody/versions", Ct), HttpStatusCode.NotFound);
        await Json(await node.Http.GetAsync("/api/v1/doctors/dr-one/versions", Ct), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_patients_demographics_are_edited_by_version_an_old_version_is_refused_and_the_history_is_shown_to_who_may_read_it()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Json(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Heart centre", licenceNumber = "L-1" }, Ct), HttpStatusCode.Created);
        var patient = await Json(await admin.PostAsJsonAsync("/api/v1/patients", Patient("Jane Roe", null), Ct), HttpStatusCode.Created);
        var id = patient.GetProperty("id").GetString()!;
        var drOne = await node.FirstLoginAsync("dr-one", doctor.GetProperty("oneTimePassword").GetString()!);
        var self = await node.FirstLoginAsync(id, patient.GetProperty("oneTimePassword").GetString()!);

        var (_, etag) = await Read(admin, $"/api/v1/patients/{id}");
        Assert.Equal("\"1\"", etag);
        await Json(await admin.SendAsync(Put($"/api/v1/patients/{id}", Patient("Jane Roe-Smith", null), etag), Ct), HttpStatusCode.OK);
        var (edited, etag2) = await Read(admin, $"/api/v1/patients/{id}");
        Assert.Equal("Jane Roe-Smith", edited.GetProperty("fullName").GetString());
        Assert.Equal(2, edited.GetProperty("version").GetInt32());
        Assert.Equal("\"2\"", etag2);

        // The old version is refused with the current one named; nothing written.
        var stale = await Json(await admin.SendAsync(Put($"/api/v1/patients/{id}", Patient("Jane Stale", 1)), Ct), HttpStatusCode.Conflict);
        Assert.Contains("current version is 2", stale.GetProperty("errors").GetProperty("version")[0].GetString());
        Assert.Equal("Jane Roe-Smith", (await Read(admin, $"/api/v1/patients/{id}")).Body.GetProperty("fullName").GetString());
        Assert.True((await Json(await admin.SendAsync(Put($"/api/v1/patients/{id}", Patient("Jane", null)), Ct), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("version", out _));
        Assert.True((await Json(await admin.SendAsync(Put($"/api/v1/patients/{id}", Patient("", 2)), Ct), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("fullName", out _));
        await Json(await drOne.SendAsync(Put($"/api/v1/patients/{id}", Patient("Jane", 2)), Ct), HttpStatusCode.Forbidden);
        await Json(await admin.SendAsync(Put("/api/v1/patients/pt-nobody", Patient("Jane", 1)), Ct), HttpStatusCode.NotFound);
        await Json(await node.Http.SendAsync(Put($"/api/v1/patients/{id}", Patient("Jane", 2)), Ct), HttpStatusCode.Unauthorized);

        // The history: both versions with their content, for the admin and the patient; a doctor without access is refused.
        foreach (var reader in new[] { admin, self })
        {
            var versions = await Json(await reader.GetAsync($"/api/v1/patients/{id}/versions", Ct), HttpStatusCode.OK);
            Assert.Equal(["Jane Roe", "Jane Roe-Smith"], versions.EnumerateArray().Select(v => v.GetProperty("content").GetProperty("fullName").GetString()));
            Assert.Equal(["admin", "admin"], versions.EnumerateArray().Select(v => v.GetProperty("signedBy").GetString()));
            Assert.Equal(edited.GetProperty("proof").GetProperty("transactionId").GetString(), versions[1].GetProperty("proof").GetProperty("transactionId").GetString());
        }
        await Json(await drOne.GetAsync($"/api/v1/patients/{id}/versions", Ct), HttpStatusCode.Forbidden);
        await Json(await admin.GetAsync("/api/v1/patients/pt-nobody/versions", Ct), HttpStatusCode.NotFound);
        await Json(await node.Http.GetAsync($"/api/v1/patients/{id}/versions", Ct), HttpStatusCode.Unauthorized);
    }
}
