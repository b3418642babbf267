using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Tests.Encounters;
using HealthLedger.Node.VitalSigns;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Records;

/// <summary>Issue 12, item 4: recorded times may lie in the future by a small clock skew only; instants are UTC with an offset; local times follow the hospital's zone.</summary>
public class HospitalTimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Iso(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);

    private static async Task<(NodeFixture Node, HttpClient Admin, string PatientId, string PatientPassword)> SetUpWithLoginAsync(Func<Configuration.NodeOptions, Configuration.NodeOptions>? configure = null)
    {
        var node = await NodeFixture.StartAsync(configure: configure);
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        await EncounterRulesTests.Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", EncounterRulesTests.DoctorOne, Ct));
        var patient = await EncounterRulesTests.Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female" }, Ct));
        return (node, admin, patient.Id, patient.OneTimePassword!);
    }

    private static async Task<(NodeFixture Node, HttpClient Admin, string PatientId)> SetUpAsync(Func<Configuration.NodeOptions, Configuration.NodeOptions>? configure = null)
    {
        var (node, admin, id, _) = await SetUpWithLoginAsync(configure);
        return (node, admin, id);
    }

    [Fact]
    public async Task A_visit_payment_or_reading_dated_20_hours_ahead_is_refused_a_few_minutes_ahead_is_not()
    {
        var (node, admin, id) = await SetUpAsync();
        await using var _ = node;
        var later = Iso(DateTimeOffset.UtcNow.AddHours(20));
        var height = await EncounterRulesTests.HeightAsync(admin);
        // Issue 12, case 4: a visit and a payment dated now + 20 h were accepted.
        var visit = await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries",
            new { type = "visit", occurredAt = later, doctorId = "dr-one", notes = "x" }, Ct), HttpStatusCode.BadRequest, "occurredAt");
        Assert.Contains("future", visit);
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/account/payments",
            new { occurredAt = later, amount = 10, method = "cash", deposit = true }, Ct), HttpStatusCode.BadRequest, "occurredAt");
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/account/charges",
            new { occurredAt = later, service = "X-ray", quantity = 1, unitPrice = 10 }, Ct), HttpStatusCode.BadRequest, "occurredAt");
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/vital-signs",
            new { takenAt = later, heartRate = 70 }, Ct), HttpStatusCode.BadRequest, "takenAt");
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/vital-signs",
            new { takenAt = Iso(DateTimeOffset.UtcNow.AddMinutes(10)), heartRate = 70 }, Ct), HttpStatusCode.BadRequest, "takenAt");
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries",
            new { type = "visit", occurredAt = "yesterday", doctorId = "dr-one", notes = "x" }, Ct), HttpStatusCode.BadRequest, "occurredAt");
        Assert.Equal(height, await EncounterRulesTests.HeightAsync(admin));

        // Within the allowed skew (5 minutes by default) clocks may differ.
        await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries",
            new { type = "visit", occurredAt = Iso(DateTimeOffset.UtcNow.AddMinutes(2)), doctorId = "dr-one", notes = "x" }, Ct));
        await EncounterRulesTests.Created<VitalSignsResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/vital-signs",
            new { takenAt = Iso(DateTimeOffset.UtcNow.AddMinutes(2)), heartRate = 70 }, Ct));
    }

    [Fact]
    public async Task Instants_are_answered_in_UTC_with_an_offset_and_local_times_are_read_in_the_hospitals_zone()
    {
        var (node, admin, id) = await SetUpAsync(o => o with { TimeZone = "Europe/Berlin", ClockSkew = TimeSpan.FromMinutes(2) });
        await using var _ = node;
        using (var withOffset = await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries",
            new { type = "visit", occurredAt = "2026-01-05T10:00+02:00", doctorId = "dr-one", notes = "x" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, withOffset.StatusCode);
            using var json = JsonDocument.Parse(await withOffset.Content.ReadAsStringAsync(Ct));
            Assert.Equal("2026-01-05T08:00:00+00:00", json.RootElement.GetProperty("occurredAt").GetString());
        }
        // Without an offset a time is the hospital's local time: 10:00 in Berlin in January is 09:00 UTC.
        var local = await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries",
            new { type = "visit", occurredAt = "2026-01-05T10:00", doctorId = "dr-one", notes = "x" }, Ct));
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), local.OccurredAt);
        Assert.Equal(TimeSpan.Zero, local.OccurredAt.Offset);
        var vitals = await EncounterRulesTests.Created<VitalSignsResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/vital-signs",
            new { takenAt = "2026-07-05T10:00", heartRate = 70 }, Ct));
        Assert.Equal(new DateTimeOffset(2026, 7, 5, 8, 0, 0, TimeSpan.Zero), vitals.TakenAt); // summer time
        // The configured skew applies.
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/vital-signs",
            new { takenAt = Iso(DateTimeOffset.UtcNow.AddMinutes(4)), heartRate = 70 }, Ct), HttpStatusCode.BadRequest, "takenAt");

        // The UI says which zone its times are in.
        var login = await node.Http.GetStringAsync("/login", Ct);
        Assert.Contains("data-testid=\"time-zone\">Europe/Berlin<", login);
    }

    [Fact]
    public async Task The_sharing_page_shows_when_a_doctor_started_caring_in_the_hospitals_zone_not_UTC()
    {
        var (node, admin, id) = await SetUpAsync(o => o with { TimeZone = "Europe/Berlin" });
        await using var _ = node;
        await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries",
            new { type = "visit", occurredAt = Iso(DateTimeOffset.UtcNow.AddMinutes(-1)), doctorId = "dr-one", notes = "x" }, Ct));
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var html = await browser.GetStringAsync($"/patients/{id}/access", Ct);
        // The care relationship starts with the visit's block (now). The table printed that instant in UTC (no zone named)
        // while the footer, and the grants' table above it, say times are in Europe/Berlin.
        var match = System.Text.RegularExpressions.Regex.Match(html, "data-testid=\"care-since\">([^<]+)<");
        Assert.True(match.Success, "no care row");
        var shown = DateTime.ParseExact(match.Groups[1].Value, "dd/MM/yyyy HH:mm", CultureInfo.GetCultureInfo("en-GB"));
        var berlinNow = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).DateTime;
        Assert.True(Math.Abs((berlinNow - shown).TotalMinutes) < 3, $"shown {shown:O}, Berlin now {berlinNow:O}");
    }

    [Fact]
    public async Task An_unknown_time_zone_stops_the_node_at_start()
    {
        using var folder = new Testing.TempDirectory();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeFixture.StartAsync(folder, configure: o => o with { TimeZone = "Mars/Olympus" }));
        Assert.Contains("Mars/Olympus", error.Message);
    }

    [Fact]
    public async Task A_grant_expiry_is_an_instant_a_local_time_or_the_end_of_a_local_day()
    {
        var (node, _, id, oneTime) = await SetUpWithLoginAsync(o => o with { TimeZone = "Europe/Berlin" });
        await using var _ = node;
        var patient = await node.FirstLoginAsync(id, oneTime);
        var path = $"/api/v1/patients/{id}/grants";
        await EncounterRulesTests.Created<WriteResponse>(await patient.PostAsJsonAsync(path, new { granteeKind = "doctor", granteeId = "dr-one", categories = new[] { "reports" }, expiresAt = "2099-12-31" }, Ct));
        await EncounterRulesTests.Created<WriteResponse>(await patient.PostAsJsonAsync(path, new { granteeKind = "doctor", granteeId = "dr-one", categories = new[] { "account" }, expiresAt = "2099-06-30T12:00" }, Ct));
        using var grants = JsonDocument.Parse(await patient.GetStringAsync(path, Ct));
        var expiries = grants.RootElement.EnumerateArray().Select(g => g.GetProperty("expiresAt").GetDateTimeOffset()).Order().ToList();
        Assert.Equal([new DateTimeOffset(2099, 6, 30, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2099, 12, 31, 22, 59, 59, TimeSpan.Zero)], expiries);
        await EncounterRulesTests.Refused(await patient.PostAsJsonAsync(path, new { granteeKind = "doctor", granteeId = "dr-one", categories = new[] { "all" }, expiresAt = "next week" }, Ct),
            HttpStatusCode.BadRequest, "expiresAt");
        await EncounterRulesTests.Refused(await patient.PostAsJsonAsync(path, new { granteeKind = "doctor", granteeId = "dr-one", categories = new[] { "all" }, expiresAt = "2020-01-01" }, Ct),
            HttpStatusCode.BadRequest, "expiresAt");
    }
}
