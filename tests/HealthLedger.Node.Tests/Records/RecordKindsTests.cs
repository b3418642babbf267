using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>The record kinds registered with the read model are the one list of kinds: consent derives from it.</summary>
public class RecordKindsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_consent_category_is_covered_by_a_registered_record_kind_and_a_grant_wraps_every_sealed_version_of_every_kind()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-k", name = "Kim K", specialty = "Pathology", department = "Lab", licenceNumber = "L1" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-K1", fullName = "Pat K", dateOfBirth = "1970-01-01", gender = "male" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-k", notes = "Seen." }, Ct)).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Consult", quantity = 1, unitPrice = 50 }, Ct)).EnsureSuccessStatusCode();
        var doctorClient = await node.FirstLoginAsync("dr-k", doctor.OneTimePassword!);
        using (var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(new { type = "lab", title = "CBC", labResults = new[] { new { test = "Hb", value = "13", unit = "g/dL", referenceRange = "12-16", flag = "" } } })), "metadata" } })
        {
            (await doctorClient.PostAsync($"/api/v1/patients/{patient.Id}/reports", form, Ct)).EnsureSuccessStatusCode();
        }
        // A laboratory order (category laboratory): the catalogue, then the attending doctor's order.
        (await admin.PutAsJsonAsync("/api/v1/lab/catalogue", Laboratory.LabApiTests.Catalogue(0), Ct)).EnsureSuccessStatusCode();
        (await doctorClient.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = patient.Id, tests = new[] { "GLU" } }, Ct)).EnsureSuccessStatusCode();
        // Medication: a prescription of a formulary drug (the pharmacy's records of the patient).
        var drug = JsonDocument.Parse(await (await admin.PostAsJsonAsync("/api/v1/pharmacy/drugs",
            new { name = "Paracetamol", strength = "500 mg", form = "tablet", atcCode = "N02BE01", unitPrice = 0.1m, reorderLevel = 0 }, Ct)).Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();
        (await doctorClient.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/prescriptions",
            new { drugId = drug, dose = "1 g", route = "oral", frequency = "four times a day", durationDays = 3, quantity = 24 }, Ct)).EnsureSuccessStatusCode();
        var readModel = node.App.Services.GetRequiredService<RecordReadModel>();
        var versions = readModel.SealedVersions(patient.Id, ConsentCategories.All).ToList();
        var categories = versions.Select(v => v.Category).Distinct().ToHashSet();
        foreach (var category in Enum.GetValues<ConsentCategories>().Where(c => c is not (ConsentCategories.None or ConsentCategories.All)))
        {
            Assert.True(categories.Contains(category), $"no registered record kind holds {category} records of the patient");
        }
        Assert.Equal(readModel.Kinds.Count, node.App.Services.GetServices<IRecordKind>().Count());

        // A grant of everything gives the grantee the key of every sealed version of every registered kind: the category
        // key of its epoch (records under the key hierarchy), or its data key re-wrapped (records sealed per reader).
        var patientClient = await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!);
        (await patientClient.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/grants", new { granteeKind = "doctor", granteeId = "dr-k", categories = new[] { "all" } }, Ct)).EnsureSuccessStatusCode();
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        foreach (var v in versions)
        {
            var reached = v.Reference.KeyWrap is { } wrap
                ? ledger.GetState(CategoryKeyState.Key(patient.Id, wrap.Category, wrap.Epoch)) is { } epoch && CategoryKeyState.TryDecode(epoch)!.Reader(KeyReaderKind.Doctor, "dr-k") is not null
                : ledger.GetState($"keyfor/{v.RecordId}/{v.Version:D6}/dr-k") is not null;
            Assert.True(reached, $"the grant wrapped no key for {v.Category} record {v.RecordId} v{v.Version}");
            Assert.Equal(v.Category, v.Reference.KeyWrap?.Category ?? v.Category);
        }
    }
}
