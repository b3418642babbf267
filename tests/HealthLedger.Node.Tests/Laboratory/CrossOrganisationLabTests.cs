using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Laboratory;

/// <summary>
/// General Hospital orders from City Lab (another member organisation) with the patient's consent: the order reaches the
/// laboratory's node through the patient's laboratory grant, the laboratory works on it there, the doctor reads the
/// validated report at the hospital's node and the hospital's node charges the patient's account for it, once.
/// </summary>
public sealed class CrossOrganisationLabTests : InProcessNodes
{


    [Fact]
    public async Task A_General_Hospital_doctor_orders_from_City_Lab_with_the_patients_grant_and_reads_the_validated_report()
    {
        var layout = new ClusterLayout(2, Ports.FreeClusterBlock());
        var init = NetworkInitializer.InitConsortium(Dir.Combine("net"), [new FoundingOrganisation("General Hospital", OrganisationType.Hospital),
            new FoundingOrganisation("City Lab", OrganisationType.Laboratory)], layout, NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly);
        var general = await StartAsync(init.Organisations[0].Folder);
        var cityLab = await StartAsync(init.Organisations[1].Folder);
        var labId = init.Organisations[1].Id;
        using var generalAdmin = await InProcessNode.LoginAsync(general, init.Organisations[0].AdminUser, NodeFixture.Password, Ct);
        using var labAdmin = await InProcessNode.LoginAsync(cityLab, init.Organisations[1].AdminUser, NodeFixture.Password, Ct);

        // City Lab: its catalogue (sealed for the members too) and staff. General Hospital: a doctor, a patient, a visit.
        await ApiResponses.Read<LabCatalogueResponse>(await labAdmin.PutAsJsonAsync("/api/v1/lab/catalogue", LabApiTests.Catalogue(0), Ct));
        var tech = await ApiResponses.Read<WriteResponse>(await labAdmin.PostAsJsonAsync("/api/v1/staff", new { userId = "lt-city", role = "lab-technician" }, Ct));
        var path = await ApiResponses.Read<WriteResponse>(await labAdmin.PostAsJsonAsync("/api/v1/staff", new { userId = "pa-city", role = "pathologist" }, Ct));
        var doctorOtp = (await ApiResponses.Read<WriteResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-gen", name = "Gus General", specialty = "Medicine", department = "Ward", licenceNumber = "G1" }, Ct))).OneTimePassword!;
        var patient = await ApiResponses.Read<WriteResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "GH-7", fullName = "Pat Cross Lab", dateOfBirth = "1980-02-02", gender = "male" }, Ct));
        (await generalAdmin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries",
            new { type = "visit", occurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mmZ", System.Globalization.CultureInfo.InvariantCulture), doctorId = "dr-gen", notes = "Bloods." }, Ct)).EnsureSuccessStatusCode();
        await InProcessNode.WaitAsync("General Hospital reads City Lab's catalogue and each node knows the other's users",
            () => general.Services.GetRequiredService<LabCatalogueStore>().Get(labId).Version == 1
                && cityLab.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().GetState(StateKeys.Login("lt-city")) is not null
                && general.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().GetState(StateKeys.Login("dr-gen")) is not null
                && general.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().GetState(StateKeys.Login(patient.Id)) is not null, Ct);
        using var doctor = await FirstLoginAsync(general, "dr-gen", doctorOtp);
        using var pat = await FirstLoginAsync(general, patient.Id, patient.OneTimePassword!);
        using var technician = await FirstLoginAsync(cityLab, "lt-city", tech.OneTimePassword!);
        using var pathologist = await FirstLoginAsync(cityLab, "pa-city", path.OneTimePassword!);

        // Without the patient's consent the order to City Lab is refused, naming the laboratory; nothing is written.
        var order = new { patientId = patient.Id, tests = new[] { "FBC" }, laboratoryId = labId };
        var refused = await LabApiTests.Problem(await doctor.PostAsJsonAsync("/api/v1/lab/orders", order, Ct), HttpStatusCode.UnprocessableEntity);
        Assert.True(refused.GetProperty("errors").TryGetProperty("laboratoryId", out _), refused.ToString());

        // The patient grants City Lab their laboratory data; the order is placed and reaches City Lab's node.
        (await pat.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/grants", new { granteeKind = "organisation", granteeId = labId, categories = new[] { "laboratory" } }, Ct)).EnsureSuccessStatusCode();
        var placed = await ApiResponses.Read<LabOrderResponse>(await doctor.PostAsJsonAsync("/api/v1/lab/orders", order, Ct));
        Assert.Equal(labId, placed.LaboratoryId);
        await InProcessNode.WaitAsync("City Lab's node opens the order", () => cityLab.Services.GetRequiredService<LabOrderStore>().Find(placed.Id) is not null, Ct);
        var worklist = await ApiResponses.Read<List<LabOrderResponse>>(await technician.GetAsync("/api/v1/lab/worklist?status=ordered", Ct));
        Assert.Equal(placed.Id, Assert.Single(worklist).Id);

        // City Lab works on it at its node: specimen, results, validation by its pathologist.
        var collected = await ApiResponses.Read<LabOrderResponse>(await technician.PostAsJsonAsync($"/api/v1/lab/orders/{placed.Id}/specimen", new { }, Ct));
        await ApiResponses.Read<LabOrderResponse>(await technician.PostAsJsonAsync($"/api/v1/lab/orders/{placed.Id}/specimen/receipt", new { specimenId = collected.SpecimenId }, Ct));
        await ApiResponses.Read<LabOrderResponse>(await technician.PostAsJsonAsync($"/api/v1/lab/orders/{placed.Id}/results", LabApiTests.FbcResults(wbc: 3.1m), Ct));
        var validated = await ApiResponses.Read<LabOrderResponse>(await pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{placed.Id}/validate", new { notes = "Leucopenia." }, Ct));
        Assert.Equal("validated", validated.Status);

        // General Hospital's node bills the patient for it (as a hospital does for a reference laboratory's tests), once:
        // the account line names the test and the laboratory, priced from what City Lab charged (the FBC panel, 25.50).
        await InProcessNode.WaitAsync("General Hospital's node charges the patient's account for City Lab's order",
            () => general.Services.GetRequiredService<LabOrderStore>().Find(placed.Id)?.ChargeEntryId == LabChargePoster.EntryId(placed.Id), Ct);
        var account = await ApiResponses.Read<AccountResponse>(await generalAdmin.GetAsync($"/api/v1/patients/{patient.Id}/account", Ct));
        var charge = Assert.Single(account.Lines, l => l.Entry.Type == "charge");
        Assert.Equal((25.50m, LabChargePoster.EntryId(placed.Id)), (charge.Amount, charge.Entry.Id));
        Assert.Equal($"Full blood count — City Lab (order {placed.Id})", charge.Entry.Service);
        // City Lab does not hold the patient's account key: the charge is General Hospital's node's, not the validation's.
        Assert.Equal(Node(general).NodeId, charge.Entry.AuthorId);
        Assert.Equal(25.50m, account.Charges);
        // The poster counts the charge when its commit wait returns, which may be just after the read model saw the block.
        await InProcessNode.WaitAsync("General Hospital's charge poster counts the charge it posted",
            () => general.Services.GetRequiredService<LabChargePoster>().Posted >= 1, Ct);
        Assert.Equal(1, general.Services.GetRequiredService<LabChargePoster>().Posted);
        Assert.Equal(0, cityLab.Services.GetRequiredService<LabChargePoster>().Posted);
        Assert.Empty(general.Services.GetRequiredService<LabChargePoster>().Due());
        // Charged orders leave both nodes' awaiting set (it does not grow with the history).
        await InProcessNode.WaitAsync("City Lab's node sees the order charged",
            () => cityLab.Services.GetRequiredService<LabOrderStore>().Find(placed.Id)?.ChargeEntryId == LabChargePoster.EntryId(placed.Id), Ct);
        Assert.Empty(general.Services.GetRequiredService<LabOrderStore>().AwaitingCharge());
        Assert.Empty(cityLab.Services.GetRequiredService<LabOrderStore>().AwaitingCharge());

        // The doctor reads the validated, flagged report at General Hospital's node.
        await InProcessNode.WaitAsync("General Hospital's node has the validation",
            () => general.Services.GetRequiredService<LabOrderStore>().Find(placed.Id)?.Status == LabOrderStatus.Validated, Ct);
        var report = await ApiResponses.Read<LabOrderResponse>(await doctor.GetAsync($"/api/v1/lab/orders/{placed.Id}", Ct));
        Assert.True(report.ResultsReady);
        Assert.Equal("L", report.Report!.Single(l => l.Code == "WBC").Flag);
        Assert.Equal("Leucopenia.", report.ReportComment);

        // The web order form: General Hospital has no catalogue, so the form shows City Lab's (the patient granted it) and
        // places the order there; after the patient revokes the grant, the form has no laboratory to order from.
        using var page = await CookieLoginAsync(general, "dr-gen", NodeFixture.ChosenPassword);
        var form = await page.GetStringAsync($"/patients/{patient.Id}/lab-orders/new?laboratory={labId}", Ct);
        Assert.Contains(">City Lab</strong>", form, StringComparison.Ordinal);
        Assert.Contains($"name=\"Input.LaboratoryId\" value=\"{labId}\"", form, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"test-FBC\"", form, StringComparison.Ordinal);
        using (var post = await page.PostAsync($"/patients/{patient.Id}/lab-orders/new", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.LaboratoryId"] = labId,
            ["Input.Tests"] = "FBC",
            ["Input.Priority"] = "routine",
            ["Input.ClinicalNote"] = "Repeat FBC.",
            ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(form),
        }), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);
            var orderId = post.Headers.Location!.OriginalString["/lab/orders/".Length..];
            Assert.Equal(labId, general.Services.GetRequiredService<LabOrderStore>().Find(orderId)!.LabOrganisationId);
        }
        var grantId = (await pat.GetFromJsonAsync<List<System.Text.Json.JsonElement>>($"/api/v1/patients/{patient.Id}/grants", Ct))!.Single().GetProperty("id").GetString();
        (await pat.DeleteAsync($"/api/v1/patients/{patient.Id}/grants/{grantId}", Ct)).EnsureSuccessStatusCode();
        Assert.Contains("The laboratory has no test catalogue yet.", await page.GetStringAsync($"/patients/{patient.Id}/lab-orders/new?laboratory={labId}", Ct), StringComparison.Ordinal);

        // General Hospital's own laboratory: an order of a patient who granted City Lab nothing. City Lab's staff see it on
        // no worklist and cannot reach it (404, as if it did not exist), and General Hospital's pharmacist has no lab worklist.
        await ApiResponses.Read<LabCatalogueResponse>(await generalAdmin.PutAsJsonAsync("/api/v1/lab/catalogue", LabApiTests.Catalogue(0), Ct));
        var other = await ApiResponses.Read<WriteResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "GH-8", fullName = "Pat Home Lab", dateOfBirth = "1981-03-03", gender = "female" }, Ct));
        (await generalAdmin.PostAsJsonAsync($"/api/v1/patients/{other.Id}/entries",
            new { type = "visit", occurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mmZ", System.Globalization.CultureInfo.InvariantCulture), doctorId = "dr-gen", notes = "Bloods." }, Ct)).EnsureSuccessStatusCode();
        var home = await ApiResponses.Read<LabOrderResponse>(await doctor.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = other.Id, tests = new[] { "FBC" } }, Ct));
        Assert.Equal(init.Organisations[0].Id, home.LaboratoryId);
        var homeHeight = general.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().Tip.Height;
        await InProcessNode.WaitAsync("City Lab's node has General Hospital's order block",
            () => cityLab.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().Tip.Height >= homeHeight, Ct);
        Assert.DoesNotContain(await ApiResponses.Read<List<LabOrderResponse>>(await technician.GetAsync("/api/v1/lab/worklist", Ct)), o => o.Id == home.Id);
        Assert.DoesNotContain(await ApiResponses.Read<List<LabOrderResponse>>(await pathologist.GetAsync("/api/v1/lab/worklist", Ct)), o => o.Id == home.Id);
        foreach (var response in new[]
        {
            await technician.GetAsync($"/api/v1/lab/orders/{home.Id}", Ct),
            await technician.PostAsJsonAsync($"/api/v1/lab/orders/{home.Id}/specimen", new { }, Ct),
            await technician.GetAsync($"/api/v1/patients/{other.Id}/lab-orders", Ct),
        })
        {
            var problem = await LabApiTests.Problem(response, HttpStatusCode.NotFound);
            Assert.Equal("Not found", problem.GetProperty("title").GetString());
        }
        var ghPharmacist = await ApiResponses.Read<WriteResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/staff", new { userId = "ph-gen", role = "pharmacist" }, Ct));
        using var pharmacist = await FirstLoginAsync(general, "ph-gen", ghPharmacist.OneTimePassword!);
        Assert.Equal("Forbidden", (await LabApiTests.Problem(await pharmacist.GetAsync("/api/v1/lab/worklist", Ct), HttpStatusCode.Forbidden)).GetProperty("title").GetString());
        Assert.Equal("ordered", (await ApiResponses.Read<LabOrderResponse>(await doctor.GetAsync($"/api/v1/lab/orders/{home.Id}", Ct))).Status);

        // Pharmacies likewise: a General Hospital prescription is on no worklist of City Lab's pharmacist and reachable by none (404).
        var drug = await ApiResponses.Read<HealthLedger.Node.Pharmacy.DrugResponse>(await generalAdmin.PostAsJsonAsync("/api/v1/pharmacy/drugs",
            new { name = "Ferrous sulfate", strength = "200 mg", form = "tablet", atcCode = "B03AA07", unitPrice = 0.05m, reorderLevel = 0 }, Ct));
        var rx = await ApiResponses.Read<HealthLedger.Node.Pharmacy.PrescriptionResponse>(await doctor.PostAsJsonAsync($"/api/v1/patients/{other.Id}/prescriptions",
            new { drugId = drug.Id, dose = "200 mg", route = "oral", frequency = "twice a day", durationDays = 30, quantity = 60 }, Ct));
        var cityPharmacistOtp = (await ApiResponses.Read<WriteResponse>(await labAdmin.PostAsJsonAsync("/api/v1/staff", new { userId = "ph-city", role = "pharmacist" }, Ct))).OneTimePassword!;
        using var cityPharmacist = await FirstLoginAsync(cityLab, "ph-city", cityPharmacistOtp);
        var rxHeight = general.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().Tip.Height;
        await InProcessNode.WaitAsync("City Lab's node has General Hospital's prescription block",
            () => cityLab.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().Tip.Height >= rxHeight, Ct);
        Assert.DoesNotContain(await ApiResponses.Read<List<HealthLedger.Node.Pharmacy.PrescriptionResponse>>(await cityPharmacist.GetAsync("/api/v1/pharmacy/worklist?all=true", Ct)), p => p.Id == rx.Id);
        foreach (var response in new[]
        {
            await cityPharmacist.GetAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}", Ct),
            await cityPharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 1 }, Ct),
        })
        {
            Assert.Equal("Not found", (await LabApiTests.Problem(response, HttpStatusCode.NotFound)).GetProperty("title").GetString());
        }
        Assert.Equal(0, (await ApiResponses.Read<HealthLedger.Node.Pharmacy.PrescriptionResponse>(await pharmacist.GetAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}", Ct))).Dispensed);

        // After a restart General Hospital's node finds nothing left to charge: the account still has the one charge.
        Running.Remove(general);
        await InProcessNode.StopAsync(general, Ct);
        general = await StartAsync(init.Organisations[0].Folder);
        await InProcessNode.WaitAsync("General Hospital's node reloads the charged order",
            () => general.Services.GetRequiredService<LabOrderStore>().Find(placed.Id)?.ChargeEntryId == LabChargePoster.EntryId(placed.Id), Ct);
        var poster = general.Services.GetRequiredService<LabChargePoster>();
        await poster.SweepAsync(Ct);
        Assert.Equal(0, poster.Posted);
        using var admin2 = await InProcessNode.LoginAsync(general, init.Organisations[0].AdminUser, NodeFixture.Password, Ct);
        var after = await ApiResponses.Read<AccountResponse>(await admin2.GetAsync($"/api/v1/patients/{patient.Id}/account", Ct));
        Assert.Equal(LabChargePoster.EntryId(placed.Id), Assert.Single(after.Lines, l => l.Entry.Type == "charge").Entry.Id);
    }

    private static async Task<HttpClient> CookieLoginAsync(WebApplication app, string user, string password)
    {
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
        var form = await client.GetStringAsync("/login", Ct);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = user,
            ["Password"] = password,
            ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(form),
        });
        using var login = await client.PostAsync("/login", content, Ct);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return client;
    }
}
