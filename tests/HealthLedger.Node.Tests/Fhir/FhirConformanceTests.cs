using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Records;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// What an independent FHIR client (fhir-kit-client) found wrong, each as a kind: paging links, comma lists, value sets,
/// idempotency, body caps, disclosures of writes and of $everything, capabilities, transaction rules. Every resource
/// received is validated against the R4 base profiles.
/// </summary>
public class FhirConformanceTests
{
    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Doctor, string PatientId, string OtherPatientId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Created(await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Cardiology", licenceNumber = "L-1" }, Ct));
        var patient = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female", conditions = new[] { "Asthma" } }, Ct));
        var other = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-2", fullName = "John Doe", dateOfBirth = "1975-06-01", gender = "male", conditions = Array.Empty<string>() }, Ct));
        return new World(node, admin, await node.FirstLoginAsync("dr-one", doctor.OneTimePassword!), patient.Id, other.Id);
    }

    private static Condition Problem(string patient, string text) => new()
    {
        Subject = new ResourceReference(patient),
        Code = new CodeableConcept { Text = text },
        ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
    };

    private static Bundle.EntryComponent Post(Resource resource, string? fullUrl = null, string? ifNoneExist = null) => new()
    {
        FullUrl = fullUrl,
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = resource.TypeName, IfNoneExist = ifNoneExist },
    };

    [Fact]
    public async Task Search_links_keep_posted_criteria_comma_lists_or_and_fixed_value_sets_are_checked()
    {
        await using var w = await SetUpAsync();

        // POST _search: the form's criteria (and the query's) are in self, next and previous.
        using (var form = new FormUrlEncodedContent([new("gender", "female"), new("_count", "1")]))
        {
            var page = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4/Patient/_search?_format=json", form, Ct), HttpStatusCode.OK);
            Assert.Equal(1, page.Total);
            var self = page.Link.Single(l => l.Relation == "self").Url;
            Assert.Contains("gender=female", self, StringComparison.Ordinal);
            Assert.Contains("_format=json", self, StringComparison.Ordinal);
        }
        using (var form = new FormUrlEncodedContent([new("name", "j"), new("_count", "1")]))
        {
            var page = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4/Patient/_search", form, Ct), HttpStatusCode.OK);
            Assert.Equal(2, page.Total);
            Assert.Contains("name=j", page.Link.Single(l => l.Relation == "next").Url, StringComparison.Ordinal);
        }

        // _offset past the end: previous is the last page with matches, not another empty page.
        var past = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?_count=1&_offset=7", Ct), HttpStatusCode.OK);
        Assert.Empty(past.Entry);
        Assert.EndsWith("_count=1&_offset=1", past.Link.Single(l => l.Relation == "previous").Url, StringComparison.Ordinal);
        Assert.DoesNotContain(past.Link, l => l.Relation == "next");

        // _id lists OR (alone, and with another parameter); repeats AND.
        var both = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Patient?_id={w.PatientId},{w.OtherPatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal(new[] { w.OtherPatientId, w.PatientId }.Order(StringComparer.Ordinal), Entries(both).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(2, both.Total);
        var bothFemale = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Patient?_id={w.PatientId},{w.OtherPatientId}&gender=female,male", Ct), HttpStatusCode.OK);
        Assert.Equal(2, bothFemale.Total);
        var and = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Patient?_id={w.PatientId},{w.OtherPatientId}&_id={w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal(w.PatientId, Entries(and).Single().Id);
        var conditions = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Condition?_id={w.PatientId}-condition-1,{w.PatientId}-condition-9", Ct), HttpStatusCode.OK);
        Assert.Equal($"{w.PatientId}-condition-1", Entries(conditions).Single().Id);

        // A code outside a required value set is a 400 naming the parameter, on every type that has one.
        foreach (var (path, parameter) in new[] { ("Patient?gender=robot", "gender"), ("Patient?gender=female,robot", "gender"), ("Encounter?status=asleep", "status"),
            ("MedicationRequest?intent=wish", "intent"), ("Condition?clinical-status=http://terminology.hl7.org/CodeSystem/condition-clinical|gone", "clinical-status") })
        {
            var bad = await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/" + path, Ct), HttpStatusCode.BadRequest);
            Assert.Equal(parameter, bad.Issue.Single().Expression.Single());
        }
        await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?gender=http://hl7.org/fhir/administrative-gender|FEMALE", Ct), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Creates_and_transactions_take_idempotency_keys_and_bundles_up_to_the_documented_cap()
    {
        await using var w = await SetUpAsync();

        // The same key and body: one write, the answer replayed; the same key with another body: 422 OperationOutcome.
        async Task<HttpResponseMessage> PostWithKey(Resource resource, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/fhir/R4/{resource.TypeName}") { Content = Body(resource) };
            request.Headers.Add(IdempotencyKeys.Header, key);
            return await w.Admin.SendAsync(request, Ct);
        }
        var first = await PostWithKey(Problem($"Patient/{w.PatientId}", "Gout"), "key-1");
        Assert.False(first.Headers.Contains(IdempotencyKeys.ReplayedHeader));
        var created = await Fhir<Condition>(first, HttpStatusCode.Created);
        var again = await PostWithKey(Problem($"Patient/{w.PatientId}", "Gout"), "key-1");
        Assert.Equal("true", again.Headers.GetValues(IdempotencyKeys.ReplayedHeader).Single());
        // The replay carries the first answer's version and time (break-it, 2026-12-07: only its status, type, Location and body).
        Assert.NotNull(first.Headers.ETag);
        Assert.Equal(first.Headers.ETag, again.Headers.ETag);
        Assert.Equal(first.Content.Headers.LastModified, again.Content.Headers.LastModified);
        Assert.Equal(created.Meta!.VersionId, (await Fhir<Condition>(again, HttpStatusCode.Created)).Meta!.VersionId);
        var patient = await Fhir<Patient>(await w.Admin.GetAsync($"/fhir/R4/Patient/{w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal(created.Meta.VersionId, patient.Meta!.VersionId);
        var otherBody = await Fhir<OperationOutcome>(await PostWithKey(Problem($"Patient/{w.PatientId}", "Migraine"), "key-1"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(IdempotencyKeys.Header, otherBody.Issue.Single().Expression.Single());

        // Posting an item already listed writes nothing and answers 200 with it (not 201).
        var listed = await Fhir<Condition>(await w.Admin.PostAsync("/fhir/R4/Condition", Body(Problem($"Patient/{w.PatientId}", "asthma")), Ct), HttpStatusCode.OK);
        Assert.Equal($"{w.PatientId}-condition-1", listed.Id);

        // A transaction of 300 entries (~80 KB, over the old 16 KB cap): read and answered, nothing new written (all listed).
        var many = new Bundle { Type = Bundle.BundleType.Transaction };
        for (var i = 0; i < 300; i++) many.Entry.Add(Post(Problem($"Patient/{w.PatientId}", "Asthma"), $"urn:uuid:{Guid.NewGuid()}"));
        using (var body = Body(many))
        {
            Assert.True((await body.ReadAsByteArrayAsync(Ct)).Length > 64 * 1024);
            var answer = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4", body, Ct), HttpStatusCode.OK);
            Assert.Equal(300, answer.Entry.Count);
            Assert.All(answer.Entry, e => Assert.Equal("200 OK", e.Response!.Status));
        }
        var unchanged = await Fhir<Patient>(await w.Admin.GetAsync($"/fhir/R4/Patient/{w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal(created.Meta.VersionId, unchanged.Meta!.VersionId);
        // The cap of FHIR writes is 8 MiB (creates, updates, transaction/batch), of a search form 1 MiB.
        var endpoints = w.Node.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        long? Cap(string pattern, string method) => endpoints.Single(e => e.RoutePattern.RawText == pattern
            && e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(method) == true).Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
        Assert.Equal(8L * 1024 * 1024, Cap("/fhir/R4/", "POST"));
        Assert.Equal(8L * 1024 * 1024, Cap("/fhir/R4/{type}", "POST"));
        Assert.Equal(8L * 1024 * 1024, Cap("/fhir/R4/{type}/{id}", "PUT"));
        Assert.Equal(1024L * 1024, Cap("/fhir/R4/{type}/_search", "POST"));
    }

    [Fact]
    public async Task Write_answers_are_not_disclosures_and_everything_records_one_refusal_for_what_it_withholds()
    {
        await using var w = await SetUpAsync();
        var recorder = w.Node.App.Services.GetRequiredService<DisclosureRecorder>();
        var patient = await Created(await w.Admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-3", fullName = "Mary Major", dateOfBirth = "1960-01-01", gender = "female", conditions = Array.Empty<string>() }, Ct));
        using var patientClient = await w.Node.FirstLoginAsync(patient.Id, patient.OneTimePassword!);
        await Created(await patientClient.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/grants",
            new { granteeKind = "doctor", granteeId = "dr-one", categories = new[] { "demographics" } }, Ct));

        // The admin writes a Condition and an AllergyIntolerance (create and transaction): the answers carry the resources.
        await Fhir<Condition>(await w.Admin.PostAsync("/fhir/R4/Condition", Body(Problem($"Patient/{patient.Id}", "Gout")), Ct), HttpStatusCode.Created);
        var tx = new Bundle { Type = Bundle.BundleType.Transaction };
        tx.Entry.Add(Post(new AllergyIntolerance { Patient = new ResourceReference($"Patient/{patient.Id}"), Code = new CodeableConcept { Text = "Latex" } }));
        await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4", Body(tx), Ct), HttpStatusCode.OK);

        // The doctor, granted demographics only, gathers the record: the Patient and its lists, the rest withheld.
        var since = DateTimeOffset.UtcNow.AddDays(-1);
        var everything = await Fhir<Bundle>(await w.Doctor.GetAsync($"/fhir/R4/Patient/{patient.Id}/$everything", Ct), HttpStatusCode.OK);
        Assert.Contains(Entries(everything), r => r is Patient);
        Assert.Contains(Entries(everything), r => r is Condition);
        Assert.DoesNotContain(Entries(everything), r => r is Encounter or Account);
        // _since keeps only what has a time at or after it.
        var recent = await Fhir<Bundle>(await patientClient.GetAsync($"/fhir/R4/Patient/{patient.Id}/$everything?_since={Uri.EscapeDataString(since.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))}", Ct), HttpStatusCode.OK);
        Assert.NotEmpty(recent.Entry);
        Assert.All(recent.Entry.Select(e => e.Resource!).Where(r => r is not OperationOutcome), r => Assert.True(r.Meta?.LastUpdated >= since, $"{r.TypeName}/{r.Id} has no lastUpdated at or after _since"));

        await InProcessNode.WaitAsync("the disclosures are committed", () => recorder.Pending == 0, Ct);
        var history = await patientClient.GetFromJsonAsync<AccessHistoryPage>($"/api/v1/patients/{patient.Id}/access-history?pageSize=100", Ct);
        var events = history!.Groups.SelectMany(g => g.Events).ToList();
        // No read by the admin came from the writes (the admin read nothing of this patient through FHIR).
        Assert.DoesNotContain(events, e => e.PersonId == "admin" && e.Resource.StartsWith("FHIR", StringComparison.Ordinal));
        // The doctor's gathering: the reads made, and one refusal naming the types withheld.
        Assert.Contains(events, e => e.PersonId == "dr-one" && e.Kind == "read" && e.Resource == "FHIR $everything");
        var refusals = events.Where(e => e.PersonId == "dr-one" && e.Kind == "refused").ToList();
        var summary = Assert.Single(refusals);
        Assert.StartsWith("FHIR $everything: withheld ", summary.Resource, StringComparison.Ordinal);
        Assert.Contains("Account", summary.Resource, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capabilities_list_only_interactions_that_can_succeed_and_metadata_answers_head()
    {
        await using var w = await SetUpAsync();
        var statement = await Fhir<CapabilityStatement>(await w.Node.Http.GetAsync("/fhir/R4/metadata", Ct), HttpStatusCode.OK);
        var resources = statement.Rest.Single().Resource.ToDictionary(r => r.Type!, r => r.Interaction.Select(i => i.Code!.Value).ToHashSet());
        foreach (var appendOnly in new[] { "Encounter", "Observation" })
        {
            Assert.Contains(CapabilityStatement.TypeRestfulInteraction.Create, resources[appendOnly]);
            Assert.DoesNotContain(CapabilityStatement.TypeRestfulInteraction.Update, resources[appendOnly]);
        }
        // MedicationRequest: a reported item of the medication history is updated; a prescription is not (422).
        foreach (var updatable in new[] { "Patient", "Condition", "AllergyIntolerance", "MedicationRequest" }) Assert.Contains(CapabilityStatement.TypeRestfulInteraction.Update, resources[updatable]);
        var patientType = statement.Rest.Single().Resource.Single(r => r.Type == "Patient");
        Assert.Equal("http://hl7.org/fhir/OperationDefinition/Patient-everything", patientType.Operation.Single(o => o.Name == "everything").Definition);
        Assert.Equal(["_id", "identifier", "name", "family", "given", "birthdate", "gender", "organization"], patientType.SearchParam.Select(p => p.Name));
        Assert.Contains("Patient:organization", patientType.SearchInclude);

        using var head = await w.Node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/fhir/R4/metadata"), Ct);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("application/fhir+json", head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Transactions_refuse_duplicate_full_urls_foreign_references_and_changed_subjects_and_honour_if_none_exist()
    {
        await using var w = await SetUpAsync();
        var before = (await Fhir<Patient>(await w.Admin.GetAsync($"/fhir/R4/Patient/{w.PatientId}", Ct), HttpStatusCode.OK)).Meta!.VersionId;

        // Two entries with one fullUrl: 400 naming the second.
        var duplicate = new Bundle { Type = Bundle.BundleType.Transaction };
        duplicate.Entry.Add(Post(Problem($"Patient/{w.PatientId}", "Gout"), "urn:uuid:7d0e3c1a-0000-4000-8000-000000000001"));
        duplicate.Entry.Add(Post(Problem($"Patient/{w.PatientId}", "Migraine"), "urn:uuid:7d0e3c1a-0000-4000-8000-000000000001"));
        var dup = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", Body(duplicate), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Bundle.entry[1].fullUrl", dup.Issue.Single().Expression.Single());

        // A reference to another server is not a patient here: 400 (in a Bundle and in a plain create); this server's own base URL is.
        var foreign = new Bundle { Type = Bundle.BundleType.Transaction };
        foreign.Entry.Add(Post(Problem($"http://evil.example/fhir/Patient/{w.PatientId}", "Gout")));
        var refused = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", Body(foreign), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Bundle.entry[0].resource.subject", refused.Issue.Single().Expression.Single());
        var plain = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4/Condition", Body(Problem($"http://evil.example/fhir/Patient/{w.PatientId}", "Gout")), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Condition.subject", plain.Issue.Single().Expression.Single());
        var unchanged = await Fhir<Patient>(await w.Admin.GetAsync($"/fhir/R4/Patient/{w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal(before, unchanged.Meta!.VersionId);
        var own = await Fhir<Condition>(await w.Admin.PostAsync("/fhir/R4/Condition", Body(Problem($"{w.Admin.BaseAddress}fhir/R4/Patient/{w.PatientId}", "Gout")), Ct), HttpStatusCode.Created);
        Assert.Equal($"Patient/{w.PatientId}", own.Subject!.Reference);

        // A PUT whose subject is another patient than the item's: 400, nothing written.
        var put = new Bundle { Type = Bundle.BundleType.Transaction };
        var moved = Problem($"Patient/{w.OtherPatientId}", "Gout");
        moved.Id = $"{w.PatientId}-condition-2";
        put.Entry.Add(new Bundle.EntryComponent { Resource = moved, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Condition/{moved.Id}" } });
        var changed = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", Body(put), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Bundle.entry[0].resource.subject", changed.Issue.Single().Expression.Single());
        var direct = await Fhir<OperationOutcome>(await w.Admin.PutAsync($"/fhir/R4/Condition/{moved.Id}", Body(moved), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Condition.subject", direct.Issue.Single().Expression.Single());

        // ifNoneExist: a match is the answer (200, nothing written); no match creates; an unreadable query is 400 naming it.
        var conditional = new Bundle { Type = Bundle.BundleType.Transaction };
        conditional.Entry.Add(Post(new Patient { Identifier = [new Identifier("urn:mrn", "MRN-1")], Name = [new HumanName { Text = "Jane Roe" }], Gender = AdministrativeGender.Female, BirthDate = "1980-02-29" }, ifNoneExist: "identifier=MRN-1"));
        conditional.Entry.Add(Post(new Patient { Identifier = [new Identifier("urn:mrn", "MRN-9")], Name = [new HumanName { Text = "Nina New" }], Gender = AdministrativeGender.Female, BirthDate = "1999-09-09" }, ifNoneExist: "identifier=MRN-9"));
        var answer = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4", Body(conditional), Ct), HttpStatusCode.OK);
        Assert.Equal("200 OK", answer.Entry[0].Response!.Status);
        Assert.StartsWith($"Patient/{w.PatientId}/", answer.Entry[0].Response!.Location, StringComparison.Ordinal);
        Assert.Equal("201 Created", answer.Entry[1].Response!.Status);
        var again = await Fhir<Bundle>(await w.Admin.PostAsync("/fhir/R4", Body(conditional), Ct), HttpStatusCode.OK);
        Assert.All(again.Entry, e => Assert.Equal("200 OK", e.Response!.Status));
        var nines = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Patient?identifier=MRN-9", Ct), HttpStatusCode.OK);
        Assert.Equal(1, nines.Total);
        var badQuery = new Bundle { Type = Bundle.BundleType.Transaction };
        badQuery.Entry.Add(Post(Problem($"Patient/{w.PatientId}", "Gout"), ifNoneExist: "colour=blue"));
        var bad = await Fhir<OperationOutcome>(await w.Admin.PostAsync("/fhir/R4", Body(badQuery), Ct), HttpStatusCode.BadRequest);
        Assert.Equal("Bundle.entry[0].request.ifNoneExist", bad.Issue.Single().Expression.Single());
    }
    [Fact]
    public async Task The_location_of_a_create_reads_back_and_an_older_version_is_a_not_found_outcome_naming_the_current_one()
    {
        // A break-it pass followed a create's Location (…/_history/n) with an independent client and got 404.
        await using var w = await SetUpAsync();
        Condition created;
        string location;
        using (var response = await w.Admin.PostAsync("/fhir/R4/Condition", Body(Problem($"Patient/{w.PatientId}", "Migraine")), Ct))
        {
            location = response.Headers.Location!.ToString();
            created = await Fhir<Condition>(response, HttpStatusCode.Created);
        }
        Assert.EndsWith($"/Condition/{created.Id}/_history/{created.Meta!.VersionId}", location, StringComparison.Ordinal);
        var read = await Fhir<Condition>(await w.Admin.GetAsync(location, Ct), HttpStatusCode.OK);
        Assert.Equal((created.Id, "Migraine"), (read.Id, read.Code!.Text));
        var older = await Fhir<OperationOutcome>(await w.Admin.GetAsync($"/fhir/R4/Condition/{created.Id}/_history/0", Ct), HttpStatusCode.NotFound);
        Assert.Contains($"current version ({created.Meta.VersionId})", older.Issue.Single().Diagnostics, StringComparison.Ordinal);
        await Fhir<OperationOutcome>(await w.Doctor.GetAsync(location, Ct), HttpStatusCode.Forbidden);
    }
}
