using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Web;
using Hl7.Fhir.Model;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>/fhir/R4 writes (create, update) and transaction/batch Bundles onto the services; every resource returned is validated.</summary>
public class FhirWriteTests
{
    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Doctor, string PatientId);

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        WriteResponse doctor;
        using (var r = await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Cardiology", licenceNumber = "L-1", phone = "+44 20 1234 5678" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            doctor = (await r.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        }
        WriteResponse patient;
        using (var r = await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female", conditions = new[] { "Asthma" } }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            patient = (await r.Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        }
        return new World(node, admin, await node.FirstLoginAsync("dr-one", doctor.OneTimePassword!), patient.Id);
    }

    private static Encounter Visit(string patient, string doctor, string @class = "AMB") => new()
    {
        Status = Encounter.EncounterStatus.Finished,
        Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", @class),
        Subject = new ResourceReference(patient),
        Participant = [new Encounter.ParticipantComponent { Individual = new ResourceReference(doctor) }],
        Period = new Period { Start = "2026-11-30T09:00:00Z" },
        ReasonCode = [new CodeableConcept { Text = "Chest pain" }],
    };

    private static Observation HeartRate(string patient, int value) => new()
    {
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
        Subject = new ResourceReference(patient),
        Effective = new FhirDateTime("2026-11-30T09:05:00Z"),
        Value = new Quantity(value, "/min", "http://unitsofmeasure.org"),
    };

    [Fact]
    public async Task Creates_and_updates_go_through_the_services_and_answer_valid_resources()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        var metadata = await Fhir<CapabilityStatement>(await w.Node.Http.GetAsync("/fhir/R4/metadata", Ct), HttpStatusCode.OK);
        Assert.Contains(metadata.Rest.Single().Interaction, i => i.Code == CapabilityStatement.SystemRestfulInteraction.Transaction);
        Assert.Contains(metadata.Rest.Single().Resource.Single(r => r.Type == "Patient").Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.Create);

        // Patient: create = registration; update = a new version with If-Match.
        var newPatient = new Patient
        {
            Identifier = [new Identifier("urn:other", "x"), new Identifier("urn:mrn", "MRN-9") { Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR") }],
            Name = [new HumanName { Family = "Smith", Given = ["John"] }],
            Gender = AdministrativeGender.Male,
            BirthDate = "1970-01-02",
        };
        using (var response = await w.Admin.PostAsync("/fhir/R4/Patient", Body(newPatient), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Matches("/fhir/R4/Patient/pt-[a-z0-9]+/_history/1$", response.Headers.Location!.ToString());
        }
        var found = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?identifier=MRN-9", Ct), HttpStatusCode.OK);
        var created = Assert.IsType<Patient>(found.Entry.Single().Resource);
        Assert.Equal("John Smith", created.Name.Single().Text);
        created.Gender = AdministrativeGender.Other;
        var noVersion = await Fhir<OperationOutcome>(await w.Admin.PutAsync($"/fhir/R4/Patient/{created.Id}", Body(created), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Patient.meta.versionId", noVersion.Issue.Single().Expression.Single());
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"/fhir/R4/Patient/{created.Id}") { Content = Body(created) })
        {
            put.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
            var updated = await Fhir<Patient>(await w.Admin.SendAsync(put, Ct), HttpStatusCode.OK);
            Assert.Equal(("2", AdministrativeGender.Other), (updated.Meta!.VersionId, updated.Gender));
        }
        var invalid = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4/Patient", Body(new Patient { Name = [new HumanName { Text = "No Birth" }] }), Ct), HttpStatusCode.BadRequest);
        Assert.Contains(invalid.Issue, i => i.Expression.Contains("Patient.birthDate"));
        Assert.Contains(invalid.Issue, i => i.Expression.Contains("Patient.identifier"));

        // Encounter → a visit; Observation → a set of vital signs.
        var encounter = await Fhir<Encounter>(await w.Admin.PostAsync("/fhir/R4/Encounter", Body(Visit($"Patient/{w.PatientId}", "Practitioner/dr-one")), Ct), HttpStatusCode.Created);
        Assert.StartsWith("en-", encounter.Id);
        Assert.Equal(("AMB", "Practitioner/dr-one"), (encounter.Class!.Code, encounter.Participant.Single().Individual!.Reference));
        var badClass = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4/Encounter", Body(Visit($"Patient/{w.PatientId}", "Practitioner/dr-one", "HH")), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Encounter.class", badClass.Issue.Single().Expression.Single());
        var observation = await Fhir<Observation>(await w.Admin.PostAsync("/fhir/R4/Observation", Body(HeartRate($"Patient/{w.PatientId}", 71)), Ct), HttpStatusCode.Created);
        Assert.EndsWith("-8867-4", observation.Id);
        Assert.Equal(71m, Assert.IsType<Quantity>(observation.Value).Value);
        var outOfRange = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4/Observation", Body(HeartRate($"Patient/{w.PatientId}", 900)), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Observation.value[x]", outOfRange.Issue.Single().Expression.Single());
        var lab = HeartRate($"Patient/{w.PatientId}", 5);
        lab.Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")];
        var labRefused = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4/Observation", Body(lab), Ct), (HttpStatusCode)422);
        Assert.Contains(labRefused.Issue, i => i.Expression.Contains("Observation.category"));

        // Condition and AllergyIntolerance → the patient's lists (a new demographics version each).
        var condition = await Fhir<Condition>(await w.Admin.PostAsync("/fhir/R4/Condition",
            Body(new Condition { Subject = new ResourceReference($"Patient/{w.PatientId}"), Code = new CodeableConcept { Text = "Hypertension" } }), Ct), HttpStatusCode.Created);
        Assert.Equal($"{w.PatientId}-condition-2", condition.Id);
        var allergy = await Fhir<AllergyIntolerance>(await w.Admin.PostAsync("/fhir/R4/AllergyIntolerance",
            Body(new AllergyIntolerance { Patient = new ResourceReference($"Patient/{w.PatientId}"), Code = new CodeableConcept { Text = "Penicillin" } }), Ct), HttpStatusCode.Created);
        Assert.Equal($"{w.PatientId}-allergy-1", allergy.Id);
        var demographics = await w.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/patients/{w.PatientId}", Ct);
        Assert.Contains("Hypertension", demographics.ToString());
        Assert.Contains("Penicillin", demographics.ToString());

        // Role refusals are 403; a drug not in the formulary is 422 at medication[x].
        await Fhir<OperationOutcome>(await w.Doctor.PostAsync("/fhir/R4/Condition",
            Body(new Condition { Subject = new ResourceReference($"Patient/{w.PatientId}"), Code = new CodeableConcept { Text = "Gout" } }), Ct), HttpStatusCode.Forbidden);
        var rx = new MedicationRequest
        {
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = new CodeableConcept { Text = "Unobtainium 5 mg tablet" },
            Subject = new ResourceReference($"Patient/{w.PatientId}"),
            DosageInstruction = [new Dosage { Text = "1 tablet daily" }],
            DispenseRequest = new MedicationRequest.DispenseRequestComponent { Quantity = new Quantity { Value = 30 } },
        };
        await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4/MedicationRequest", Body(rx), Ct), HttpStatusCode.Forbidden);
        var notInFormulary = await Fhir<OperationOutcome>(await w.Doctor.PostAsync("/fhir/R4/MedicationRequest", Body(rx), Ct), (HttpStatusCode)422);
        Assert.Contains(notInFormulary.Issue, i => i.Expression.Contains("MedicationRequest.medication[x]"));
    }

    [Fact]
    public async Task A_transaction_resolves_urn_uuid_references_and_writes_nothing_when_an_entry_fails()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        static Bundle Transaction(string mrn, string encounterClass)
        {
            var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
            const string patient = "urn:uuid:3f1c1c6e-8d7a-4a2e-9a55-0c5b8e0f0001";
            // The Patient last: entries are submitted in dependency order, not Bundle order.
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:3f1c1c6e-8d7a-4a2e-9a55-0c5b8e0f0002", Resource = Visit(patient, "Practitioner/dr-one", encounterClass), Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Encounter" } });
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = HeartRate(patient, 64), Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" } });
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = new AllergyIntolerance { Patient = new ResourceReference(patient), Code = new CodeableConcept { Text = "Latex" } }, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "AllergyIntolerance" } });
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = patient,
                Resource = new Patient { Identifier = [new Identifier("urn:mrn", mrn)], Name = [new HumanName { Text = "Tom Thumb" }], Gender = AdministrativeGender.Male, BirthDate = "1990-05-05" },
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" },
            });
            return bundle;
        }

        // One bad entry: 400 naming it, nothing written.
        var refused = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", Body(Transaction("MRN-T1", "XX")), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Bundle.entry[0].resource.class", refused.Issue.Single().Expression.Single());
        var none = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?identifier=MRN-T1", Ct), HttpStatusCode.OK);
        Assert.Equal(0, none.Total);

        var response = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4", Body(Transaction("MRN-T1", "AMB")), Ct), HttpStatusCode.OK);
        Assert.Equal(Bundle.BundleType.TransactionResponse, response.Type);
        Assert.Equal(4, response.Entry.Count);
        Assert.All(response.Entry, e => Assert.Equal("201 Created", e.Response!.Status));
        var patientId = response.Entry[3].Response!.Location!.Split('/')[1];
        Assert.Matches("^Patient/pt-[a-z0-9]+/_history/1$", response.Entry[3].Response!.Location);
        Assert.StartsWith("Encounter/en-", response.Entry[0].Response!.Location);
        Assert.Matches("^Observation/vs-[a-z0-9]+-8867-4/_history/1$", response.Entry[1].Response!.Location);
        Assert.StartsWith($"AllergyIntolerance/{patientId}-allergy-1/", response.Entry[2].Response!.Location);
        var patient = await Fhir<Patient>(await w.Admin.GetAsync($"/fhir/R4/Patient/{patientId}", Ct), HttpStatusCode.OK);
        Assert.Equal("2", patient.Meta!.VersionId);

        // A batch runs each entry on its own: the good one is written, the bad one answered in its entry.
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        batch.Entry.Add(new Bundle.EntryComponent { Resource = HeartRate($"Patient/{patientId}", 66), Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" } });
        batch.Entry.Add(new Bundle.EntryComponent { Resource = Visit($"Patient/{patientId}", "Practitioner/dr-nobody"), Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Encounter" } });
        var batchResponse = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4", Body(batch), Ct), HttpStatusCode.OK);
        Assert.Equal(Bundle.BundleType.BatchResponse, batchResponse.Type);
        Assert.Equal(["201 Created", "400 Bad Request"], batchResponse.Entry.Select(e => e.Response!.Status));
        Assert.Equal("Bundle.entry[1].resource.participant", Assert.IsType<OperationOutcome>(batchResponse.Entry[1].Response!.Outcome).Issue.Single().Expression.Single());

        await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", Body(new Bundle { Type = Bundle.BundleType.Collection }), Ct), HttpStatusCode.BadRequest);
        await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", Body(new Patient()), Ct), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(Bundle.HTTPVerb.GET)]
    [InlineData(Bundle.HTTPVerb.DELETE)]
    [InlineData(Bundle.HTTPVerb.PATCH)]
    public async Task An_entry_of_another_method_than_POST_or_PUT_is_told_the_method_is_unsupported_and_a_transaction_writes_nothing(Bundle.HTTPVerb method)
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        Bundle WithOther(Bundle.BundleType type)
        {
            var bundle = new Bundle { Type = type };
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = HeartRate($"Patient/{w.PatientId}", 70), Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" } });
            // No resource, as a GET or DELETE entry carries none: the answer is about the method, not a missing resource.
            bundle.Entry.Add(new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = method, Url = $"Patient/{w.PatientId}" } });
            return bundle;
        }

        var refused = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", Body(WithOther(Bundle.BundleType.Transaction)), Ct), HttpStatusCode.UnprocessableEntity);
        var issue = refused.Issue.Single();
        Assert.Equal(OperationOutcome.IssueType.NotSupported, issue.Code);
        Assert.Equal("Bundle.entry[1].request.method", issue.Expression.Single());
        Assert.Contains($"not {method}", issue.Diagnostics ?? issue.Details?.Text, StringComparison.Ordinal);
        var observations = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Observation?subject=Patient/{w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal(0, observations.Total);

        var batch = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4", Body(WithOther(Bundle.BundleType.Batch)), Ct), HttpStatusCode.OK);
        Assert.Equal(["201 Created", "422 Unprocessable Entity"], batch.Entry.Select(e => e.Response!.Status));
        Assert.Equal("Bundle.entry[1].request.method", Assert.IsType<OperationOutcome>(batch.Entry[1].Response!.Outcome).Issue.Single().Expression.Single());
    }

    [Theory]
    [InlineData("\"post\"")]
    [InlineData("\"FETCH\"")]
    [InlineData("12")]
    public async Task A_Bundle_whose_entry_method_is_not_an_HTTP_verb_code_is_refused_naming_the_element_and_writes_nothing(string method)
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        // Not a code of FHIR's HTTPVerb value set, so the Bundle does not parse: 400 naming the element in 'expression' (the
        // path was only in the diagnostics), in a transaction and a batch alike, and nothing is written.
        foreach (var type in new[] { "transaction", "batch" })
        {
            var json = $$$"""
                {"resourceType":"Bundle","type":"{{{type}}}","entry":[
                  {"resource":{"resourceType":"Patient","name":[{"family":"Quill"}],"gender":"male","birthDate":"1990-01-01"},"request":{"method":"POST","url":"Patient"}},
                  {"resource":{"resourceType":"Patient","name":[{"family":"Quill"}],"gender":"male","birthDate":"1990-01-01"},"request":{"method":{{{method}}},"url":"Patient"}}]}
                """;
            using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/fhir+json");
            var refused = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", content, Ct), HttpStatusCode.BadRequest);
            Assert.Equal("Bundle.entry[1].request.method", refused.Issue.Single().Expression.Single());
        }
        var patients = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?family=Quill", Ct), HttpStatusCode.OK);
        Assert.Equal(0, patients.Total);
    }

    // A JSON property given twice (the SDK kept one copy and said nothing): refused naming it and where it is, in a create, an
    // update and a transaction Bundle's entry alike, and nothing is written.
    [Fact]
    public async Task A_FHIR_body_with_a_JSON_property_given_twice_is_refused_naming_it_and_writes_nothing()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        const string Quill = """{"resourceType":"Patient","name":[{"family":"Quill"}],"gender":"male","birthDate":"1990-01-01","identifier":[{"system":"urn:mrn","value":"MRN-DUP"}]""";
        foreach (var (method, url, json, expression) in new[]
        {
            ("POST", "/fhir/R4/Patient", """{"resourceType":"Patient","resourceType":"Patient","name":[{"family":"Quill"}],"gender":"male","birthDate":"1990-01-01"}""", "Patient.resourceType"),
            ("POST", "/fhir/R4/Patient", Quill + ""","gender":"female"}""", "Patient.gender"),
            ("POST", "/fhir/R4/Patient", Quill + ""","name":[{"family":"Other"}]}""", "Patient.name"),
            ("PUT", "/fhir/R4/Patient/pt-unknown", """{"resourceType":"Patient","id":"pt-unknown","name":[{"family":"Quill","family":"Other"}],"gender":"male","birthDate":"1990-01-01"}""",
                "Patient.name[0].family"),
            ("POST", "/fhir/R4", """{"resourceType":"Bundle","type":"transaction","entry":[{"resource":""" + Quill
                + """},"request":{"method":"POST","url":"Patient"}},{"resource":""" + Quill
                + ""","birthDate":"1991-01-01"},"request":{"method":"POST","url":"Patient"}}]}""", "Bundle.entry[1].resource.birthDate"),
        })
        {
            using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/fhir+json");
            using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = content };
            var refused = await Fhir<OperationOutcome>(await w.Admin.SendAsync(request, Ct), HttpStatusCode.BadRequest);
            var issue = refused.Issue.Single();
            Assert.Equal(expression, issue.Expression.Single());
            Assert.Contains($"is given more than once at {expression}", issue.Diagnostics, StringComparison.Ordinal);
        }
        var patients = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?family=Quill", Ct), HttpStatusCode.OK);
        Assert.Equal(0, patients.Total);
    }

    [Fact]
    public async Task A_POST_entry_whose_url_carries_a_query_or_an_id_is_refused_naming_request_url()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        // The query or id used to be dropped without a word and the resource created (201).
        var batch = new Bundle { Type = Bundle.BundleType.Batch };
        foreach (var url in new[] { "Observation?code=8867-4", "Observation/obs-1", "Observation" })
        {
            batch.Entry.Add(new Bundle.EntryComponent { Resource = HeartRate($"Patient/{w.PatientId}", 71), Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = url } });
        }
        var response = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4", Body(batch), Ct), HttpStatusCode.OK);
        Assert.Equal(["400 Bad Request", "400 Bad Request", "201 Created"], response.Entry.Select(e => e.Response!.Status));
        foreach (var i in new[] { 0, 1 })
        {
            Assert.Equal($"Bundle.entry[{i}].request.url", Assert.IsType<OperationOutcome>(response.Entry[i].Response!.Outcome).Issue.Single().Expression.Single());
        }
    }
}
