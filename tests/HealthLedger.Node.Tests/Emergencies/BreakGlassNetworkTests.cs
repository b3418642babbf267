using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Records;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.ApiResponses;

namespace HealthLedger.Node.Tests.Emergencies;

/// <summary>
/// The emergency drill with real nodes in the test process: General Hospital declares an earthquake for its patients
/// admitting Red Cross, whose join request is approved with the declaration; Red Cross's node syncs; General's node wraps
/// its patients' emergency keys for Red Cross; a Red Cross medic finds the patient by MRN, is refused without a
/// justification, breaks the glass with one, and — with General's node stopped — reads the emergency summary at Red
/// Cross's node; General comes back, the patient sees the break-glass access and the disclosure, and General's review
/// queue lists it.
/// </summary>
public sealed class BreakGlassNetworkTests : InProcessNodes
{
    [Fact]
    public async Task A_rescuer_admitted_with_the_declaration_reads_the_emergency_summary_at_its_own_node_while_the_custodian_is_down()
    {
        var layout = new ClusterLayout(1, Ports.FreeClusterBlock());
        var generalFolder = Dir.Combine("general", ClusterLayout.FolderOf(1));
        NetworkInitializer.Init(Dir.Combine("general"), "General Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        var general = await StartAsync(generalFolder);
        using var admin = await LoginAsync(general, "admin", NodeFixture.Password);

        // A patient of General Hospital (the patient's login replaces its one-time password).
        var registered = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new
        {
            mrn = "GH-1001",
            fullName = "Ada Quake",
            dateOfBirth = "1980-02-03",
            gender = "female",
            bloodGroup = "O-",
            allergies = "Penicillin",
            conditions = new[] { "Asthma" },
            emergencyContact = "Ben Quake +44 20 7946 0000",
        }, Ct));
        var patientId = registered.Id;
        using (var first = await LoginAsync(general, patientId, registered.OneTimePassword!))
        {
            using var changed = await first.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = registered.OneTimePassword, newPassword = NodeFixture.ChosenPassword }, Ct);
            Assert.True(changed.IsSuccessStatusCode);
        }

        // A General doctor who saw the patient prescribes (current medication, in the reports category).
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-gh", name = "Gus House", specialty = "Medicine", department = "ER", licenceNumber = "GH-L1" }, Ct));
        using (var visit = await admin.PostAsJsonAsync($"/api/v1/patients/{patientId}/entries",
            new { type = "visit", occurredAt = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture), doctorId = "dr-gh", notes = "check-up" }, Ct))
        {
            Assert.True(visit.IsSuccessStatusCode, await visit.Content.ReadAsStringAsync(Ct));
        }
        using (var prescriber = await LoginAsync(general, "dr-gh", doctor.OneTimePassword!))
        {
            using var changed = await prescriber.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = doctor.OneTimePassword, newPassword = NodeFixture.ChosenPassword }, Ct);
            Assert.True(changed.IsSuccessStatusCode);
            using var form = new MultipartFormDataContent
            {
                { new StringContent("""{"type":"prescription","title":"Inhaler","drug":"Salbutamol","dose":"100 mcg","route":"inhaled","frequency":"as needed","duration":"3 months"}"""), "metadata" },
            };
            using var prescribed = await prescriber.PostAsync($"/api/v1/patients/{patientId}/reports", form, Ct);
            Assert.True(prescribed.IsSuccessStatusCode, await prescribed.Content.ReadAsStringAsync(Ct));
            // And a structured prescription of the pharmacy's formulary (the medication category).
            await MedicationTests.PrescribeFromFormularyAsync(admin, prescriber, patientId);
        }

        // Red Cross's join request travels with the declaration; with one active organisation, General's approval is enough.
        var redCrossFolder = Dir.Combine("red-cross");
        var made = JoinRequestMaker.Make(redCrossFolder, "Red Cross", "rescuer", $"http://127.0.0.1:{Ports.Free()}", contact: "ops@redcross.example",
            adminPassword: NodeFixture.ChosenPassword, argon: Argon2Parameters.TestOnly);
        var joining = NodeJoiner.JoinAsync(redCrossFolder, null, layout.PeerAddress(1), null, "http://127.0.0.1:0", Ct, waitForAdmission: TimeSpan.FromMinutes(2));
        var bad = await Problem(await admin.PostAsJsonAsync("/api/v1/emergencies", new { title = "Earthquake", scope = Array.Empty<string>(), endsAt = DateTimeOffset.UtcNow.AddHours(-1) }, Ct), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("scope", out _));
        Assert.True(bad.GetProperty("errors").TryGetProperty("endsAt", out _));
        var proposal = await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/emergencies", new
        {
            id = "quake",
            title = "Earthquake",
            scope = new[] { "general-hospital" },
            newRescuers = new[] { made.Request },
            categories = new[] { "demographics", "medication", "reports" },
            endsAt = DateTimeOffset.UtcNow.AddHours(48),
        }, Ct));
        Assert.Equal("executed", proposal.Status);
        var emergencies = (await admin.GetFromJsonAsync<List<EmergencyResponse>>("/api/v1/emergencies", Ct))!;
        Assert.Equal(("quake", true), (emergencies[0].Id, emergencies[0].Active));
        Assert.Equal(["red-cross"], emergencies[0].Rescuers);
        await joining.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var redCross = await StartAsync(redCrossFolder);
        await InProcessNode.WaitAsync("Red Cross's node syncs", () => Node(redCross).NodeId == made.Request.Node!.Id && Node(redCross).Tip.Height >= Node(general).Tip.Height, Ct);

        // General's node wraps the patient's demographics, medication and reports keys and its MRN lookup key for Red Cross, on its own.
        await InProcessNode.WaitAsync("the emergency keys reach Red Cross's node", () =>
            Node(redCross).ScanState(EmergencyKey.Prefix("quake", "red-cross", patientId)).Count == 3
            && Node(redCross).GetState(EmergencyKey.LookupKey("quake", "red-cross", "general-hospital")) is not null, Ct);

        // Red Cross registers a medic, who logs in at Red Cross's node.
        using var redCrossAdmin = await LoginAsync(redCross, made.AdminUser, NodeFixture.ChosenPassword);
        var rescuer = await Read<RescuerResponse>(await redCrossAdmin.PostAsJsonAsync("/api/v1/emergencies/rescuers", new { userId = "medic-1" }, Ct));
        using var medic = await LoginAsync(redCross, "medic-1", rescuer.OneTimePassword);
        using (var changed = await medic.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = rescuer.OneTimePassword, newPassword = NodeFixture.ChosenPassword }, Ct))
        {
            Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync(Ct));
        }

        // Finds the patient by MRN (exact, through General's blind index), is refused without a justification, then breaks the glass.
        var match = await Read<PatientMatch>(await medic.GetAsync("/api/v1/emergencies/patients?mrn=gh-1001&organisationId=general-hospital", Ct));
        Assert.Equal(patientId, match.PatientId);
        await Problem(await medic.GetAsync("/api/v1/emergencies/patients?mrn=GH-9999&organisationId=general-hospital", Ct), HttpStatusCode.NotFound);
        await Problem(await medic.GetAsync($"/api/v1/patients/{patientId}/emergency-summary", Ct), HttpStatusCode.Forbidden);
        var noWhy = await Problem(await medic.PostAsJsonAsync($"/api/v1/patients/{patientId}/break-glass", new { emergencyId = "quake", reason = "unconscious", justification = "" }, Ct), HttpStatusCode.BadRequest);
        Assert.True(noWhy.GetProperty("errors").TryGetProperty("justification", out _));
        var beyond = await Problem(await medic.PostAsJsonAsync($"/api/v1/patients/{patientId}/break-glass",
            new { emergencyId = "quake", reason = "unconscious", justification = "Found unconscious under rubble", categories = new[] { "encounters" } }, Ct), HttpStatusCode.BadRequest);
        Assert.True(beyond.GetProperty("errors").TryGetProperty("categories", out _));
        var access = await Read<BreakGlassResponse>(await medic.PostAsJsonAsync($"/api/v1/patients/{patientId}/break-glass",
            new { emergencyId = "quake", reason = "unconscious", justification = "Found unconscious under rubble, needs surgery", categories = new[] { "demographics", "medication", "reports" } }, Ct));
        Assert.True(access.Active);
        Assert.Equal(("medic-1", "red-cross", "quake"), (access.ActorId, access.ActorOrganisationId, access.EmergencyId));

        // A doctor of General (not admitted as a rescuer in the quake) is refused, and the attempt is recorded.
        using (var notAdmitted = await LoginAsync(general, "dr-gh", NodeFixture.ChosenPassword))
        {
            var refused = await Problem(await notAdmitted.PostAsJsonAsync($"/api/v1/patients/{patientId}/break-glass",
                new { emergencyId = "quake", reason = "mass-casualty", justification = "Triage at the stadium field hospital" }, Ct), HttpStatusCode.Forbidden);
            Assert.Contains("not admitted as a rescuer", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
            await Problem(await notAdmitted.PostAsJsonAsync($"/api/v1/patients/{patientId}/break-glass",
                new { emergencyId = "flood", reason = "other", justification = "There is no such emergency" }, Ct), HttpStatusCode.NotFound);
        }

        // General's node stops: the summary still opens at Red Cross's node, with Red Cross's own key.
        // (General's queued refused attempts commit first: a node's disclosure queue is in memory and does not outlive a stop.)
        await general.Services.GetRequiredService<HealthLedger.Node.Records.DisclosureRecorder>().FlushAsync(Ct);
        await InProcessNode.StopAsync(general, Ct);
        Running.Remove(general);
        var summary = await Read<EmergencySummary>(await medic.GetAsync($"/api/v1/patients/{patientId}/emergency-summary", Ct));
        Assert.Equal(("Ada Quake", "O-", "Penicillin", "Ben Quake +44 20 7946 0000"), (summary.FullName, summary.BloodGroup, summary.Allergies, summary.EmergencyContact));
        Assert.Equal(["Asthma"], summary.Conditions);
        Assert.Equal([MedicationTests.Prednisolone, "Salbutamol 100 mcg inhaled as needed, for 3 months"], summary.CurrentMedication);

        // General comes back; the disclosures (the read and the refused attempts) commit; the patient sees them and the access.
        general = await StartAsync(generalFolder);
        using var patient = await LoginAsync(general, patientId, NodeFixture.ChosenPassword);
        var disclosures = await DisclosedAsync(patient, patientId);
        var read = disclosures.Single(d => d.Outcome == "allowed" && d.Purpose.StartsWith("break-glass", StringComparison.Ordinal));
        Assert.Equal(("medic-1", "rescuer", "emergency summary"), (read.ActorId, read.ActorRole, read.Resource));
        Assert.Contains(disclosures, d => d.ActorId == "medic-1" && d.Outcome == "denied" && d.Purpose.StartsWith("break-glass refused", StringComparison.Ordinal));
        Assert.Contains(disclosures, d => d.ActorId == "dr-gh" && d.Outcome == "denied" && d.Purpose.StartsWith("break-glass refused", StringComparison.Ordinal));
        var seen = (await patient.GetFromJsonAsync<List<BreakGlassResponse>>($"/api/v1/patients/{patientId}/break-glass", Ct))!;
        Assert.Equal("Found unconscious under rubble, needs surgery", Assert.Single(seen).Justification); // opened with the patient's key at General

        // General's review queue lists it; its admin marks it reviewed (once).
        using var generalAdmin = await LoginAsync(general, "admin", NodeFixture.Password);
        var queue = (await generalAdmin.GetFromJsonAsync<List<BreakGlassResponse>>("/api/v1/break-glass", Ct))!;
        Assert.Equal((access.AccessId, "pending", "Found unconscious under rubble, needs surgery"), (Assert.Single(queue).AccessId, queue[0].Review, queue[0].Justification));
        var reviewed = await Read<BreakGlassResponse>(await generalAdmin.PostAsJsonAsync($"/api/v1/break-glass/{patientId}/{access.AccessId}/review", new { decision = "reviewed" }, Ct));
        Assert.Equal(("reviewed", "admin"), (reviewed.Review, reviewed.ReviewedBy));
        await Problem(await generalAdmin.PostAsJsonAsync($"/api/v1/break-glass/{patientId}/{access.AccessId}/review", new { decision = "misuse" }, Ct), HttpStatusCode.Conflict);
        // The per-declaration report: JSON and CSV (no justification in the CSV).
        var report = (await generalAdmin.GetFromJsonAsync<List<BreakGlassResponse>>("/api/v1/emergencies/quake/accesses", Ct))!;
        Assert.Equal((access.AccessId, "reviewed"), (Assert.Single(report).AccessId, report[0].Review));
        var csv = await generalAdmin.GetStringAsync("/api/v1/emergencies/quake/accesses?format=csv", Ct);
        Assert.StartsWith("accessId,patientId,custodianId,actorId", csv, StringComparison.Ordinal);
        Assert.Contains($"{access.AccessId},{patientId},general-hospital,medic-1,rescuer,red-cross,unconscious,demographics reports", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("rubble", csv, StringComparison.Ordinal);
        await Problem(await patient.GetAsync("/api/v1/emergencies/quake/accesses", Ct), HttpStatusCode.Forbidden);
        Assert.Empty((await redCrossAdmin.GetFromJsonAsync<List<BreakGlassResponse>>("/api/v1/break-glass", Ct))!); // Red Cross is custodian of nobody here
    }

    // Polls the patient's disclosures (for up to a minute) until the break-glass read has committed.
    private static async Task<List<DisclosureResponse>> DisclosedAsync(HttpClient patient, string patientId)
    {
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        while (true)
        {
            var disclosures = (await patient.GetFromJsonAsync<List<DisclosureResponse>>($"/api/v1/patients/{patientId}/disclosures", Ct))!;
            if (disclosures.Any(d => d.Outcome == "allowed" && d.Purpose.StartsWith("break-glass", StringComparison.Ordinal))) return disclosures;
            if (DateTimeOffset.UtcNow > deadline) Assert.Fail("The break-glass read was not disclosed to the patient within a minute: " + string.Join("; ", disclosures.Select(d => d.Purpose)));
            await Task.Delay(100, Ct);
        }
    }



    private static Task<HttpClient> LoginAsync(WebApplication app, string user, string password) => InProcessNode.LoginAsync(app, user, password, Ct);
}
