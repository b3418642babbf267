using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Fhir.Export;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// Consent, AuditEvent and Provenance, <c>Patient/{id}/$everything</c>, the patient page's FHIR download and bulk
/// <c>$export</c> against a real node; every resource received (Bundle entries and NDJSON lines) is validated.
/// </summary>
public class FhirExportTests
{
    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Doctor, HttpClient Patient, string PatientId, string OtherPatientId, string GrantId)
    {
        public Task SettleAsync() => Node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
    }

    /// <summary>A node with a doctor, two patients, the first signed in and sharing everything with the doctor, who has read their Patient.</summary>
    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Created(await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Cardiology", licenceNumber = "L-1", phone = "+44 20 1234 5678", onCall = true }, Ct));
        var patient = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-1", fullName = "Jane Zoë Roe", dateOfBirth = "1980-02-29", gender = "female", conditions = new[] { "Asthma" } }, Ct));
        var other = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-2", fullName = "John Doe", dateOfBirth = "1975-06-01", gender = "male", conditions = Array.Empty<string>() }, Ct));
        var patientClient = await node.FirstLoginAsync(patient.Id, patient.OneTimePassword!);
        var grant = await Created(await patientClient.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/grants",
            new { granteeKind = "doctor", granteeId = "dr-one", categories = new[] { "all" } }, Ct));
        var doctorClient = await node.FirstLoginAsync("dr-one", doctor.OneTimePassword!);
        await Fhir<Patient>(await doctorClient.GetAsync($"/fhir/R4/Patient/{patient.Id}", Ct), HttpStatusCode.OK);
        var world = new World(node, admin, doctorClient, patientClient, patient.Id, other.Id, grant.Id);
        await world.SettleAsync();
        return world;
    }

    private static IEnumerable<T> Of<T>(Bundle bundle) where T : Resource => bundle.Entry.Select(e => e.Resource).OfType<T>();

    [Fact]
    public async System.Threading.Tasks.Task Consent_AuditEvent_and_Provenance_map_the_grants_disclosures_and_proofs()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        var consent = await Fhir<Hl7.Fhir.Model.Consent>(await w.Patient.GetAsync($"/fhir/R4/Consent/{w.GrantId}", Ct), HttpStatusCode.OK);
        Assert.Equal(Hl7.Fhir.Model.Consent.ConsentState.Active, consent.Status);
        Assert.Equal($"Patient/{w.PatientId}", consent.Patient!.Reference);
        Assert.Equal("Practitioner/dr-one", consent.Provision!.Actor.Single().Reference!.Reference);
        Assert.Contains(consent.Provision.Code, c => c.Coding.Single().Code == "laboratory");
        Assert.Null(consent.Provision!.Period!.End);
        // The admin of the patient's organisation sees it; the doctor does not (consents are the patient's and the admin's).
        var byAdmin = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Consent?patient=Patient/{w.PatientId}&status=active", Ct), HttpStatusCode.OK);
        Assert.Equal(w.GrantId, Of<Hl7.Fhir.Model.Consent>(byAdmin).Single().Id);
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/Consent?patient={w.PatientId}", Ct), HttpStatusCode.Forbidden);
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/Consent/{w.GrantId}", Ct), HttpStatusCode.Forbidden);

        using (var revoke = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/{w.GrantId}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }
        var revoked = await Fhir<Hl7.Fhir.Model.Consent>(await w.Patient.GetAsync($"/fhir/R4/Consent/{w.GrantId}", Ct), HttpStatusCode.OK);
        Assert.Equal(Hl7.Fhir.Model.Consent.ConsentState.Inactive, revoked.Status);
        Assert.NotNull(revoked.Provision!.Period!.End);
        Assert.Empty((await Fhir<Bundle>(await w.Patient.GetAsync("/fhir/R4/Consent?status=active", Ct), HttpStatusCode.OK)).Entry);

        // The doctor's read is an AuditEvent in the patient's history, searchable by agent and date, readable by id.
        var audit = await Fhir<Bundle>(await w.Patient.GetAsync("/fhir/R4/AuditEvent?agent=Practitioner/dr-one", Ct), HttpStatusCode.OK);
        var read = Of<AuditEvent>(audit).First();
        Assert.Equal("Practitioner/dr-one", read.Agent.Single().Who!.Reference);
        Assert.Equal(AuditEvent.AuditEventOutcome.N0, read.Outcome);
        Assert.Equal($"Patient/{w.PatientId}", read.Entity.Single().What!.Reference);
        var again = await Fhir<AuditEvent>(await w.Admin.GetAsync($"/fhir/R4/AuditEvent/{read.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal(read.Recorded, again.Recorded);
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/AuditEvent/{read.Id}", Ct), HttpStatusCode.Forbidden);
        await Fhir<OperationOutcome>(await w.Patient.GetAsync($"/fhir/R4/AuditEvent/{new string('0', 64)}", Ct), HttpStatusCode.NotFound);
        Assert.Empty((await Fhir<Bundle>(await w.Patient.GetAsync("/fhir/R4/AuditEvent?date=lt2000", Ct), HttpStatusCode.OK)).Entry);
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/AuditEvent?patient={w.PatientId}", Ct), HttpStatusCode.Forbidden);
        var badDate = await Fhir<OperationOutcome>(await w.Patient.GetAsync("/fhir/R4/AuditEvent?date=soon", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("date", badDate.Issue.Single().Expression.Single());

        // Provenance of the Patient: the transaction in its meta.tag, the signer (the admin who registered it), the block.
        var patient = await Fhir<Patient>(await w.Admin.GetAsync($"/fhir/R4/Patient/{w.PatientId}", Ct), HttpStatusCode.OK);
        var tx = patient.Meta!.Tag.Single(t => t.System == "https://healthledger.example/fhir/NamingSystem/transaction").Code;
        var proofs = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Provenance?target=Patient/{w.PatientId}", Ct), HttpStatusCode.OK);
        var provenance = Of<Provenance>(proofs).Single();
        Assert.Equal($"Patient/{w.PatientId}/_history/1", provenance.Target.Single().Reference);
        Assert.Equal(tx, provenance.Entity[0].What!.Identifier!.Value);
        Assert.Equal(patient.Meta.LastUpdated, provenance.Recorded);
        Assert.NotEmpty(provenance.Signature.Single().Data!);
        var byId = await Fhir<Provenance>(await w.Admin.GetAsync($"/fhir/R4/Provenance/{provenance.Id}", Ct), HttpStatusCode.OK);
        Assert.Contains(byId.Target, t => t.Reference == $"Patient/{w.PatientId}/_history/1");
        // The proof follows the record's access rules: the doctor does not attend the other patient and is refused.
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/Provenance?target=Patient/{w.OtherPatientId}", Ct), HttpStatusCode.Forbidden);
        var badTarget = await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Provenance?target=pt-1", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("target", badTarget.Issue.Single().Expression.Single());

        var statement = await Fhir<CapabilityStatement>(await w.Node.Http.GetAsync("/fhir/R4/metadata", Ct), HttpStatusCode.OK);
        Assert.Contains(statement.Rest.Single().Operation, o => o.Name == "everything");
        Assert.Contains(statement.Rest.Single().Operation, o => o.Name == "export");
        Assert.Contains(statement.Rest.Single().Resource, r => r.Type == "Provenance");
    }

    [Fact]
    public async System.Threading.Tasks.Task Everything_gathers_the_patients_record_and_a_readers_export_is_in_their_access_history()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        var own = await Fhir<Bundle>(await w.Patient.GetAsync($"/fhir/R4/Patient/{w.PatientId}/$everything", Ct), HttpStatusCode.OK);
        Assert.Equal(Bundle.BundleType.Searchset, own.Type);
        Assert.Equal(own.Entry.Count, own.Total);
        Assert.Equal(w.PatientId, Of<Patient>(own).Single().Id);
        Assert.Equal(w.GrantId, Of<Hl7.Fhir.Model.Consent>(own).Single().Id);
        Assert.Contains(Of<AuditEvent>(own), a => a.Agent.Single().Who!.Reference == "Practitioner/dr-one");
        Assert.Contains(Of<Provenance>(own), p => p.Target.Any(t => t.Reference == $"Patient/{w.PatientId}/_history/1"));
        Assert.Contains(Of<Provenance>(own), p => p.Target.Any(t => t.Reference!.StartsWith($"Consent/{w.GrantId}/", StringComparison.Ordinal)));
        Assert.All(own.Entry, e => Assert.EndsWith($"/fhir/R4/{e.Resource!.TypeName}/{e.Resource.Id}", e.FullUrl, StringComparison.Ordinal));
        var onlyConsent = await Fhir<Bundle>(await w.Patient.GetAsync($"/fhir/R4/Patient/{w.PatientId}/$everything?_type=Consent", Ct), HttpStatusCode.OK);
        Assert.Equal(new[] { "Consent" }, onlyConsent.Entry.Select(e => e.Resource!.TypeName).Distinct());

        // The doctor sees what they may (not the consents or the access history) and the read is recorded as a whole-record disclosure.
        var doctors = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Patient/{w.PatientId}/$everything", Ct), HttpStatusCode.OK);
        Assert.Single(Of<Patient>(doctors));
        Assert.Empty(Of<Hl7.Fhir.Model.Consent>(doctors));
        Assert.Empty(Of<AuditEvent>(doctors));
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/Patient/{w.OtherPatientId}/$everything", Ct), HttpStatusCode.Forbidden);
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync($"/fhir/R4/Patient/pt-nosuchpatient/$everything", Ct), HttpStatusCode.NotFound);
        var bad = await Fhir<OperationOutcome>(await w.Patient.GetAsync($"/fhir/R4/Patient/{w.PatientId}/$everything?_type=Spaceship", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("_type", bad.Issue.Single().Expression.Single());
        await w.SettleAsync();
        var history = await Fhir<Bundle>(await w.Patient.GetAsync($"/fhir/R4/AuditEvent?patient=Patient/{w.PatientId}&agent=dr-one", Ct), HttpStatusCode.OK);
        Assert.Contains(Of<AuditEvent>(history), a => a.Entity.Single().Description == "FHIR $everything");
        using var json = await w.Patient.GetAsync($"/api/v1/patients/{w.PatientId}/access-history?category=whole-record", Ct);
        Assert.Contains("FHIR $everything", await json.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        // The patient's own export is not a disclosure.
        Assert.DoesNotContain(Of<AuditEvent>(history), a => a.Agent.Single().Who!.Reference == $"Patient/{w.PatientId}");
    }

    [Fact]
    public async System.Threading.Tasks.Task The_patient_page_downloads_the_record_as_a_FHIR_bundle()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        using var browser = await w.Node.CookieLoginAsync(w.PatientId, NodeFixture.ChosenPassword);
        var page = await browser.GetStringAsync($"/patients/{w.PatientId}", Ct);
        Assert.Contains("data-testid=\"record-fhir\"", page, StringComparison.Ordinal);
        Assert.Contains("Download my record (FHIR)", page, StringComparison.Ordinal);
        using var response = await browser.GetAsync($"/patients/{w.PatientId}?handler=RecordFhir", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Matches($"^health-record-{w.PatientId}-\\d{{4}}-\\d{{2}}-\\d{{2}}\\.fhir\\.json$", response.Content.Headers.ContentDisposition!.FileNameStar ?? response.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        var bundle = Assert.IsType<Bundle>(FhirValidation.AssertValidJson(await response.Content.ReadAsStringAsync(Ct)));
        Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
        Assert.Equal(w.PatientId, Of<Patient>(bundle).Single().Id);
        Assert.Single(Of<Hl7.Fhir.Model.Consent>(bundle));

        // The admin's page of the patient offers it too; another patient's record is refused.
        using var adminBrowser = await w.Node.CookieLoginAsync("admin", NodeFixture.Password);
        Assert.Contains("data-testid=\"record-fhir\"", await adminBrowser.GetStringAsync($"/patients/{w.PatientId}", Ct), StringComparison.Ordinal);
        using var refused = await browser.GetAsync($"/patients/{w.OtherPatientId}?handler=RecordFhir", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async System.Threading.Tasks.Task Bulk_export_runs_end_to_end_for_an_admin()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        var status = await KickOffAsync(w.Admin, "/fhir/R4/Patient/$export?_outputFormat=application/fhir%2Bndjson");
        await w.Node.App.Services.GetRequiredService<FhirBulkExports>().Finished(status.Split('/')[^1]);
        using var done = await w.Admin.GetAsync(status, Ct);
        var text = await done.Content.ReadAsStringAsync(Ct);
        Assert.True(done.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", done.Content.Headers.ContentType?.MediaType);
        using var manifest = JsonDocument.Parse(text);
        var root = manifest.RootElement;
        Assert.True(root.GetProperty("requiresAccessToken").GetBoolean());
        Assert.EndsWith("/fhir/R4/Patient/$export?_outputFormat=application/fhir%2Bndjson", root.GetProperty("request").GetString(), StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("transactionTime").GetString(), out var _));
        Assert.Equal(0, root.GetProperty("error").GetArrayLength());
        var outputs = root.GetProperty("output").EnumerateArray().Select(o => (Type: o.GetProperty("type").GetString()!, Url: o.GetProperty("url").GetString()!)).ToList();
        Assert.Contains(outputs, o => o.Type == "Patient");
        Assert.Contains(outputs, o => o.Type == "Consent");
        Assert.Contains(outputs, o => o.Type == "Provenance");

        var patientIds = new List<string>();
        foreach (var (type, url) in outputs)
        {
            // The files need the same bearer token.
            using (var anonymous = await w.Node.Http.GetAsync(url, Ct)) Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            using var file = await w.Admin.GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.OK, file.StatusCode);
            Assert.Equal("application/fhir+ndjson", file.Content.Headers.ContentType?.MediaType);
            var lines = (await file.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                Assert.DoesNotContain('\r', line);
                var resource = FhirValidation.AssertValidJson(line);
                Assert.Equal(type, resource.TypeName);
                if (resource is Patient p) patientIds.Add(p.Id!);
            }
        }
        Assert.Equal(new[] { w.PatientId, w.OtherPatientId }.Order(), patientIds.Order());
        // Another user (even an admin's doctor colleague) cannot poll or download it.
        using (var other = await w.Doctor.GetAsync(status, Ct)) Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using (var otherFile = await w.Doctor.GetAsync(outputs[0].Url, Ct)) Assert.Equal(HttpStatusCode.NotFound, otherFile.StatusCode);

        // Each patient's export is a disclosure in their access history.
        await w.SettleAsync();
        var history = await Fhir<Bundle>(await w.Patient.GetAsync("/fhir/R4/AuditEvent?agent=admin", Ct), HttpStatusCode.OK);
        Assert.Contains(Of<AuditEvent>(history), a => a.Entity.Single().Description == "FHIR bulk export");

        // _type narrows; DELETE cancels and drops the files.
        var narrow = await KickOffAsync(w.Admin, "/fhir/R4/$export?_type=Patient");
        await w.Node.App.Services.GetRequiredService<FhirBulkExports>().Finished(narrow.Split('/')[^1]);
        using (var narrowDone = await w.Admin.GetAsync(narrow, Ct))
        {
            using var narrowManifest = JsonDocument.Parse(await narrowDone.Content.ReadAsStringAsync(Ct));
            Assert.Equal(new[] { "Patient" }, narrowManifest.RootElement.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("type").GetString()));
        }
        await Fhir<OperationOutcome>(await w.Admin.DeleteAsync(narrow, Ct), HttpStatusCode.Accepted);
        await Fhir<OperationOutcome>(await w.Admin.GetAsync(narrow, Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async System.Threading.Tasks.Task Bulk_export_is_refused_to_doctors_and_patients_and_checks_its_parameters()
    {
        var w = await SetUpAsync();
        await using var _ = w.Node;
        foreach (var client in new[] { w.Doctor, w.Patient })
        {
            foreach (var path in new[] { "/fhir/R4/$export", "/fhir/R4/Patient/$export" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("Prefer", "respond-async");
                var refused = await Fhir<OperationOutcome>(await client.SendAsync(request, Ct), HttpStatusCode.Forbidden);
                Assert.Equal(OperationOutcome.IssueType.Forbidden, refused.Issue.Single().Code);
            }
        }
        await Fhir<OperationOutcome>(await w.Node.Http.GetAsync("/fhir/R4/$export", Ct), HttpStatusCode.Unauthorized);
        var noPrefer = await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/$export", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Prefer", noPrefer.Issue.Single().Expression.Single());
        foreach (var (query, field) in new[] { ("_type=Spaceship", "_type"), ("_since=yesterday", "_since"), ("_outputFormat=text/csv", "_outputFormat"), ("_typeFilter=x", "_typeFilter") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/R4/Patient/$export?" + query);
            request.Headers.Add("Prefer", "respond-async");
            var bad = await Fhir<OperationOutcome>(await w.Admin.SendAsync(request, Ct), HttpStatusCode.BadRequest);
            Assert.Equal(field, bad.Issue.Single().Expression.Single());
        }
        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/$export-status/nosuchjob", Ct), HttpStatusCode.NotFound);
    }

    /// <summary>Kicks off an export; returns the status URL (and checks a first poll answers 202 with X-Progress or 200).</summary>
    private static async Task<string> KickOffAsync(HttpClient admin, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Prefer", "respond-async");
        request.Headers.Accept.ParseAdd("application/fhir+json");
        using var response = await admin.SendAsync(request, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        var status = response.Content.Headers.ContentLocation?.ToString() ?? response.Headers.GetValues("Content-Location").Single();
        Assert.Contains("/fhir/R4/$export-status/", status, StringComparison.Ordinal);
        using var poll = await admin.GetAsync(status, Ct);
        Assert.True(poll.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, poll.StatusCode.ToString());
        if (poll.StatusCode == HttpStatusCode.Accepted) Assert.NotEmpty(poll.Headers.GetValues("X-Progress").Single());
        return status;
    }
}
