using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Tests.Encounters;
using HealthLedger.Node.Wards;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Wards;

/// <summary>Issue 12, item 2: hospitals keep a ward and bed list (on the chain); admissions and transfers take a free bed on it.</summary>
public class WardsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admins_keep_a_ward_list_and_entries_take_free_beds_on_it()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await EncounterRulesTests.Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", EncounterRulesTests.DoctorOne, Ct));
        var jane = await EncounterRulesTests.Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female" }, Ct));
        var john = await EncounterRulesTests.Created<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-2", fullName = "John Doe", dateOfBirth = "1970-01-01", gender = "male" }, Ct));
        Assert.Equal(0, (await admin.GetFromJsonAsync<WardOccupancyView>("/api/v1/wards", Ct))!.Version);

        var height = await EncounterRulesTests.HeightAsync(admin);
        await EncounterRulesTests.Refused(await admin.PutAsJsonAsync("/api/v1/wards", new { wards = new[] { new { name = "ICU", beds = new[] { "ICU-1", "icu-1" } } } }, Ct),
            HttpStatusCode.BadRequest, "wards[0].beds");
        await EncounterRulesTests.Refused(await admin.PutAsJsonAsync("/api/v1/wards", new { wards = new[] { new { name = "", beds = new[] { "1" } } } }, Ct),
            HttpStatusCode.BadRequest, "wards[0].name");
        Assert.Equal(height, await EncounterRulesTests.HeightAsync(admin));
        using (var saved = await admin.PutAsJsonAsync("/api/v1/wards", new { version = 0, wards = new[] { new { name = "ICU", beds = new[] { "ICU-1", "ICU-2" } }, new { name = "W1", beds = new[] { "1", "2" } } } }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            Assert.Equal(1, (await saved.Content.ReadFromJsonAsync<WardOccupancyView>(Ct))!.Version);
        }

        static object Admission(string ward, string bed) => new { type = "admission", occurredAt = "2026-01-05T10:00", doctorId = "dr-one", ward, bed, reason = "Pain" };
        height = await EncounterRulesTests.HeightAsync(admin);
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{jane.Id}/entries", Admission("W9", "1"), Ct), HttpStatusCode.BadRequest, "ward");
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{jane.Id}/entries", Admission("ICU", "ICU-9"), Ct), HttpStatusCode.BadRequest, "bed");
        Assert.Equal(height, await EncounterRulesTests.HeightAsync(admin));
        var admitted = await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{jane.Id}/entries", Admission("icu", "icu-1"), Ct));
        Assert.Equal(("ICU", "ICU-1"), (admitted.Ward, admitted.Bed)); // as listed
        await EncounterRulesTests.Refused(await admin.PostAsJsonAsync($"/api/v1/patients/{john.Id}/entries", Admission("ICU", "ICU-1"), Ct), HttpStatusCode.Conflict, "bed");
        await EncounterRulesTests.Created<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{john.Id}/entries", Admission("ICU", "ICU-2"), Ct));

        var wards = (await admin.GetFromJsonAsync<WardOccupancyView>("/api/v1/wards", Ct))!;
        Assert.Equal([true, true, false, false], wards.Wards.SelectMany(w => w.Beds).Select(b => b.Occupied));
        using var occupancy = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/statistics/occupancy", Ct));
        Assert.Equal(2, occupancy.RootElement[0].GetProperty("occupied").GetInt32());

        // A held bed cannot be removed; a stale version is a conflict; only admins manage the list.
        height = await EncounterRulesTests.HeightAsync(admin);
        await EncounterRulesTests.Refused(await admin.PutAsJsonAsync("/api/v1/wards", new { version = 1, wards = new[] { new { name = "ICU", beds = new[] { "ICU-2" } } } }, Ct), HttpStatusCode.Conflict, "wards");
        await EncounterRulesTests.Refused(await admin.PutAsJsonAsync("/api/v1/wards", new { version = 0, wards = new[] { new { name = "ICU", beds = new[] { "ICU-1", "ICU-2" } } } }, Ct), HttpStatusCode.Conflict, "version");
        Assert.Equal(height, await EncounterRulesTests.HeightAsync(admin));
        var doctorClient = await node.FirstLoginAsync("dr-one", doctor.OneTimePassword!);
        using (var denied = await doctorClient.GetAsync("/api/v1/wards", Ct)) Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        // The list survives a restart (it is on the chain, the names sealed for the organisation).
        await node.StopAsync();
        await using var again = await NodeFixture.StartAsync(node.Folder);
        var adminAgain = await again.LoginAsync("admin", NodeFixture.Password);
        Assert.Equal(["ICU", "W1"], (await adminAgain.GetFromJsonAsync<WardOccupancyView>("/api/v1/wards", Ct))!.Wards.Select(w => w.Name));
    }
}
