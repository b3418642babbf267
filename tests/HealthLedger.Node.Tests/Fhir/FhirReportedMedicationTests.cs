using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// The medication history (as reported) of the demographics through /fhir/R4 MedicationRequest: read and searched as
/// reportedBoolean requests ({patientId}-medication-{n}) behind the demographics consent, created and updated like the
/// Conditions list (admins), bad input answered with an OperationOutcome and nothing written.
/// </summary>
public class FhirReportedMedicationTests
{
    private static MedicationRequest Reported(string patientId, string? text, MedicationRequest.MedicationrequestStatus status = MedicationRequest.MedicationrequestStatus.Active) => new()
    {
        Status = status,
        Intent = MedicationRequest.MedicationRequestIntent.Order,
        Reported = new FhirBoolean(true),
        Medication = new CodeableConcept { Text = text },
        Subject = new ResourceReference($"Patient/{patientId}"),
    };

    private static async Task<JsonElement> DemographicsAsync(HttpClient admin, string patientId) =>
        await admin.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{patientId}", Ct);

    [Fact]
    public async Task Reported_medications_read_search_create_and_update_as_the_patients_medication_history()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        WriteResponse patient, doctor;
        using (var r = await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-M1", fullName = "Mia Meds", dateOfBirth = "1975-07-07", gender = "female", medications = new[] { "Metformin 500 MG Oral Tablet" } }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            patient = (await r.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        }
        using (var r = await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-med", name = "Max Med", specialty = "General practice", department = "General", licenceNumber = "L-9", phone = "+44 20 1234 5678" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            doctor = (await r.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        }
        var id = patient.Id;
        var demographics = await DemographicsAsync(admin, id);
        Assert.Equal(["Metformin 500 MG Oral Tablet"], demographics.GetProperty("medications").EnumerateArray().Select(m => m.GetString()));

        // Read: the registered item as a reported, active order.
        var first = await Fhir<MedicationRequest>(await admin.GetAsync($"/fhir/R4/MedicationRequest/{id}-medication-1", Ct), HttpStatusCode.OK);
        Assert.Equal(MedicationRequest.MedicationrequestStatus.Active, first.Status);
        Assert.Equal(MedicationRequest.MedicationRequestIntent.Order, first.Intent);
        Assert.True(Assert.IsType<FhirBoolean>(first.Reported).Value);
        Assert.Equal("Metformin 500 MG Oral Tablet", Assert.IsType<CodeableConcept>(first.Medication).Text);
        Assert.Equal($"Patient/{id}", first.Subject!.Reference);
        await Fhir<OperationOutcome>(await admin.GetAsync($"/fhir/R4/MedicationRequest/{id}-medication-2", Ct), HttpStatusCode.NotFound);
        await Fhir<OperationOutcome>(await admin.GetAsync($"/fhir/R4/MedicationRequest/{id}-medication-01", Ct), HttpStatusCode.NotFound);

        // Create with reportedBoolean: an item appended (a new demographics version); the same text again adds nothing.
        var created = await Fhir<MedicationRequest>(await admin.PostAsync("/fhir/R4/MedicationRequest", Body(Reported(id, "Amoxicillin 250 MG Oral Capsule")), Ct), HttpStatusCode.Created);
        Assert.Equal($"{id}-medication-2", created.Id);
        Assert.Equal("2", created.Meta!.VersionId);
        var again = await Fhir<MedicationRequest>(await admin.PostAsync("/fhir/R4/MedicationRequest", Body(Reported(id, "amoxicillin 250 mg oral capsule")), Ct), HttpStatusCode.Created);
        Assert.Equal(($"{id}-medication-2", "2"), (again.Id, again.Meta!.VersionId));
        var coded = Reported(id, null);
        coded.Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "197361", "Amlodipine 5 MG Oral Tablet");
        Assert.Equal($"{id}-medication-3", (await Fhir<MedicationRequest>(await admin.PostAsync("/fhir/R4/MedicationRequest", Body(coded), Ct), HttpStatusCode.Created)).Id);

        // Bad input: an OperationOutcome naming the field, and nothing written.
        var codeOnly = Reported(id, null);
        codeOnly.Medication = new CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "197361");
        var noText = await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/MedicationRequest", Body(codeOnly), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("MedicationRequest.medication[x]", noText.Issue.Single().Expression.Single());
        var tooLong = await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/MedicationRequest", Body(Reported(id, new string('x', 201))), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("MedicationRequest.medication[x]", tooLong.Issue.Single().Expression.Single());
        var hidden = await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/MedicationRequest", Body(Reported(id, "Asp\u200Birin")), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("MedicationRequest.medication[x]", hidden.Issue.Single().Expression.Single());
        var stopped = await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/MedicationRequest",
            Body(Reported(id, "Ibuprofen 400 MG Oral Tablet", MedicationRequest.MedicationrequestStatus.Stopped)), Ct), (HttpStatusCode)422);
        Assert.Contains(stopped.Issue, i => i.Expression.Contains("MedicationRequest.status"));
        var proposal = Reported(id, "Ibuprofen 400 MG Oral Tablet");
        proposal.Intent = MedicationRequest.MedicationRequestIntent.Proposal;
        Assert.Contains((await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/MedicationRequest", Body(proposal), Ct), (HttpStatusCode)422)).Issue,
            i => i.Expression.Contains("MedicationRequest.intent"));
        var nobody = await Fhir<OperationOutcome>(await admin.PostAsync("/fhir/R4/MedicationRequest", Body(Reported("pt-nosuch", "Aspirin 81 MG")), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("MedicationRequest.subject", nobody.Issue.Single().Expression.Single());
        // A doctor does not edit the demographics (as for conditions).
        var doctorClient = await node.FirstLoginAsync("dr-med", doctor.OneTimePassword!);
        await Fhir<OperationOutcome>(await doctorClient.PostAsync("/fhir/R4/MedicationRequest", Body(Reported(id, "Aspirin 81 MG")), Ct), HttpStatusCode.Forbidden);
        demographics = await DemographicsAsync(admin, id);
        Assert.Equal(3, demographics.GetProperty("version").GetInt32());
        Assert.Equal(["Metformin 500 MG Oral Tablet", "Amoxicillin 250 MG Oral Capsule", "Amlodipine 5 MG Oral Tablet"],
            demographics.GetProperty("medications").EnumerateArray().Select(m => m.GetString()));

        // Search by patient (and by code text); prescriptions' date parameters leave reported items out.
        var all = await Fhir<Bundle>(await admin.GetAsync($"/fhir/R4/MedicationRequest?patient={id}&status=active&intent=order", Ct), HttpStatusCode.OK);
        Assert.Equal([$"{id}-medication-1", $"{id}-medication-2", $"{id}-medication-3"], all.Entry.Select(e => e.Resource!.Id));
        var bySubject = await Fhir<Bundle>(await admin.GetAsync($"/fhir/R4/MedicationRequest?subject=Patient/{id}&code:text=amox", Ct), HttpStatusCode.OK);
        Assert.Equal($"{id}-medication-2", bySubject.Entry.Single().Resource!.Id);
        Assert.Empty((await Fhir<Bundle>(await admin.GetAsync($"/fhir/R4/MedicationRequest?patient={id}&authoredon=ge2000-01-01", Ct), HttpStatusCode.OK)).Entry);

        // Update replaces item n (If-Match: the demographics' version); a reported item stays reported.
        var replacement = Reported(id, "Amoxicillin 500 MG Oral Capsule");
        replacement.Id = $"{id}-medication-2";
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/fhir/R4/MedicationRequest/{id}-medication-2") { Content = Body(replacement) })
        {
            put.Headers.TryAddWithoutValidation("If-Match", "W/\"3\"");
            var updated = await Fhir<MedicationRequest>(await admin.SendAsync(put, Ct), HttpStatusCode.OK);
            Assert.Equal(("Amoxicillin 500 MG Oral Capsule", "4"), (Assert.IsType<CodeableConcept>(updated.Medication).Text, updated.Meta!.VersionId));
        }
        replacement.Reported = null;
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/fhir/R4/MedicationRequest/{id}-medication-2") { Content = Body(replacement) })
        {
            put.Headers.TryAddWithoutValidation("If-Match", "W/\"4\"");
            await Fhir<OperationOutcome>(await admin.SendAsync(put, Ct), (HttpStatusCode)422);
        }
        Assert.Equal(4, (await DemographicsAsync(admin, id)).GetProperty("version").GetInt32());

        // The patient's page lists the history.
        var web = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var page = await web.GetStringAsync($"/patients/{id}", Ct);
        Assert.Contains("Medication history (as reported)", page, StringComparison.Ordinal);
        Assert.Contains("<li>Amoxicillin 500 MG Oral Capsule</li>", page, StringComparison.Ordinal);
    }
    [Fact]
    public async Task An_update_of_a_list_item_without_its_version_is_refused_so_an_old_id_cannot_overwrite_the_item_now_in_its_place()
    {
        // A break-it pass: removing the first condition moved "Gout" into Condition/{id}-condition-1; a PUT there by a client
        // that still thought it was "Hypertension" overwrote the wrong diagnosis. The same holds for allergies and medications.
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        WriteResponse patient;
        using (var r = await admin.PostAsJsonAsync("/api/v1/patients", new
        {
            mrn = "MRN-L1",
            fullName = "Lia List",
            dateOfBirth = "1970-01-01",
            gender = "female",
            conditions = new[] { "Hypertension", "Gout" },
            allergies = "Penicillin; Latex",
            medications = new[] { "Metformin 500 MG Oral Tablet", "Aspirin 75 MG" },
        }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            patient = (await r.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        }
        var id = patient.Id;
        Resource[] replacements =
        [
            new Condition { Id = $"{id}-condition-1", Code = new CodeableConcept { Text = "Asthma" }, Subject = new ResourceReference($"Patient/{id}"),
                ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active") },
            new AllergyIntolerance { Id = $"{id}-allergy-1", Code = new CodeableConcept { Text = "Peanut" }, Patient = new ResourceReference($"Patient/{id}") },
            Reported(id, "Ibuprofen 400 MG Oral Tablet"),
        ];
        replacements[2].Id = $"{id}-medication-1";
        var before = (await DemographicsAsync(admin, id)).ToString();
        foreach (var replacement in replacements)
        {
            var refused = await Fhir<OperationOutcome>(await admin.PutAsync($"/fhir/R4/{replacement.TypeName}/{replacement.Id}", Body(replacement), Ct), HttpStatusCode.BadRequest);
            Assert.Equal($"{replacement.TypeName}.meta.versionId", refused.Issue.Single().Expression.Single());
        }
        Assert.Equal(before, (await DemographicsAsync(admin, id)).ToString());

        // With the version it replaces, the update goes through.
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/fhir/R4/Condition/{id}-condition-1") { Content = Body(replacements[0]) };
        put.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
        var updated = await Fhir<Condition>(await admin.SendAsync(put, Ct), HttpStatusCode.OK);
        Assert.Equal(("Asthma", "2"), (updated.Code!.Text, updated.Meta!.VersionId));
    }
}
