using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>
/// A grant lets a doctor read, not write: writes the state machine would refuse are refused at the door (403) and write
/// nothing, for every kind a doctor may otherwise write.
/// </summary>
public class WriteRefusalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> DoctorWrites => new()
    {
        { "/entries", """{"type":"visit","occurredAt":"2026-01-03T09:00","doctorId":"dr-g","notes":"Review"}""" },
        { "/vital-signs", """{"takenAt":"2026-01-03T09:00","heartRate":80}""" },
    };

    [Theory]
    [MemberData(nameof(DoctorWrites))]
    public async Task A_doctor_holding_a_grant_but_not_attending_is_refused_at_the_door_and_nothing_is_written(string path, string body)
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-g", name = "Gus G", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-G1", fullName = "Pat G", dateOfBirth = "1970-01-01", gender = "male" }, Ct));
        var patientClient = await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!);
        (await patientClient.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/grants", new { granteeKind = "doctor", granteeId = "dr-g", categories = new[] { "all" } }, Ct)).EnsureSuccessStatusCode();
        var grantee = await node.FirstLoginAsync("dr-g", doctor.OneTimePassword!);
        (await grantee.GetAsync($"/api/v1/patients/{patient.Id}/entries", Ct)).EnsureSuccessStatusCode(); // the grant lets them read

        var recorder = node.App.Services.GetRequiredService<DisclosureRecorder>();
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        await recorder.FlushAsync(Ct);
        var height = ledger.Tip.Height;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await grantee.PostAsync($"/api/v1/patients/{patient.Id}{path}", content, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await recorder.FlushAsync(Ct);
        Assert.Equal(height, ledger.Tip.Height);
    }
}
