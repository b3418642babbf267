using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.VitalSigns;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.VitalSigns;

/// <summary>The vital-signs module, added through one record-kind registration: writes, reads, consent and disclosures.</summary>
public class VitalSignsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Attending, HttpClient Other, HttpClient Patient, string PatientId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var a = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-v", name = "Vera V", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var b = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-w", name = "Walt W", specialty = "Surgery", department = "Theatre", licenceNumber = "L2" }, Ct));
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-V1", fullName = "Pat V", dateOfBirth = "1960-05-05", gender = "female" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/entries", new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-v", ward = "W1", bed = "2", reason = "Pneumonia" }, Ct)).EnsureSuccessStatusCode();
        return new World(node, admin, await node.FirstLoginAsync("dr-v", a.OneTimePassword!), await node.FirstLoginAsync("dr-w", b.OneTimePassword!),
            await node.FirstLoginAsync(p.Id, p.OneTimePassword!), p.Id);
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
        }
    }

    private static object Vitals(string takenAt = "2026-01-02T11:00") =>
        new { takenAt, temperatureCelsius = 38.4m, heartRate = 104, systolicMmHg = 118, diastolicMmHg = 76, respiratoryRate = 22, oxygenSaturation = 93, notes = "On 2 L O2" };

    [Fact]
    public async Task The_attending_doctor_records_vital_signs_and_the_patient_and_a_grantee_read_them()
    {
        await using var w = await SetUpAsync();
        var created = await Read<VitalSignsResponse>(await w.Attending.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/vital-signs", Vitals(), Ct));
        Assert.Equal((38.4m, 104, 118, 76, "dr-v"), (created.TemperatureCelsius!.Value, created.HeartRate!.Value, created.SystolicMmHg!.Value, created.DiastolicMmHg!.Value, created.AuthorId));
        Assert.True(created.Proof.Height > 0);

        var own = await Read<List<VitalSignsResponse>>(await w.Patient.GetAsync($"/api/v1/patients/{w.PatientId}/vital-signs", Ct));
        Assert.Equal(created.Id, Assert.Single(own).Id);

        await Problem(await w.Other.GetAsync($"/api/v1/patients/{w.PatientId}/vital-signs", Ct), HttpStatusCode.Forbidden);
        (await w.Patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants", new { granteeKind = "doctor", granteeId = "dr-w", categories = new[] { "encounters" } }, Ct)).EnsureSuccessStatusCode();
        var shared = await Read<List<VitalSignsResponse>>(await w.Other.GetAsync($"/api/v1/patients/{w.PatientId}/vital-signs", Ct));
        Assert.Equal(38.4m, Assert.Single(shared).TemperatureCelsius);

        // The grantee's read (and the earlier refusal) are disclosures the patient sees; the doctor's own write is not.
        await w.Node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        var trail = await Read<List<DisclosureResponse>>(await w.Patient.GetAsync($"/api/v1/patients/{w.PatientId}/disclosures", Ct));
        Assert.Contains(trail, d => d.ActorId == "dr-w" && d.Resource == "vital signs" && d.Outcome == "allowed");
        Assert.Contains(trail, d => d.ActorId == "dr-w" && d.Resource == "vital signs" && d.Outcome == "denied");
        Assert.DoesNotContain(trail, d => d.ActorId == "dr-v" && d.Resource.Contains("vital", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_staff_who_may_write_record_vital_signs_and_nothing_is_written_on_a_refusal()
    {
        await using var w = await SetUpAsync();
        var url = $"/api/v1/patients/{w.PatientId}/vital-signs";
        await Problem(await w.Patient.PostAsJsonAsync(url, Vitals(), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Other.PostAsJsonAsync(url, Vitals(), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Admin.PostAsJsonAsync("/api/v1/patients/pt-nobody/vital-signs", Vitals(), Ct), HttpStatusCode.NotFound);
        await Problem(await w.Node.Http.PostAsJsonAsync(url, Vitals(), Ct), HttpStatusCode.Unauthorized);
        Assert.Empty(await Read<List<VitalSignsResponse>>(await w.Admin.GetAsync(url, Ct)));
        using (var recorded = await w.Admin.PostAsJsonAsync(url, Vitals(), Ct)) Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        Assert.Single(await Read<List<VitalSignsResponse>>(await w.Admin.GetAsync(url, Ct)));
    }

    public static TheoryData<string, string> BadVitals => new()
    {
        { """{"heartRate":80}""", "takenAt" },
        { """{"takenAt":"2099-01-01T00:00","heartRate":80}""", "takenAt" },
        { """{"takenAt":"2026-01-02T11:00"}""", "heartRate" },
        { """{"takenAt":"2026-01-02T11:00","heartRate":400}""", "heartRate" },
        { """{"takenAt":"2026-01-02T11:00","temperatureCelsius":60}""", "temperatureCelsius" },
        { """{"takenAt":"2026-01-02T11:00","systolicMmHg":120}""", "diastolicMmHg" },
        { """{"takenAt":"2026-01-02T11:00","systolicMmHg":80,"diastolicMmHg":90}""", "diastolicMmHg" },
        { """{"takenAt":"2026-01-02T11:00","oxygenSaturation":101}""", "oxygenSaturation" },
        { """{"takenAt":"2026-01-02T11:00","weightKg":0}""", "weightKg" },
        { """{"takenAt":"1800-01-01T00:00:00Z","heartRate":80}""", "takenAt" },
    };

    [Theory]
    [MemberData(nameof(BadVitals))]
    public async Task Impossible_vital_signs_get_a_field_error_and_change_nothing(string body, string field)
    {
        await using var w = await SetUpAsync();
        var recorder = w.Node.App.Services.GetRequiredService<DisclosureRecorder>();
        await recorder.FlushAsync(Ct);
        var height = w.Node.App.Services.GetRequiredService<LedgerNode>().Tip.Height;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var problem = await Problem(await w.Attending.PostAsync($"/api/v1/patients/{w.PatientId}/vital-signs", content, Ct), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        await recorder.FlushAsync(Ct);
        Assert.Equal(height, w.Node.App.Services.GetRequiredService<LedgerNode>().Tip.Height);
    }

    [Fact]
    public async Task The_time_taken_is_one_instant_whatever_offset_it_is_sent_with()
    {
        await using var w = await SetUpAsync();
        var url = $"/api/v1/patients/{w.PatientId}/vital-signs";
        var withOffset = await Read<VitalSignsResponse>(await w.Admin.PostAsJsonAsync(url, new { takenAt = "2026-01-02T16:30:00+05:30", heartRate = 70 }, Ct));
        var inUtc = await Read<VitalSignsResponse>(await w.Admin.PostAsJsonAsync(url, new { takenAt = "2026-01-02T11:00:00Z", heartRate = 71 }, Ct));
        Assert.Equal(new DateTime(2026, 1, 2, 11, 0, 0, DateTimeKind.Utc), withOffset.TakenAt.ToUniversalTime());
        Assert.Equal(inUtc.TakenAt.ToUniversalTime(), withOffset.TakenAt.ToUniversalTime());
        using var raw = await w.Admin.GetAsync(url, Ct);
        using var listed = JsonDocument.Parse(await raw.Content.ReadAsStringAsync(Ct));
        var texts = listed.RootElement.EnumerateArray().Select(v => v.GetProperty("takenAt").GetString()!).ToList();
        Assert.All(texts, t => Assert.True(t.EndsWith('Z') || t.EndsWith("+00:00", StringComparison.Ordinal), $"{t} is not a UTC instant with its offset"));
        Assert.All(texts, t => Assert.Equal(new DateTimeOffset(2026, 1, 2, 11, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse(t, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
