using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Records;
using HealthLedger.Node.Tests.Api;
using HealthLedger.Node.Tests.Laboratory;
using HealthLedger.Node.VitalSigns;
using HealthLedger.Node.Web;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// /fhir/R4 clinical resources against a real node: data created through the JSON API, then read and searched as FHIR
/// (Observation, DiagnosticReport, ServiceRequest, MedicationRequest, MedicationDispense, AllergyIntolerance, Condition,
/// DocumentReference). Every resource received is validated with Firely's validator; refusals are 403 and every read is in
/// the patient's access history.
/// </summary>
public class FhirClinicalTests
{
    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Doctor, HttpClient Outsider, HttpClient Technician, HttpClient Pathologist,
        HttpClient Pathologist2, HttpClient Pharmacist, HttpClient Patient, string PatientId) : IAsyncDisposable
    {
        public async Task<List<DisclosureResponse>> DisclosuresAsync()
        {
            await Node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            return (await Admin.GetFromJsonAsync<List<DisclosureResponse>>($"/api/v1/patients/{PatientId}/disclosures", Ct))!;
        }

        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    /// <summary>
    /// A node with the attending doctor dr-att (the patient is admitted under them), a doctor who does not attend them
    /// (dr-out), laboratory staff, a pharmacist, the lab catalogue, and patient Pat Lab with two conditions and two allergies.
    /// </summary>
    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var attending = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-att", name = "Ada Att", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var outsider = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-out", name = "Otto Out", specialty = "Surgery", department = "Theatre", licenceNumber = "L2" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new
        {
            mrn = "MRN-F1",
            fullName = "Pat Lab",
            dateOfBirth = "1970-05-05",
            gender = "female",
            conditions = new[] { "Asthma", "Type 2 diabetes" },
            allergies = "Penicillin (rash, 2019); Latex",
        }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries", new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-att", ward = "W1", bed = "2", reason = "Anaemia" }, Ct)).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/api/v1/lab/catalogue", LabApiTests.Catalogue(0), Ct)).EnsureSuccessStatusCode();
        async Task<HttpClient> Staff(string userId, string role) =>
            await node.FirstLoginAsync(userId, (await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/staff", new { userId, role }, Ct))).OneTimePassword!);
        return new World(node, admin, await node.FirstLoginAsync("dr-att", attending.OneTimePassword!), await node.FirstLoginAsync("dr-out", outsider.OneTimePassword!),
            await Staff("lt-one", "lab-technician"), await Staff("pa-one", "pathologist"), await Staff("pa-two", "pathologist"), await Staff("ph-one", "pharmacist"),
            await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!), patient.Id);
    }

    /// <summary>An FBC ordered by dr-att, resulted (Hb 95 g/L: low for a woman; WBC 12.5: high; platelets normal) and validated.</summary>
    private static async Task<LabOrderResponse> ValidatedFbcAsync(World w)
    {
        var order = await Read<LabOrderResponse>(await w.Doctor.PostAsJsonAsync("/api/v1/lab/orders", new { patientId = w.PatientId, tests = new[] { "FBC" }, priority = "urgent", clinicalNote = "Tired, pale." }, Ct));
        order = await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/specimen", new { notes = "Left arm" }, Ct));
        await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/specimen/receipt", new { specimenId = order.SpecimenId }, Ct));
        await Read<LabOrderResponse>(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/results", LabApiTests.FbcResults(), Ct));
        return await Read<LabOrderResponse>(await w.Pathologist2.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { notes = "Iron studies advised." }, Ct));
    }

    private static async Task<VitalSignsResponse> VitalSignsAsync(World w) =>
        await Read<VitalSignsResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/vital-signs", new
        {
            takenAt = "2026-01-03T08:00",
            temperatureCelsius = 37.2m,
            heartRate = 88,
            systolicMmHg = 128,
            diastolicMmHg = 82,
            respiratoryRate = 16,
            oxygenSaturation = 97,
            weightKg = 70.5m,
            notes = "Sitting.",
        }, Ct));

    [Fact]
    public async Task Lab_results_and_vital_signs_are_valid_observations_with_their_reports_and_orders()
    {
        await using var w = await SetUpAsync();
        var order = await ValidatedFbcAsync(w);
        var vitals = await VitalSignsAsync(w);

        // The lab order as ServiceRequest and DiagnosticReport, its results as Observations with flags and ranges.
        var request = await Fhir<ServiceRequest>(await w.Doctor.GetAsync($"/fhir/R4/ServiceRequest/{order.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(RequestPriority.Urgent, request.Priority);
        Assert.Contains(request.Code!.Coding, c => c.System == "http://loinc.org" && c.Code == "58410-2");
        Assert.Equal("Practitioner/dr-att", request.Requester!.Reference);
        var report = await Fhir<DiagnosticReport>(await w.Doctor.GetAsync($"/fhir/R4/DiagnosticReport/{order.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal(DiagnosticReport.DiagnosticReportStatus.Final, report.Status);
        Assert.Equal("Iron studies advised.", report.Conclusion);
        Assert.Equal(3, report.Result.Count);
        var hgb = await Fhir<Observation>(await w.Doctor.GetAsync($"/fhir/R4/Observation/{order.Id}-HGB", Ct), HttpStatusCode.OK);
        Assert.Contains($"Observation/{hgb.Id}", report.Result.Select(r => r.Reference));
        Assert.Equal(ObservationStatus.Final, hgb.Status);
        Assert.Equal("laboratory", hgb.Category.Single().Coding.Single().Code);
        Assert.Contains(hgb.Code.Coding, c => c.System == "http://loinc.org" && c.Code == "718-7");
        var value = Assert.IsType<Quantity>(hgb.Value);
        Assert.Equal(95m, value.Value);
        Assert.Equal("g/L", value.Code);
        Assert.Equal("L", hgb.Interpretation.Single().Coding.Single().Code);
        Assert.Equal(120m, hgb.ReferenceRange.Single().Low!.Value); // the female range
        Assert.Equal(160m, hgb.ReferenceRange.Single().High!.Value);
        Assert.Equal($"ServiceRequest/{order.Id}", hgb.BasedOn.Single().Reference);

        var lab = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Observation?patient={w.PatientId}&category=laboratory", Ct), HttpStatusCode.OK);
        Assert.Equal(3, lab.Total);
        var flags = lab.Entry.Select(e => (Observation)e.Resource!).ToDictionary(o => o.Code.Coding.Single(c => c.System != "http://loinc.org").Code!, o => o.Interpretation.Single().Coding.Single().Code);
        Assert.Equal("L", flags["HGB"]);
        Assert.Equal("H", flags["WBC"]);
        Assert.Equal("N", flags["PLT"]);
        var byLoinc = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Observation?subject=Patient/{w.PatientId}&code={Uri.EscapeDataString("http://loinc.org|6690-2")}&_include=Observation:patient", Ct), HttpStatusCode.OK);
        Assert.Equal($"{order.Id}-WBC", Assert.Single(byLoinc.Entry, e => e.Search!.Mode == Bundle.SearchEntryMode.Match).Resource!.Id);
        Assert.Equal(w.PatientId, Assert.IsType<Patient>(Assert.Single(byLoinc.Entry, e => e.Search!.Mode == Bundle.SearchEntryMode.Include).Resource!).Id);
        var byCatalogueCode = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Observation?patient={w.PatientId}&code=PLT", Ct), HttpStatusCode.OK);
        Assert.Equal($"{order.Id}-PLT", byCatalogueCode.Entry.Single().Resource!.Id);
        var reports = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/DiagnosticReport?patient={w.PatientId}&category=LAB&code=FBC&_include=DiagnosticReport:result", Ct), HttpStatusCode.OK);
        Assert.Equal(order.Id, Assert.Single(reports.Entry, e => e.Search!.Mode == Bundle.SearchEntryMode.Match).Resource!.Id);
        Assert.Equal(3, reports.Entry.Count(e => e.Resource is Observation));
        var completed = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/ServiceRequest?patient={w.PatientId}&status=completed&code=FBC", Ct), HttpStatusCode.OK);
        Assert.Equal(order.Id, completed.Entry.Single().Resource!.Id);
        var active = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/ServiceRequest?patient={w.PatientId}&status=active", Ct), HttpStatusCode.OK);
        Assert.Empty(active.Entry);

        // XML too.
        using (var xmlRequest = new HttpRequestMessage(HttpMethod.Get, $"/fhir/R4/Observation/{hgb.Id}?_format=xml"))
        {
            var xml = await Fhir<Observation>(await w.Doctor.SendAsync(xmlRequest, Ct), HttpStatusCode.OK);
            Assert.Equal(95m, ((Quantity)xml.Value!).Value);
        }

        // Vital signs: one Observation per measurement, LOINC and UCUM as the vital-signs profiles want; BP as components.
        var signs = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Observation?patient={w.PatientId}&category=vital-signs", Ct), HttpStatusCode.OK);
        Assert.Equal(6, signs.Total);
        var bp = await Fhir<Observation>(await w.Doctor.GetAsync($"/fhir/R4/Observation/{vitals.Id}-85354-9", Ct), HttpStatusCode.OK);
        Assert.Null(bp.Value);
        // Recorded by a doctor: a literal reference to their Practitioner resource.
        Assert.StartsWith("Practitioner/", bp.Performer.Single().Reference, StringComparison.Ordinal);
        Assert.Equal(128m, ((Quantity)bp.Component.Single(c => c.Code.Coding[0].Code == "8480-6").Value!).Value);
        Assert.Equal("mm[Hg]", ((Quantity)bp.Component.Single(c => c.Code.Coding[0].Code == "8462-4").Value!).Code);
        Assert.Equal("vital-signs", bp.Category.Single().Coding.Single().Code);
        var temperature = await Fhir<Observation>(await w.Doctor.GetAsync($"/fhir/R4/Observation/{vitals.Id}-8310-5", Ct), HttpStatusCode.OK);
        Assert.Equal(("Cel", 37.2m), (((Quantity)temperature.Value!).Code, ((Quantity)temperature.Value!).Value!.Value));
        var oxygen = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Observation?patient={w.PatientId}&code={Uri.EscapeDataString("http://loinc.org|2708-6")}", Ct), HttpStatusCode.OK);
        Assert.Equal($"{vitals.Id}-59408-5", oxygen.Entry.Single().Resource!.Id);
        var onDay = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Observation?patient={w.PatientId}&category=vital-signs&date=2026-01-03", Ct), HttpStatusCode.OK);
        Assert.Equal(6, onDay.Total);
        var before = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Observation?patient={w.PatientId}&category=vital-signs&date=lt2026-01-03", Ct), HttpStatusCode.OK);
        Assert.Equal(0, before.Total);
        // Without a patient: everything the reader may see, paged.
        var all = await Fhir<Bundle>(await w.Doctor.GetAsync("/fhir/R4/Observation?_count=4", Ct), HttpStatusCode.OK);
        Assert.Equal(9, all.Total);
        Assert.Equal(4, all.Entry.Count);
        Assert.Contains(all.Link, l => l.Relation == "next");
        // Amended results are preliminary until validated again; the report follows.
        await Read<LabOrderResponse>(await w.Pathologist.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/results", LabApiTests.FbcResults(hgb: 60, reason: "Transcription error"), Ct));
        var amended = await Fhir<Observation>(await w.Doctor.GetAsync($"/fhir/R4/Observation/{order.Id}-HGB", Ct), HttpStatusCode.OK);
        Assert.Equal((ObservationStatus.Preliminary, 60m, "LL"), (amended.Status!.Value, ((Quantity)amended.Value!).Value!.Value, amended.Interpretation.Single().Coding.Single().Code));
        Assert.Equal(DiagnosticReport.DiagnosticReportStatus.Preliminary, (await Fhir<DiagnosticReport>(await w.Doctor.GetAsync($"/fhir/R4/DiagnosticReport/{order.Id}", Ct), HttpStatusCode.OK)).Status);
        await Read<LabOrderResponse>(await w.Pathologist2.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { }, Ct));
        Assert.Equal(ObservationStatus.Amended, (await Fhir<Observation>(await w.Doctor.GetAsync($"/fhir/R4/Observation/{order.Id}-HGB", Ct), HttpStatusCode.OK)).Status);

        // The patient reads their own.
        var own = await Fhir<Bundle>(await w.Patient.GetAsync($"/fhir/R4/Observation?patient={w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal(9, own.Total);
    }

    [Fact]
    public async Task Conditions_and_allergies_come_from_the_demographics_and_visit_diagnoses()
    {
        await using var w = await SetUpAsync();
        var visit = await Read<WriteResponse>(await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/entries",
            new { type = "visit", occurredAt = "2026-01-05T09:30", doctorId = "dr-att", notes = "Reviewed bloods.", diagnosis = "Iron deficiency anaemia" }, Ct));

        var allergies = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/AllergyIntolerance?patient={w.PatientId}&clinical-status=active&_include=AllergyIntolerance:patient", Ct), HttpStatusCode.OK);
        Assert.Equal(2, allergies.Total);
        Assert.Equal(["Penicillin (rash, 2019)", "Latex"], allergies.Entry.Where(e => e.Resource is AllergyIntolerance).Select(e => ((AllergyIntolerance)e.Resource!).Code!.Text));
        Assert.Single(allergies.Entry, e => e.Resource is Patient);
        var latex = await Fhir<AllergyIntolerance>(await w.Doctor.GetAsync($"/fhir/R4/AllergyIntolerance/{w.PatientId}-allergy-2", Ct), HttpStatusCode.OK);
        Assert.Equal("Latex", latex.Code!.Text);
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/AllergyIntolerance/{w.PatientId}-allergy-3", Ct), HttpStatusCode.NotFound);
        var penicillin = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/AllergyIntolerance?patient={w.PatientId}&code:text=penicil", Ct), HttpStatusCode.OK);
        Assert.Equal($"{w.PatientId}-allergy-1", penicillin.Entry.Single().Resource!.Id);

        var conditions = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Condition?patient={w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal(3, conditions.Total);
        var problems = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Condition?patient={w.PatientId}&category=problem-list-item&clinical-status=active", Ct), HttpStatusCode.OK);
        Assert.Equal(["Asthma", "Type 2 diabetes"], problems.Entry.Select(e => ((Condition)e.Resource!).Code!.Text));
        var diagnosis = await Fhir<Condition>(await w.Doctor.GetAsync($"/fhir/R4/Condition/{visit.Id}-diagnosis", Ct), HttpStatusCode.OK);
        Assert.Equal("encounter-diagnosis", diagnosis.Category.Single().Coding.Single().Code);
        Assert.Equal($"Encounter/{visit.Id}", diagnosis.Encounter!.Reference);
        Assert.Equal("Iron deficiency anaemia", diagnosis.Code!.Text);
        var byText = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Condition?patient={w.PatientId}&code:text=anaemia", Ct), HttpStatusCode.OK);
        Assert.Equal(diagnosis.Id, byText.Entry.Single().Resource!.Id);
        var exact = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Condition?patient={w.PatientId}&code=asthma", Ct), HttpStatusCode.OK);
        Assert.Equal($"{w.PatientId}-condition-1", exact.Entry.Single().Resource!.Id);
        var byEncounter = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Condition?encounter=Encounter/{visit.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal(diagnosis.Id, byEncounter.Entry.Single().Resource!.Id);
    }

    [Fact]
    public async Task Prescriptions_dispenses_reports_and_their_files_read_and_search_as_valid_FHIR()
    {
        await using var w = await SetUpAsync();
        var drug = await Read<DrugResponse>(await w.Pharmacist.PostAsJsonAsync("/api/v1/pharmacy/drugs", new { name = "Ferrous sulfate", strength = "200 mg", form = "tablet", atcCode = "B03AA07", unitPrice = 0.10m, reorderLevel = 10 }, Ct));
        var expires = DateTime.UtcNow.Date.AddDays(200).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Read<BatchResponse>(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/drugs/{drug.Id}/receipts", new { quantity = 100, expiresOn = expires, supplier = "MedSupply Ltd", lotNumber = "FE-1", unitCost = 0.05m, reference = "DN-1" }, Ct));
        var rx = await Read<PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions",
            new { drugId = drug.Id, dose = "200 mg", route = "oral", frequency = "twice a day", durationDays = 30, quantity = 60, repeats = 1, instructions = "With orange juice." }, Ct));
        var dispense = await Read<DispenseResponse>(await w.Pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 60, notes = "Counselled." }, Ct));

        var request = await Fhir<MedicationRequest>(await w.Doctor.GetAsync($"/fhir/R4/MedicationRequest/{rx.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal(MedicationRequest.MedicationrequestStatus.Active, request.Status); // one repeat remains
        Assert.Equal("B03AA07", Assert.IsType<CodeableConcept>(request.Medication).Coding.Single().Code);
        Assert.Equal(1, request.DispenseRequest!.NumberOfRepeatsAllowed);
        Assert.Equal("With orange juice.", request.DosageInstruction.Single().PatientInstruction);
        var found = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/MedicationRequest?patient={w.PatientId}&status=active&intent=order&authoredon=ge2020-01-01&_include=MedicationRequest:patient&_include=MedicationRequest:requester", Ct), HttpStatusCode.OK);
        Assert.Equal(rx.Id, Assert.Single(found.Entry, e => e.Search!.Mode == Bundle.SearchEntryMode.Match).Resource!.Id);
        Assert.Contains(found.Entry, e => e.Resource is Patient);
        var none = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/MedicationRequest?patient={w.PatientId}&status=completed", Ct), HttpStatusCode.OK);
        Assert.Empty(none.Entry);
        var given = await Fhir<MedicationDispense>(await w.Pharmacist.GetAsync($"/fhir/R4/MedicationDispense/{dispense.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal(60m, given.Quantity!.Value);
        Assert.Equal($"MedicationRequest/{rx.Id}", given.AuthorizingPrescription.Single().Reference);
        // A pharmacist has no resource here: a logical reference by user id, never a Practitioner reference that would not resolve.
        var pharmacist = given.Performer.Single().Actor!;
        Assert.Null(pharmacist.Reference);
        Assert.Equal((Node.Fhir.FhirPeople.UserSystem, "ph-one"), (pharmacist.Identifier!.System, pharmacist.Identifier.Value));
        var dispenses = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/MedicationDispense?patient={w.PatientId}&prescription=MedicationRequest/{rx.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal(dispense.Id, dispenses.Entry.Single().Resource!.Id);
        var otherPrescription = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/MedicationDispense?patient={w.PatientId}&prescription=rx-none", Ct), HttpStatusCode.OK);
        Assert.Empty(otherPrescription.Entry);

        // A lab report with a file, then amended with a new file: two DocumentReferences, the first superseded.
        var metadata = new { type = "lab", title = "Ferritin", summary = "Low ferritin.", labResults = new[] { new { test = "Ferritin", value = "8", unit = "ug/L", referenceRange = "15-150", flag = "L" }, new { test = "Coeliac screen", value = "negative", unit = "", referenceRange = "", flag = "" } } };
        var created = await Read<ReportsApi.ReportCreatedResponse>(await w.Doctor.PostAsync($"/api/v1/patients/{w.PatientId}/reports", Upload(metadata, MedicalReportsApiTests.Pdf), Ct));
        var amendedFile = MedicalReportsApiTests.Pdf.Concat("% amended\n"u8.ToArray()).ToArray();
        var amended = await Read<ReportsApi.ReportCreatedResponse>(await w.Doctor.PostAsync($"/api/v1/reports/{created.ReportId}/amendments",
            Upload(new { metadata.type, metadata.title, metadata.summary, metadata.labResults, amendmentReason = "Clearer scan" }, amendedFile), Ct));

        var diagnostic = await Fhir<DiagnosticReport>(await w.Doctor.GetAsync($"/fhir/R4/DiagnosticReport/{created.ReportId}", Ct), HttpStatusCode.OK);
        Assert.Equal(DiagnosticReport.DiagnosticReportStatus.Amended, diagnostic.Status);
        Assert.Equal("2", diagnostic.Meta!.VersionId);
        var contained = diagnostic.Contained.Cast<Observation>().ToList();
        Assert.Equal(8m, Assert.IsType<Quantity>(contained[0].Value).Value);
        Assert.Equal("L", contained[0].Interpretation.Single().Coding.Single().Code);
        Assert.Equal("negative", Assert.IsType<FhirString>(contained[1].Value).Value);
        var labReports = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/DiagnosticReport?patient={w.PatientId}&category=LAB&code={Uri.EscapeDataString("http://loinc.org|11502-2")}", Ct), HttpStatusCode.OK);
        Assert.Equal(created.ReportId, labReports.Entry.Single().Resource!.Id);

        var documents = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/DocumentReference?patient={w.PatientId}&type=lab&_include=DocumentReference:patient", Ct), HttpStatusCode.OK);
        Assert.Equal(2, documents.Total);
        var latest = await Fhir<DocumentReference>(await w.Doctor.GetAsync($"/fhir/R4/DocumentReference/{created.ReportId}-2", Ct), HttpStatusCode.OK);
        Assert.Equal(DocumentReferenceStatus.Current, latest.Status);
        Assert.Equal(amended.Sha256, latest.Identifier.Single().Value);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(amendedFile)), latest.Identifier.Single().Value);
        Assert.Equal($"DocumentReference/{created.ReportId}-1", latest.RelatesTo.Single().Target.Reference);
        var first = await Fhir<DocumentReference>(await w.Doctor.GetAsync($"/fhir/R4/DocumentReference/{created.ReportId}-1", Ct), HttpStatusCode.OK);
        Assert.Equal(DocumentReferenceStatus.Superseded, first.Status);
        Assert.Equal(created.Sha256, first.Identifier.Single().Value);
        // The attachment's URL downloads the file with the same bearer token.
        var attachment = latest.Content.Single().Attachment;
        Assert.Equal("application/pdf", attachment.ContentType);
        Assert.Equal(amendedFile, await w.Doctor.GetByteArrayAsync(attachment.Url, Ct));
        // FHIR R4 Attachment: hash = the SHA-1 of the data (base64), size = its bytes; each version its own file's.
        Assert.Equal(SHA1.HashData(amendedFile), attachment.Hash);
        Assert.Equal(amendedFile.Length, attachment.SizeUnsignedInt);
        var json = await w.Doctor.GetStringAsync($"/fhir/R4/DocumentReference/{latest.Id}", Ct);
        Assert.Contains("\"hash\":\"" + Convert.ToBase64String(SHA1.HashData(amendedFile)) + "\"", json, StringComparison.Ordinal);
        Assert.Contains($"\"size\":{amendedFile.Length}", json, StringComparison.Ordinal); // a JSON number (R4 unsignedInt)
        Assert.Equal(SHA1.HashData(MedicalReportsApiTests.Pdf), first.Content.Single().Attachment.Hash);
        Assert.Equal(MedicalReportsApiTests.Pdf.Length, first.Content.Single().Attachment.SizeUnsignedInt);
        var current = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/DocumentReference?patient={w.PatientId}&status=current&date=ge2020", Ct), HttpStatusCode.OK);
        Assert.Equal(latest.Id, current.Entry.Single().Resource!.Id);
    }

    [Fact]
    public async Task A_doctor_without_access_gets_403_every_read_is_in_the_access_history_and_bad_parameters_are_400()
    {
        await using var w = await SetUpAsync();
        var order = await ValidatedFbcAsync(w);
        var vitals = await VitalSignsAsync(w);
        var reads = new[]
        {
            $"Observation/{order.Id}-HGB", $"Observation/{vitals.Id}-8867-4", $"DiagnosticReport/{order.Id}", $"ServiceRequest/{order.Id}",
            $"AllergyIntolerance/{w.PatientId}-allergy-1", $"Condition/{w.PatientId}-condition-1",
        };
        foreach (var path in reads)
        {
            await Fhir<Resource>(await w.Doctor.GetAsync($"/fhir/R4/{path}", Ct), HttpStatusCode.OK);
            var refused = await Fhir<OperationOutcome>(await w.Outsider.GetAsync($"/fhir/R4/{path}", Ct), HttpStatusCode.Forbidden);
            Assert.Equal(OperationOutcome.IssueType.Forbidden, refused.Issue.First().Code);
        }
        foreach (var type in new[] { "Observation", "DiagnosticReport", "ServiceRequest", "MedicationRequest", "MedicationDispense", "AllergyIntolerance", "Condition", "DocumentReference" })
        {
            await Fhir<OperationOutcome>(await w.Outsider.GetAsync($"/fhir/R4/{type}?patient={w.PatientId}", Ct), HttpStatusCode.Forbidden);
            // Without naming the patient the outsider sees nothing of them.
            Assert.Empty((await Fhir<Bundle>(await w.Outsider.GetAsync($"/fhir/R4/{type}", Ct), HttpStatusCode.OK)).Entry);
            await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/{type}/nosuch-id-1", Ct), HttpStatusCode.NotFound);
        }

        var trail = await w.DisclosuresAsync();
        foreach (var type in new[] { "Observation", "DiagnosticReport", "ServiceRequest", "AllergyIntolerance", "Condition" })
        {
            Assert.Contains(trail, d => d.ActorId == "dr-att" && d.Outcome == "allowed" && d.Resource == $"FHIR {type}");
            Assert.Contains(trail, d => d.ActorId == "dr-out" && d.Outcome == "denied" && d.Resource.StartsWith($"FHIR {type}", StringComparison.Ordinal));
        }
        // A search without a patient records the patients on the page it served.
        var before = trail.Count(d => d.ActorId == "dr-att" && d.Resource == "FHIR Observation search");
        await Fhir<Bundle>(await w.Doctor.GetAsync("/fhir/R4/Observation?category=laboratory", Ct), HttpStatusCode.OK);
        Assert.Equal(before + 1, (await w.DisclosuresAsync()).Count(d => d.ActorId == "dr-att" && d.Resource == "FHIR Observation search"));

        Expression(await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/Observation?patient={w.PatientId}&date=yesterday", Ct), HttpStatusCode.BadRequest), "date");
        Expression(await Fhir<OperationOutcome>(await w.Doctor.GetAsync("/fhir/R4/Observation?patient=Practitioner/dr-att", Ct), HttpStatusCode.BadRequest), "patient");
        Expression(await Fhir<OperationOutcome>(await w.Doctor.GetAsync("/fhir/R4/MedicationDispense?prescription=Patient/x", Ct), HttpStatusCode.BadRequest), "prescription");
        Expression(await Fhir<OperationOutcome>(await w.Doctor.GetAsync("/fhir/R4/MedicationRequest?authoredon=soon", Ct), HttpStatusCode.BadRequest), "authoredon");
        Expression(await Fhir<OperationOutcome>(await w.Doctor.GetAsync("/fhir/R4/Condition?encounter=Patient/x", Ct), HttpStatusCode.BadRequest), "encounter");
        Expression(await Fhir<OperationOutcome>(await w.Doctor.GetAsync("/fhir/R4/Observation?flavour=sweet", Ct), HttpStatusCode.BadRequest), "flavour");
    }

    private static void Expression(OperationOutcome outcome, string parameter) => Assert.Contains(outcome.Issue, i => i.Expression.Contains(parameter));

    private static MultipartFormDataContent Upload(object metadata, byte[] file)
    {
        var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(metadata)), "metadata" } };
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(part, "file", "ferritin.pdf");
        return form;
    }

    private static Task<T> Read<T>(HttpResponseMessage response) => ApiResponses.Read<T>(response);

}
