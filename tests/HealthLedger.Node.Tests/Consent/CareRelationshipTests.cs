using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Model;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Consent;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Web;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Consent;

/// <summary>Issue 12 item 7: attending access is a care relationship with a start and an end, visible to the patient and revocable.</summary>
public class CareRelationshipTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient DoctorA, HttpClient DoctorB, HttpClient Patient, string PatientId, OffsetClock Clock)
        : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();

        public async Task EntryAsync(object entry) => await Read<EntryResponse>(await Admin.PostAsJsonAsync($"/api/v1/patients/{PatientId}/entries", entry, Ct));

        public async Task<ulong> HeightAsync() => (await Node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;
    }

    private static async Task<World> SetUpAsync()
    {
        var clock = new OffsetClock();
        var node = await NodeFixture.StartAsync(clock: clock);
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var a = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-a", name = "Ada A", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var b = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-b", name = "Ben B", specialty = "Surgery", department = "Theatre", licenceNumber = "L2" }, Ct));
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-K1", fullName = "Kim Care", dateOfBirth = "1980-01-01", gender = "female" }, Ct));
        return new World(node, admin, await node.FirstLoginAsync("dr-a", a.OneTimePassword!), await node.FirstLoginAsync("dr-b", b.OneTimePassword!),
            await node.FirstLoginAsync(p.Id, p.OneTimePassword!), p.Id, clock);
    }

    private static object Visit(string doctorId, string at = "2026-01-03T10:00") => new { type = "visit", occurredAt = at, doctorId, notes = "Seen." };

    [Fact]
    public async Task A_doctor_named_on_a_discharge_or_transfer_does_not_get_lasting_access()
    {
        await using var w = await SetUpAsync();
        await w.EntryAsync(new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-a", ward = "W1", bed = "1", reason = "Fall" });
        // The case: naming dr-b on the discharge gave dr-b permanent access to everything.
        await w.EntryAsync(new { type = "discharge", occurredAt = "2026-01-04T10:00", doctorId = "dr-b", summary = "Home." });
        await Problem(await w.DoctorB.GetAsync($"/api/v1/patients/{w.PatientId}", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.DoctorB.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/entries", Visit("dr-b"), Ct), HttpStatusCode.Forbidden);

        // dr-a keeps access for the grace period after the discharge, then not (at the door, by the clock).
        Assert.Equal(HttpStatusCode.OK, (await w.DoctorA.GetAsync($"/api/v1/patients/{w.PatientId}/report", Ct)).StatusCode);
        w.Clock.Advance(TimeSpan.FromMilliseconds(NetworkPolicy.Default.CareAfterDischarge) + TimeSpan.FromMinutes(1));
        var doctorA = await w.Node.LoginAsync("dr-a", NodeFixture.ChosenPassword); // sessions do not last a week
        await Problem(await doctorA.GetAsync($"/api/v1/patients/{w.PatientId}/report", Ct), HttpStatusCode.Forbidden);
        Assert.Empty((await doctorA.GetFromJsonAsync<PageResponse<Node.Patients.PatientResponse>>("/api/v1/patients", Ct))!.Items);

        var patient = await w.Node.LoginAsync(w.PatientId, NodeFixture.ChosenPassword);
        var care = await patient.GetFromJsonAsync<List<CareResponse>>($"/api/v1/patients/{w.PatientId}/care-relationships", Ct);
        var a = Assert.Single(care!);
        Assert.Equal(("dr-a", false, false, false), (a.DoctorId, a.Admitted, a.Active, a.Revocable));
        Assert.NotNull(a.Until);
    }

    [Fact]
    public async Task The_patient_sees_care_relationships_and_ends_one_except_while_admitted_under_that_doctor()
    {
        await using var w = await SetUpAsync();
        await w.EntryAsync(new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-a", ward = "W1", bed = "1", reason = "Fall" });
        await w.EntryAsync(Visit("dr-b"));

        var care = (await w.Patient.GetFromJsonAsync<List<CareResponse>>($"/api/v1/patients/{w.PatientId}/care-relationships", Ct))!;
        Assert.Equal(2, care.Count);
        var a = care.Single(c => c.DoctorId == "dr-a");
        Assert.Equal((true, true, false, (DateTimeOffset?)null), (a.Admitted, a.Active, a.Revocable, a.Until));
        var b = care.Single(c => c.DoctorId == "dr-b");
        Assert.Equal((false, true, true), (b.Admitted, b.Active, b.Revocable));
        Assert.Equal(TimeSpan.FromMilliseconds(NetworkPolicy.Default.CareAfterVisit), b.Until - b.Since);
        Assert.Equal(2, (await w.Admin.GetFromJsonAsync<List<CareResponse>>($"/api/v1/patients/{w.PatientId}/care-relationships", Ct))!.Count);
        await Problem(await w.DoctorA.GetAsync($"/api/v1/patients/{w.PatientId}/care-relationships", Ct), HttpStatusCode.Forbidden);

        // While admitted under dr-a the patient cannot end it; nothing is written.
        var before = await w.HeightAsync();
        var refused = await Problem(await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/care-relationships/dr-a", Ct), HttpStatusCode.BadRequest);
        Assert.True(refused.GetProperty("errors").TryGetProperty("doctorId", out _));
        await Problem(await w.Admin.DeleteAsync($"/api/v1/patients/{w.PatientId}/care-relationships/dr-b", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/care-relationships/dr-nobody", Ct), HttpStatusCode.NotFound);
        Assert.Equal(before, await w.HeightAsync());

        // dr-b's visit relationship ends at once; dr-a still cares and adds visits while caring.
        using (var end = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/care-relationships/dr-b", Ct)) Assert.Equal(HttpStatusCode.NoContent, end.StatusCode);
        await Problem(await w.DoctorB.GetAsync($"/api/v1/patients/{w.PatientId}", Ct), HttpStatusCode.Forbidden);
        await Read<EntryResponse>(await w.DoctorA.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/entries", Visit("dr-a"), Ct));

        // After the discharge the patient may end dr-a's too, before the grace period is over.
        await w.EntryAsync(new { type = "discharge", occurredAt = "2026-01-05T10:00", summary = "Home." });
        Assert.Equal(HttpStatusCode.OK, (await w.DoctorA.GetAsync($"/api/v1/patients/{w.PatientId}", Ct)).StatusCode);
        using (var end = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/care-relationships/dr-a", Ct)) Assert.Equal(HttpStatusCode.NoContent, end.StatusCode);
        await Problem(await w.DoctorA.GetAsync($"/api/v1/patients/{w.PatientId}", Ct), HttpStatusCode.Forbidden);
        await Problem(await w.DoctorA.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/entries", Visit("dr-a", "2026-01-06T10:00"), Ct), HttpStatusCode.Forbidden);
        await Problem(await w.DoctorA.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/vital-signs",
            new { takenAt = "2026-01-06T10:00", temperatureCelsius = 37.0m }, Ct), HttpStatusCode.Forbidden);
        var again = (await w.Patient.GetFromJsonAsync<List<CareResponse>>($"/api/v1/patients/{w.PatientId}/care-relationships", Ct))!;
        Assert.All(again, c => Assert.False(c.Active));
        Assert.All(again, c => Assert.NotNull(c.EndedAt));
    }
}
