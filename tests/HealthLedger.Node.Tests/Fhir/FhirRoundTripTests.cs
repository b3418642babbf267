using System.Net;
using System.Text;
using HealthLedger.Testing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// Issue 18's round trip: FHIR Bundles imported through the admin's /import page (the real transaction path) read back
/// through /fhir/R4 and the patient's page, and exported with Patient/$everything carrying the same clinical content.
/// </summary>
public class FhirRoundTripTests
{
    private static byte[] SourceBundle()
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        void Add(string uuid, Resource r) => bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = "urn:uuid:" + uuid,
            Resource = r,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = r.TypeName },
        });
        const string patient = "urn:uuid:00000000-0000-4000-8000-000000000002";
        Add("00000000-0000-4000-8000-000000000001", new Practitioner { Id = "p1", Identifier = [new Identifier("http://hl7.org/fhir/sid/us-npi", "9999999991")], Name = [new HumanName { Family = "Herz", Given = ["Hanna"] }] });
        Add("00000000-0000-4000-8000-000000000002", new Patient
        {
            Id = "s1",
            Identifier = [new Identifier("urn:synthea", "RT-100") { Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR") }],
            Name = [new HumanName { Family = "Roundtrip", Given = ["Rosa"] }],
            Gender = AdministrativeGender.Female,
            BirthDate = "1971-04-05",
        });
        Add("00000000-0000-4000-8000-000000000003", new Encounter
        {
            Status = Encounter.EncounterStatus.Finished,
            Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
            Type = [new CodeableConcept { Text = "General examination" }],
            Subject = new ResourceReference(patient),
            Participant = [new Encounter.ParticipantComponent { Individual = new ResourceReference("urn:uuid:00000000-0000-4000-8000-000000000001") }],
            Period = new Period { Start = "2024-05-06T09:00:00Z", End = "2024-05-06T09:30:00Z" },
        });
        Add("00000000-0000-4000-8000-000000000004", new Observation
        {
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
            Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
            Subject = new ResourceReference(patient),
            Effective = new FhirDateTime("2024-05-06T09:10:00Z"),
            Value = new Quantity(72, "/min") { System = "http://unitsofmeasure.org", Code = "/min" },
        });
        Add("00000000-0000-4000-8000-000000000005", new Condition
        {
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            Code = new CodeableConcept("http://snomed.info/sct", "38341003", "Hypertension") { Text = "Hypertension" },
            Subject = new ResourceReference(patient),
        });
        Add("00000000-0000-4000-8000-000000000006", new AllergyIntolerance
        {
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active"),
            Code = new CodeableConcept { Text = "Penicillin" },
            Patient = new ResourceReference(patient),
        });
        Add("00000000-0000-4000-8000-000000000007", new MedicationRequest
        {
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "308182", "Amoxicillin 250 MG Oral Capsule") { Text = "Amoxicillin 250 MG Oral Capsule" },
            Subject = new ResourceReference(patient),
            AuthoredOn = "2024-05-06T09:20:00Z",
            Requester = new ResourceReference("urn:uuid:00000000-0000-4000-8000-000000000001"),
        });
        Add("00000000-0000-4000-8000-000000000008", new MedicationRequest
        {
            Status = MedicationRequest.MedicationrequestStatus.Stopped,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = new CodeableConcept { Text = "Ibuprofen 400 MG Oral Tablet" },
            Subject = new ResourceReference(patient),
        });
        return Encoding.UTF8.GetBytes(bundle.ToJson());
    }

    private static async Task<string> UploadAsync(NodeFixture node, HttpClient web, byte[] file)
    {
        var page = await web.GetStringAsync("/import", Ct);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(NodeFixture.AntiforgeryToken(page)), "__RequestVerificationToken" },
            { new ByteArrayContent(file), "Files", "rosa.json" },
        };
        using var response = await web.PostAsync("/import", form, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        // The import runs as a background job: the answer is its page, read once it has finished.
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, html);
        var location = response.Headers.Location!.ToString();
        await FhirImportPageTests.FinishedAsync(node, location);
        return await web.GetStringAsync(location, Ct);
    }

    [Fact]
    public async Task Imported_bundles_read_back_through_fhir_and_the_ui_and_export_with_the_same_content()
    {
        await using var node = await NodeFixture.StartAsync();
        var web = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var api = await node.LoginAsync("admin", NodeFixture.Password);
        var report = await UploadAsync(node, web, SourceBundle());
        Assert.Contains("MedicationRequest: " + Node.Fhir.Import.FhirImporter.MedicationReason + " (1)", WebUtility.HtmlDecode(report), StringComparison.Ordinal);

        var patient = Assert.IsType<Patient>((await SearchAsync(api, "Patient?identifier=RT-100")).Entry.Single().Resource);
        Assert.Equal("Roundtrip", patient.Name.Single().Family);
        Assert.Equal("1971-04-05", patient.BirthDate);

        var encounter = Assert.IsType<Encounter>((await SearchAsync(api, $"Encounter?patient={patient.Id}")).Entry.Single().Resource);
        Assert.Equal("AMB", encounter.Class!.Code);
        Assert.StartsWith("2024-05-06", encounter.Period!.Start, StringComparison.Ordinal);
        var heart = (await SearchAsync(api, $"Observation?patient={patient.Id}&code=http://loinc.org|8867-4")).Entry.Select(e => Assert.IsType<Observation>(e.Resource)).Single();
        Assert.Equal(72m, Assert.IsType<Quantity>(heart.Value).Value);
        var condition = Assert.IsType<Condition>((await SearchAsync(api, $"Condition?patient={patient.Id}")).Entry.Single().Resource);
        Assert.Equal("Hypertension", condition.Code!.Text);
        var allergy = Assert.IsType<AllergyIntolerance>((await SearchAsync(api, $"AllergyIntolerance?patient={patient.Id}")).Entry.Single().Resource);
        Assert.Equal("Penicillin", allergy.Code!.Text);
        var medication = Assert.IsType<MedicationRequest>((await SearchAsync(api, $"MedicationRequest?patient={patient.Id}")).Entry.Single().Resource);
        Assert.Equal(($"{patient.Id}-medication-1", "Amoxicillin 250 MG Oral Capsule"), (medication.Id, Assert.IsType<CodeableConcept>(medication.Medication).Text));
        Assert.True(Assert.IsType<FhirBoolean>(medication.Reported).Value);
        Assert.Equal(MedicationRequest.MedicationrequestStatus.Active, medication.Status);

        // The UI shows the same record.
        var page = await web.GetStringAsync($"/patients/{patient.Id}", Ct);
        Assert.Contains("Rosa Roundtrip", page, StringComparison.Ordinal);
        Assert.Contains("Hypertension", page, StringComparison.Ordinal);
        Assert.Contains("Penicillin", page, StringComparison.Ordinal);
        Assert.Contains("<li>Amoxicillin 250 MG Oral Capsule</li>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Ibuprofen", page, StringComparison.Ordinal);

        // Export: the same clinical content, and a second import of the same Bundle creates nothing new.
        var everything = await SearchAsync(api, $"Patient/{patient.Id}/$everything");
        var exported = everything.Entry.Select(e => e.Resource!).ToList();
        Assert.Contains(exported, r => r is Patient p && p.BirthDate == "1971-04-05" && p.Name.Single().Family == "Roundtrip");
        Assert.Contains(exported, r => r is Encounter e && e.Id == encounter.Id && e.Period!.Start == encounter.Period!.Start);
        Assert.Contains(exported, r => r is Observation o && o.Code!.Coding.Any(c => c.Code == "8867-4") && o.Value is Quantity { Value: 72m });
        Assert.Contains(exported, r => r is Condition c && c.Code!.Text == "Hypertension");
        Assert.Contains(exported, r => r is AllergyIntolerance a && a.Code!.Text == "Penicillin");
        Assert.Contains(exported, r => r is MedicationRequest m && m.Reported is FhirBoolean { Value: true } && m.Medication is CodeableConcept { Text: "Amoxicillin 250 MG Oral Capsule" }
            && m.Subject!.Reference == $"Patient/{patient.Id}");
        Assert.DoesNotContain(exported, r => r is MedicationRequest m && m.Medication is CodeableConcept { Text: "Ibuprofen 400 MG Oral Tablet" });
        await UploadAsync(node, web, SourceBundle());
        Assert.Single((await SearchAsync(api, $"Encounter?patient={patient.Id}")).Entry);
        Assert.Single((await SearchAsync(api, $"Condition?patient={patient.Id}")).Entry);
        Assert.Single((await SearchAsync(api, $"MedicationRequest?patient={patient.Id}")).Entry);
        Assert.Equal(1, (await SearchAsync(api, "Patient?identifier=RT-100")).Total);
    }
}
