using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Encounters;

/// <summary>
/// Issue 12, items 1–3 at the door: corrections of superseded versions, the encounter lifecycle and beds. Each refusal is an
/// RFC 9457 problem naming the field, and the chain does not move.
/// </summary>
public class EncounterRulesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Admin, string Jane, string John) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        await Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", DoctorOne, Ct));
        var jane = await Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", Patient("MRN-1", "Jane Roe"), Ct));
        var john = await Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", Patient("MRN-2", "John Doe"), Ct));
        return new World(node, admin, jane.Id, john.Id);
    }

    /// <summary>The registration of doctor dr-one.</summary>
    internal static readonly object DoctorOne =
        new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Cardiology", licenceNumber = "L-1", phone = "+44 20 1234 5678", onCall = true };

    private static object Patient(string mrn, string name) =>
        new { mrn, fullName = name, dateOfBirth = "1980-02-29", gender = "female", phone = "+1 555 0100", email = "x@example.org", conditions = new[] { "Asthma" } };

    private static object Admission(string at, string ward, string bed) => new { type = "admission", occurredAt = at, doctorId = "dr-one", ward, bed, reason = "Chest pain" };

    private static object Transfer(string at, string ward, string bed) => new { type = "transfer", occurredAt = at, ward, bed };

    private static object Discharge(string at) => new { type = "discharge", occurredAt = at, summary = "Home." };

    internal static async Task<T> Created<T>(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
            return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
        }
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> whose errors name <paramref name="field"/>; returns its first message.</summary>
    internal static async Task<string> Refused(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == status, body);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out var messages), body);
            return messages[0].GetString()!;
        }
    }

    internal static async Task<ulong> HeightAsync(HttpClient client) => (await client.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;

    private static Task<HttpResponseMessage> Entry(World w, string patient, object body) => w.Admin.PostAsJsonAsync($"/api/v1/patients/{patient}/entries", body, Ct);

    [Fact]
    public async Task A_second_correction_of_the_same_charge_is_409_naming_correctsId()
    {
        await using var w = await SetUpAsync();
        var charge = await Created<EntryResponse>(await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.Jane}/account/charges",
            new { occurredAt = "2026-01-05T11:00", service = "MRI scan", quantity = 1, unitPrice = 100 }, Ct));
        var correction = new { occurredAt = "2026-01-05T11:00", service = "MRI scan", quantity = 1, unitPrice = 80, correctsId = charge.Id };
        var first = await Created<EntryResponse>(await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.Jane}/account/charges", correction, Ct));
        var height = await HeightAsync(w.Admin);
        var message = await Refused(await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.Jane}/account/charges", correction, Ct), HttpStatusCode.Conflict, "correctsId");
        Assert.Contains(first.Id, message);
        Assert.Equal(height, await HeightAsync(w.Admin));
        var account = await w.Admin.GetFromJsonAsync<AccountResponse>($"/api/v1/patients/{w.Jane}/account", Ct);
        Assert.Equal(80m, account!.Charges);

        // The current version can be corrected; the same rule holds for encounters.
        await Created<EntryResponse>(await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.Jane}/account/charges", correction with { correctsId = first.Id }, Ct));
        var visit = await Created<EntryResponse>(await Entry(w, w.Jane, new { type = "visit", occurredAt = "2026-01-05T10:00", doctorId = "dr-one", notes = "Seen." }));
        var fix = new { type = "visit", occurredAt = "2026-01-05T10:00", doctorId = "dr-one", notes = "Seen, stable.", correctsId = visit.Id };
        await Created<EntryResponse>(await Entry(w, w.Jane, fix));
        await Refused(await Entry(w, w.Jane, fix), HttpStatusCode.Conflict, "correctsId");
    }

    [Fact]
    public async Task Encounters_follow_admission_transfers_discharge_in_time_order()
    {
        await using var w = await SetUpAsync();
        var height = await HeightAsync(w.Admin);
        Assert.Contains("not admitted", await Refused(await Entry(w, w.Jane, Discharge("2026-01-04T10:00")), HttpStatusCode.Conflict, "type"));
        await Refused(await Entry(w, w.Jane, Transfer("2026-01-04T10:00", "W1", "4")), HttpStatusCode.Conflict, "type");
        Assert.Equal(height, await HeightAsync(w.Admin));

        await Created<EntryResponse>(await Entry(w, w.Jane, Admission("2026-01-05T10:00", "W1", "3")));
        await Refused(await Entry(w, w.Jane, Admission("2026-01-05T12:00", "W1", "5")), HttpStatusCode.Conflict, "type");
        // Issue 12, case 3: a discharge dated before its admission.
        height = await HeightAsync(w.Admin);
        await Refused(await Entry(w, w.Jane, Discharge("2026-01-04T10:00")), HttpStatusCode.Conflict, "occurredAt");
        await Refused(await Entry(w, w.Jane, Transfer("2026-01-05T09:59", "W2", "1")), HttpStatusCode.Conflict, "occurredAt");
        Assert.Equal(height, await HeightAsync(w.Admin));
        await Created<EntryResponse>(await Entry(w, w.Jane, Transfer("2026-01-06T10:00", "W2", "1")));
        await Created<EntryResponse>(await Entry(w, w.Jane, Discharge("2026-01-06T10:00")));    // the same instant is in order
        // A second discharge and a transfer after discharge.
        height = await HeightAsync(w.Admin);
        Assert.Contains("discharged", await Refused(await Entry(w, w.Jane, Discharge("2026-01-07T10:00")), HttpStatusCode.Conflict, "type"));
        await Refused(await Entry(w, w.Jane, Transfer("2026-01-07T10:00", "W1", "3")), HttpStatusCode.Conflict, "type");
        Assert.Equal(height, await HeightAsync(w.Admin));

        // Occupancy shows nobody in a bed; a new stay may begin.
        using var occupancy = JsonDocument.Parse(await w.Admin.GetStringAsync("/api/v1/statistics/occupancy", Ct));
        Assert.Equal(0, occupancy.RootElement.GetArrayLength());
        await Created<EntryResponse>(await Entry(w, w.Jane, Admission("2026-02-01T10:00", "W1", "3")));
    }

    [Fact]
    public async Task A_bed_holds_one_patient_until_discharge_or_transfer_out()
    {
        await using var w = await SetUpAsync();
        await Created<EntryResponse>(await Entry(w, w.Jane, Admission("2026-01-05T10:00", "ICU", "ICU-1")));
        // Issue 12, case 2: a second patient admitted into ICU-1 while the first is still there.
        var height = await HeightAsync(w.Admin);
        Assert.Contains("occupied", await Refused(await Entry(w, w.John, Admission("2026-01-05T11:00", "ICU", "ICU-1")), HttpStatusCode.Conflict, "bed"));
        Assert.Equal(height, await HeightAsync(w.Admin));
        await Created<EntryResponse>(await Entry(w, w.John, Admission("2026-01-05T11:00", "ICU", "ICU-2")));
        await Refused(await Entry(w, w.John, Transfer("2026-01-05T12:00", "ICU", "ICU-1")), HttpStatusCode.Conflict, "bed");
        await Created<EntryResponse>(await Entry(w, w.Jane, Transfer("2026-01-06T10:00", "W1", "7")));
        await Created<EntryResponse>(await Entry(w, w.John, Transfer("2026-01-06T11:00", "ICU", "ICU-1")));

        using var occupancy = JsonDocument.Parse(await w.Admin.GetStringAsync("/api/v1/statistics/occupancy", Ct));
        var wards = occupancy.RootElement.EnumerateArray().ToDictionary(x => x.GetProperty("ward").GetString()!, x => x.GetProperty("occupied").GetInt32());
        Assert.Equal(new Dictionary<string, int> { ["ICU"] = 1, ["W1"] = 1 }, wards);
    }
}
