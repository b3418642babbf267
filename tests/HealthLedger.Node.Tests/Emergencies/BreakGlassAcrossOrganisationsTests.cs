using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using static HealthLedger.Node.Tests.ApiResponses;

namespace HealthLedger.Node.Tests.Emergencies;

/// <summary>
/// Break-glass outside an emergency by a doctor of another member organisation, with four hospitals' nodes in the test process
/// (so the chain goes on while the custodian's node is down): a St Mary doctor breaks the glass for an unconscious General
/// Hospital patient while General's node is stopped — the access commits, the summary is a 409 until General's node has
/// released the keys; General's node comes back, catches up and wraps the patient's category keys for the doctor's own key
/// (kind 30); the doctor reads the summary at St Mary's node; the patient sees the access and the disclosure at General; a
/// General doctor's own break-glass reads with the organisation's key and gets no wraps. While the access is in force a new
/// report stays under the epoch the doctor holds; after it has expired the next report opens a new epoch.
/// </summary>
public sealed class BreakGlassAcrossOrganisationsTests : InProcessNodes
{
    [Fact]
    public async Task A_doctor_of_another_organisation_reads_the_summary_with_keys_the_custodians_node_wraps_for_them_and_later_records_are_closed_to_them()
    {
        var clock = new OffsetClock();
        var init = FoundHospitals("General Hospital", "St Mary Hospital", "City Hospital", "Park Hospital");
        var general = await StartAsync(init.Organisations[0].Folder, clock);
        var stMary = await StartAsync(init.Organisations[1].Folder, clock);
        foreach (var other in init.Organisations.Skip(2)) await StartAsync(other.Folder, clock);
        using var generalAdmin = await InProcessNode.LoginAsync(general, init.Organisations[0].AdminUser, NodeFixture.Password, Ct);
        using var stMaryAdmin = await InProcessNode.LoginAsync(stMary, init.Organisations[1].AdminUser, NodeFixture.Password, Ct);

        // General Hospital: a patient, a doctor who saw them and prescribed (reports, epoch 1); St Mary: a doctor.
        var registered = await Read<WriteResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/patients", new
        {
            mrn = "GH-2002",
            fullName = "Una Conscious",
            dateOfBirth = "1975-06-07",
            gender = "female",
            bloodGroup = "AB+",
            allergies = "Latex",
            conditions = new[] { "Epilepsy" },
            emergencyContact = "Vic Conscious +44 20 7946 0001",
        }, Ct));
        var patientId = registered.Id;
        var gus = await Read<WriteResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-gh", name = "Gus House", specialty = "Neurology", department = "ER", licenceNumber = "GH-L2" }, Ct));
        await Read<System.Text.Json.JsonElement>(await generalAdmin.PostAsJsonAsync($"/api/v1/patients/{patientId}/entries",
            new { type = "visit", occurredAt = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture), doctorId = "dr-gh", notes = "check-up" }, Ct));
        var sam = await Read<WriteResponse>(await stMaryAdmin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-stmary", name = "Sam St Mary", specialty = "Emergency", department = "ER", licenceNumber = "S3" }, Ct));
        using (var prescriber = await FirstLoginAsync(general, "dr-gh", gus.OneTimePassword!))
        {
            await PrescribeAsync(prescriber, patientId, "Levetiracetam");
            await MedicationTests.PrescribeFromFormularyAsync(generalAdmin, prescriber, patientId);
        }
        await InProcessNode.WaitAsync("St Mary's node has the patient and General's the doctor",
            () => Node(stMary).GetState(StateKeys.Patient(patientId)) is not null && Node(general).GetState(StateKeys.User("dr-stmary")) is not null
                && CategoryKeyState.CurrentEpoch(new NodeStateReader(Node(stMary)), patientId, ConsentCategories.Reports) == 1
                && CategoryKeyState.CurrentEpoch(new NodeStateReader(Node(stMary)), patientId, ConsentCategories.Medication) == 1, Ct);
        (await FirstLoginAsync(general, patientId, registered.OneTimePassword!)).Dispose();
        using var doctor = await FirstLoginAsync(stMary, "dr-stmary", sam.OneTimePassword!);

        // General's node is down; the St Mary doctor breaks the glass (the other three nodes commit it) for the summary and medication.
        await InProcessNode.StopAsync(general, Ct);
        Running.Remove(general);
        await Problem(await doctor.GetAsync($"/api/v1/patients/{patientId}/emergency-summary", Ct), HttpStatusCode.Forbidden); // nothing before the access
        var access = await Read<BreakGlassResponse>(await doctor.PostAsJsonAsync($"/api/v1/patients/{patientId}/break-glass",
            new { reason = "unconscious", justification = "Brought in seizing and unconscious; no relatives present", categories = new[] { "demographics", "medication", "reports" } }, Ct));
        Assert.Equal(("dr-stmary", "st-mary-hospital", "general-hospital", (string?)null, true), (access.ActorId, access.ActorOrganisationId, access.CustodianId, access.EmergencyId, access.Active));
        var pending = await Problem(await doctor.GetAsync($"/api/v1/patients/{patientId}/emergency-summary", Ct), HttpStatusCode.Conflict);
        Assert.Contains("has not released the keys yet", pending.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(Node(stMary).ScanState(BreakGlassKey.Prefix(patientId, access.AccessId)));

        // General's node comes back, catches up, and wraps the three category keys for the doctor's own key (not St Mary's).
        general = await StartAsync(init.Organisations[0].Folder, clock);
        await InProcessNode.WaitAsync("the break-glass keys reach St Mary's node", () => Node(stMary).ScanState(BreakGlassKey.Prefix(patientId, access.AccessId)).Count == 3, Ct);
        var doctorKey = UserRecord.TryDecode(Node(stMary).GetState(StateKeys.User("dr-stmary"))!)!.EncryptionKey;
        var released = BreakGlassKey.Get(new NodeStateReader(Node(stMary)), patientId, access.AccessId, ConsentCategories.Demographics, 1)!;
        Assert.Equal(doctorKey, released.Envelope.Recipient);

        // The doctor reads the summary at St Mary's node, opened with their session key.
        var summary = await Read<EmergencySummary>(await doctor.GetAsync($"/api/v1/patients/{patientId}/emergency-summary", Ct));
        Assert.Equal(("Una Conscious", "AB+", "Latex", "Vic Conscious +44 20 7946 0001", access.AccessId), (summary.FullName, summary.BloodGroup, summary.Allergies, summary.EmergencyContact, summary.AccessId));
        Assert.Equal(["Epilepsy"], summary.Conditions);
        Assert.Equal([MedicationTests.Prednisolone, "Levetiracetam 500 mg oral twice daily, for 3 months"], summary.CurrentMedication);

        // The patient sees the access (justification opened with their key) and the disclosure, at General's node.
        using (var patient = await InProcessNode.LoginAsync(general, patientId, NodeFixture.ChosenPassword, Ct))
        {
            await InProcessNode.WaitAsync("General's node has the access", () => Node(general).GetState(BreakGlassState.Key(patientId, access.AccessId)) is not null, Ct);
            var seen = Assert.Single((await patient.GetFromJsonAsync<List<BreakGlassResponse>>($"/api/v1/patients/{patientId}/break-glass", Ct))!);
            Assert.Equal((access.AccessId, "dr-stmary", "st-mary-hospital", "Brought in seizing and unconscious; no relatives present"), (seen.AccessId, seen.ActorId, seen.ActorOrganisationId, seen.Justification));
            var read = await DisclosedAsync(patient, patientId);
            Assert.Equal(("dr-stmary", "doctor", "emergency summary", "break-glass " + access.AccessId), (read.ActorId, read.ActorRole, read.Resource, read.Purpose));
        }

        // A doctor of the custodian breaks the glass too: read with General's own key, nothing wrapped for them.
        using (var own = await InProcessNode.LoginAsync(general, "dr-gh", NodeFixture.ChosenPassword, Ct))
        {
            var ownAccess = await Read<BreakGlassResponse>(await own.PostAsJsonAsync($"/api/v1/patients/{patientId}/break-glass",
                new { reason = "unconscious", justification = "Seizure in the waiting room, unresponsive" }, Ct));
            Assert.Equal("AB+", (await Read<EmergencySummary>(await own.GetAsync($"/api/v1/patients/{patientId}/emergency-summary", Ct))).BloodGroup);
            Assert.Empty(Node(general).ScanState(BreakGlassKey.Prefix(patientId, ownAccess.AccessId)));

            // While the St Mary access is in force, a new report stays under the reports epoch the doctor holds.
            await PrescribeAsync(own, patientId, "Diazepam");
            Assert.Equal(1, CategoryKeyState.CurrentEpoch(new NodeStateReader(Node(general)), patientId, ConsentCategories.Reports));
        }

        // 13 hours later the access has expired: the doctor is refused, and the next report opens a new epoch without them.
        clock.Advance(TimeSpan.FromHours(13));
        using (var doctorAgain = await InProcessNode.LoginAsync(stMary, "dr-stmary", NodeFixture.ChosenPassword, Ct))
        {
            await Problem(await doctorAgain.GetAsync($"/api/v1/patients/{patientId}/emergency-summary", Ct), HttpStatusCode.Forbidden);
        }
        using (var own = await InProcessNode.LoginAsync(general, "dr-gh", NodeFixture.ChosenPassword, Ct))
        {
            await PrescribeAsync(own, patientId, "Lamotrigine");
        }
        var state = new NodeStateReader(Node(general));
        Assert.Equal(2, CategoryKeyState.CurrentEpoch(state, patientId, ConsentCategories.Reports));
        Assert.DoesNotContain(CategoryKeyState.Get(state, patientId, ConsentCategories.Reports, 2)!.Readers, r => r.Envelope.Recipient == doctorKey);
        Assert.Null(BreakGlassKey.Get(state, patientId, access.AccessId, ConsentCategories.Reports, 2));
    }

    private static async Task PrescribeAsync(HttpClient doctor, string patientId, string drug)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent($$"""{"type":"prescription","title":"{{drug}}","drug":"{{drug}}","dose":"500 mg","route":"oral","frequency":"twice daily","duration":"3 months"}"""), "metadata" },
        };
        using var prescribed = await doctor.PostAsync($"/api/v1/patients/{patientId}/reports", form, Ct);
        Assert.True(prescribed.IsSuccessStatusCode, await prescribed.Content.ReadAsStringAsync(Ct));
    }

    // Polls the patient's disclosures (for up to a minute) until the break-glass read has committed.
    private static async Task<DisclosureResponse> DisclosedAsync(HttpClient patient, string patientId)
    {
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        while (true)
        {
            var disclosures = (await patient.GetFromJsonAsync<List<DisclosureResponse>>($"/api/v1/patients/{patientId}/disclosures", Ct))!;
            if (disclosures.FirstOrDefault(d => d.Outcome == "allowed" && d.Purpose.StartsWith("break-glass", StringComparison.Ordinal)) is { } read) return read;
            if (DateTimeOffset.UtcNow > deadline) Assert.Fail("The break-glass read was not disclosed to the patient within a minute: " + string.Join("; ", disclosures.Select(d => d.Purpose)));
            await Task.Delay(100, Ct);
        }
    }
}
