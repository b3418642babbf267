using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using HealthLedger.Node.Tests.Network;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Consent;

/// <summary>
/// The key chain where it matters: a grantee of another organisation reads at their own node with their own key (the
/// custodian's read model is not involved), so what they read is what the grant's keys and the chain open.
/// </summary>
public sealed class KeyChainAcrossOrganisationsTests : InProcessNodes
{
    private static readonly object VitalSigns = new { takenAt = "2026-01-02T11:30", temperatureCelsius = 37.0m, heartRate = 80, systolicMmHg = 118, diastolicMmHg = 76, respiratoryRate = 16, oxygenSaturation = 97, notes = "" };

    [Fact]
    public async Task A_grantee_of_another_organisation_reads_every_epoch_down_the_chain_and_nothing_after_revocation_also_after_a_restart()
    {
        var init = FoundHospitals("General Hospital", "St Mary Hospital");
        var general = await StartAsync(init.Organisations[0].Folder);
        var stMary = await StartAsync(init.Organisations[1].Folder);
        using var generalAdmin = await InProcessNode.LoginAsync(general, init.Organisations[0].AdminUser, NodeFixture.Password, Ct);
        using var stMaryAdmin = await InProcessNode.LoginAsync(stMary, init.Organisations[1].AdminUser, NodeFixture.Password, Ct);
        await Created(await generalAdmin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-x", name = "Xena X", specialty = "Medicine", department = "Ward", licenceNumber = "G1" }, Ct));
        var patient = await Created(await generalAdmin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "GH-K1", fullName = "Pat Chain", dateOfBirth = "1970-01-01", gender = "female", conditions = Array.Empty<string>() }, Ct));
        var drStMary = await Created(await stMaryAdmin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-stmary", name = "Sam St Mary", specialty = "Cardiology", department = "Heart", licenceNumber = "S1" }, Ct));
        using var pat = await FirstLoginAsync(general, patient.Id, patient.OneTimePassword!);

        async Task VitalAsync() => await Created(await generalAdmin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/vital-signs", VitalSigns, Ct));
        async Task<string> GrantAsync(string doctorId) => (await Created(await pat.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/grants",
            new { granteeKind = "doctor", granteeId = doctorId, categories = new[] { "demographics", "encounters" } }, Ct))).Id;
        async Task RevokeAsync(string grantId)
        {
            using var revoked = await pat.DeleteAsync($"/api/v1/patients/{patient.Id}/grants/{grantId}", Ct);
            revoked.EnsureSuccessStatusCode();
        }
        async Task SyncAsync() { var h = Node(general).Tip.Height; await InProcessNode.WaitAsync("St Mary's node caught up", () => Node(stMary).Tip.Height >= h, Ct); }
        int Epoch() => CategoryKeyState.CurrentEpoch(general.Services.GetRequiredService<AccessPolicy>().State, patient.Id, ConsentCategories.Encounters);

        // Epochs 1, 2, 3, each with one record, rotated by grants to a General doctor and their revocation.
        for (var i = 0; i < 3; i++)
        {
            await VitalAsync();
            if (i < 2) await RevokeAsync(await GrantAsync("dr-x"));
        }
        Assert.Equal(3, Epoch());

        var grant = await GrantAsync("dr-stmary");
        await SyncAsync();
        using var sam = await FirstLoginAsync(stMary, "dr-stmary", drStMary.OneTimePassword!);
        async Task<(HttpStatusCode, int)> ReadAsync(HttpClient client)
        {
            using var response = await client.GetAsync($"/api/v1/patients/{patient.Id}/vital-signs", Ct);
            return response.IsSuccessStatusCode ? (response.StatusCode, (await response.Content.ReadFromJsonAsync<List<System.Text.Json.JsonElement>>(Ct))!.Count) : (response.StatusCode, 0);
        }
        Assert.Equal((HttpStatusCode.OK, 3), await ReadAsync(sam));

        // Revoked, then a record: epoch 4 without dr-stmary. Refused at the door, and cryptographically closed.
        await RevokeAsync(grant);
        await VitalAsync();
        Assert.Equal(4, Epoch());
        await SyncAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await ReadAsync(sam)).Item1);
        using (var fhir = await sam.GetAsync($"/fhir/R4/Observation?patient={patient.Id}", Ct))
        {
            var body = await fhir.Content.ReadAsStringAsync(Ct);
            Assert.True(fhir.StatusCode == HttpStatusCode.Forbidden || (fhir.StatusCode == HttpStatusCode.OK && !body.Contains("\"entry\"")), $"{(int)fhir.StatusCode}: {body}");
        }
        var samKeys = stMary.Services.GetRequiredService<Security.SessionStore>().Find(sam.DefaultRequestHeaders.Authorization!.Parameter)!.Keys.Encryption;
        var stMaryRing = stMary.Services.GetRequiredService<CategoryKeyring>();
        Assert.Null(stMaryRing.OpenCategoryKey(patient.Id, ConsentCategories.Encounters, 4, samKeys));
        Assert.NotNull(stMaryRing.OpenCategoryKey(patient.Id, ConsentCategories.Encounters, 1, samKeys)); // what they had, they keep

        // Granted again after a restart of St Mary's node: all four, down the chain.
        await GrantAsync("dr-stmary");
        await SyncAsync();
        await InProcessNode.StopAsync(stMary, Ct);
        Running.Remove(stMary);
        stMary = await StartAsync(init.Organisations[1].Folder);
        using var sam2 = await InProcessNode.LoginAsync(stMary, "dr-stmary", NodeFixture.ChosenPassword, Ct);
        Assert.Equal((HttpStatusCode.OK, 4), await ReadAsync(sam2));
    }
}
