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

/// <summary>How a refusal at commit reads at the edge (RecordWriter.Refused).</summary>
public class CommitRefusalWordsTests
{
    // Break-it (2026-12-07): two changes made from the same version of a record (two report amendments, two edits at once) both
    // became "version 2"; the second was refused as "The ledger refused: version 2 does not follow the current version 2."
    // Core's receipt text stays (receipts are hashed into blocks); the edge says what happened and names the version.
    [Theory]
    [InlineData("version 2 does not follow the current version 2", "2")]
    [InlineData("version 5 does not follow the current version 7", "7")]
    public void A_new_version_that_lost_a_race_is_a_409_naming_version_and_the_current_one(string reason, string current)
    {
        var outcome = RecordWriter.Refused(new Core.Ledger.TxResult(Core.Ledger.TxVerdict.Conflict, reason), null);
        Assert.Equal(OutcomeKind.Conflict, outcome.Kind);
        Assert.Equal($"Changed meanwhile: it is at version {current} now.", Assert.Single(outcome.Errors!.ToDictionary()["version"]));
        Assert.StartsWith($"Someone else changed this record at the same moment (it is at version {current} now)", outcome.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("does not follow", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_conflict_keeps_the_ledgers_reason_and_its_field()
    {
        var outcome = RecordWriter.Refused(new Core.Ledger.TxResult(Core.Ledger.TxVerdict.Conflict, "bed: bed 4 is occupied"), null);
        Assert.Equal("The ledger refused: bed: bed 4 is occupied.", outcome.Message);
        Assert.True(outcome.Errors!.ToDictionary().ContainsKey("bed"));
    }
}
