using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HealthLedger.Node.Fhir.Export;
using HealthLedger.Node.Fhir.Import;
using HealthLedger.Node.Security;
using HealthLedger.Testing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// The /import page's background jobs: progress (page and status JSON) and the final report, one import at a time, a
/// logout during an import (and during a bulk export) that stops neither, and Synthea-style inpatient encounters (class
/// IMP, no "Ward/Bed") imported as stays in the default ward, discharged at period.end.
/// </summary>
public class FhirImportJobTests
{
    private const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    private static Bundle PatientsBundle(string prefix, int patients)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Collection };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = Urn($"{prefix}-prac"), Resource = new Practitioner { Id = "prac-1", Identifier = [new Identifier("http://hl7.org/fhir/sid/us-npi", "1234567893")], Name = [new HumanName { Family = "Page", Given = ["Paula"] }] } });
        for (var i = 1; i <= patients; i++)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = Urn($"{prefix}-{i}"),
                Resource = new Patient
                {
                    Id = $"{prefix}-{i}",
                    Identifier = [new Identifier("urn:src", $"{prefix}-{i}") { Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR") }],
                    Name = [new HumanName { Family = "Jobtest", Given = [$"P{i}"] }],
                    Gender = AdministrativeGender.Female,
                    BirthDate = "1970-01-0" + Math.Min(i, 9),
                },
            });
        }
        return bundle;
    }

    /// <summary>A Bundle entry's full URL: a UUID derived from <paramref name="name"/>.</summary>
    private static string Urn(string name) => "urn:uuid:" + new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(name)));

    private static byte[] Json(Bundle bundle) => Encoding.UTF8.GetBytes(bundle.ToJson());

    /// <summary>Posts files to /import; returns the response (a redirect to the job's page, or the page with its error).</summary>
    private static async Task<HttpResponseMessage> PostAsync(HttpClient web, byte[] file, string name = "bundle.json")
    {
        var page = await web.GetStringAsync("/import", Ct);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(NodeFixture.AntiforgeryToken(page)), "__RequestVerificationToken" },
            { new ByteArrayContent(file), "Files", name },
        };
        return await web.PostAsync("/import", form, Ct);
    }

    /// <summary>Uploads, follows the redirect to the job and waits for it; returns the job and its finished page.</summary>
    private static async Task<(FhirImportJob Job, string Page)> ImportAsync(NodeFixture node, HttpClient web, byte[] file)
    {
        string location;
        using (var posted = await PostAsync(web, file))
        {
            Assert.True(posted.StatusCode == HttpStatusCode.Redirect, await posted.Content.ReadAsStringAsync(Ct));
            location = posted.Headers.Location!.ToString();
        }
        Assert.StartsWith("/import/jobs/", location, StringComparison.Ordinal);
        var job = Job(node, location.Split('/')[^1]);
        await job.Finished.WaitAsync(Ct);
        return (job, await web.GetStringAsync(location, Ct));
    }

    private static FhirImportJob Job(NodeFixture node, string id)
    {
        var admin = Login(node);
        try
        {
            return node.App.Services.GetRequiredService<FhirImportJobs>().Find(admin, id) ?? throw new InvalidOperationException("no such job");
        }
        finally
        {
            node.App.Services.GetRequiredService<SessionStore>().Close(admin.Token);
        }
    }

    private static UserSession Login(NodeFixture node) =>
        node.App.Services.GetRequiredService<AccountService>().Login("admin", NodeFixture.Password).Session ?? throw new InvalidOperationException("admin login failed");

    private static async Task<JsonElement> StatusAsync(HttpClient web, string id)
    {
        using var response = await web.GetAsync($"/import/jobs/{id}?handler=Status", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static DateTimeOffset At(FhirDateTime? value) =>
        value is not null && value.TryToDateTimeOffset(out var at) ? at : throw new InvalidOperationException("no date and time");

    [Fact]
    public async Task A_running_import_shows_its_progress_refuses_a_second_import_and_ends_with_the_report()
    {
        await using var node = await NodeFixture.StartAsync();
        var web = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var api = await node.LoginAsync("admin", NodeFixture.Password);
        var jobs = node.App.Services.GetRequiredService<FhirImportJobs>();

        // A job held after its first resource, so its progress and the one-at-a-time rule are seen while it runs.
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var admin = Login(node);
        var started = jobs.Start(admin, [PatientsBundle("JOB", 3)], 1, new FhirImportOptions(), (done, _) =>
        {
            if (done != 1) return;
            reached.TrySetResult();
            release.Wait(Ct);
        });
        Assert.True(started.IsOk, started.Message);
        var job = started.Value!;
        try
        {
            await reached.Task.WaitAsync(Ct);
            var status = await StatusAsync(web, job.Id);
            Assert.Equal("running", status.GetProperty("state").GetString());
            Assert.Equal((1, 4), (status.GetProperty("done").GetInt32(), status.GetProperty("total").GetInt32()));
            var running = await web.GetStringAsync($"/import/jobs/{job.Id}", Ct);
            Assert.Contains("data-state=\"running\"", running, StringComparison.Ordinal);
            Assert.Matches("<progress id=\"import-progress\" data-testid=\"import-progress\" max=\"4\" value=\"1\">", running);
            Assert.Contains("<script src=\"/assets/import-job.js\"></script>", running, StringComparison.Ordinal);
            Assert.Contains($"href=\"/import/jobs/{job.Id}\"", await web.GetStringAsync("/import", Ct), StringComparison.Ordinal);

            // A second import (the page, or the service as the command line would call it) is refused and writes nothing.
            using (var second = await PostAsync(web, Json(PatientsBundle("TWO", 1))))
            {
                var html = await second.Content.ReadAsStringAsync(Ct);
                Assert.True(second.StatusCode == HttpStatusCode.OK, html);
                Assert.Contains("Nothing imported: an import (started by admin, 1 of 4 resources done) is running on this node", html, StringComparison.Ordinal);
            }
            Assert.Equal(Node.Records.OutcomeKind.Busy, jobs.Start(admin, [PatientsBundle("TWO", 1)], 1, new FhirImportOptions()).Kind);
        }
        finally
        {
            release.Set();
        }
        await job.Finished.WaitAsync(Ct);

        var final = await StatusAsync(web, job.Id);
        Assert.Equal(("completed", 4, 4), (final.GetProperty("state").GetString(), final.GetProperty("done").GetInt32(), final.GetProperty("total").GetInt32()));
        var report = await web.GetStringAsync($"/import/jobs/{job.Id}", Ct);
        Assert.Contains("<tr data-type=\"Patient\"><td>Patient</td><td>3</td><td>0</td><td>0</td></tr>", report, StringComparison.Ordinal);
        Assert.Contains("<tr data-type=\"Practitioner\"><td>Practitioner</td><td>1</td><td>0</td><td>0</td></tr>", report, StringComparison.Ordinal);
        Assert.DoesNotContain("import-job.js", report, StringComparison.Ordinal);
        Assert.Equal(3, (await SearchAsync(api, "Patient?family=Jobtest")).Total);
        Assert.Equal(0, (await SearchAsync(api, "Patient?identifier=TWO-1")).Total);

        // Now that it has ended, the next import starts (and, the same files, creates nothing).
        var (again, page) = await ImportAsync(node, web, Json(PatientsBundle("JOB", 3)));
        Assert.Equal(FhirImportJobState.Completed, again.State);
        Assert.Contains("<tr data-type=\"Patient\"><td>Patient</td><td>0</td><td>3</td><td>0</td></tr>", page, StringComparison.Ordinal);

        // Only admins see the jobs; an unknown job is 404.
        using (var unknown = await web.GetAsync("/import/jobs/nosuchjob?handler=Status", Ct)) Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Logging_out_during_an_import_or_a_bulk_export_stops_neither()
    {
        await using var node = await NodeFixture.StartAsync();
        var jobs = node.App.Services.GetRequiredService<FhirImportJobs>();
        var sessions = node.App.Services.GetRequiredService<SessionStore>();

        // The admin's session ends (its keys wiped) after the first resource: the job signs on with its own copy.
        var admin = Login(node);
        var started = jobs.Start(admin, [PatientsBundle("OUT", 3)], 1, new FhirImportOptions(), (done, _) =>
        {
            if (done == 1) sessions.Close(admin.Token);
        });
        Assert.True(started.IsOk, started.Message);
        await started.Value!.Finished.WaitAsync(Ct);
        Assert.Null(sessions.Find(admin.Token));
        Assert.True(started.Value.State == FhirImportJobState.Completed, started.Value.Error);
        Assert.Equal(3, started.Value.Report!.Types["Patient"].Created);

        // Through the page: upload, log out at once, and the import still completes; a new login reads what it wrote.
        var web = await node.CookieLoginAsync("admin", NodeFixture.Password);
        string location;
        using (var posted = await PostAsync(web, Json(PatientsBundle("WEB", 2))))
        {
            Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
            location = posted.Headers.Location!.ToString();
        }
        var logoutForm = await web.GetStringAsync("/import", Ct);
        using (var logout = await web.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(logoutForm) }), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        }
        using (var loggedOut = await web.GetAsync(location, Ct)) Assert.NotEqual(HttpStatusCode.OK, loggedOut.StatusCode);
        var job = Job(node, location.Split('/')[^1]);
        await job.Finished.WaitAsync(Ct);
        Assert.True(job.State == FhirImportJobState.Completed, job.Error);
        var api = await node.LoginAsync("admin", NodeFixture.Password);
        Assert.Equal(5, (await SearchAsync(api, "Patient?family=Jobtest")).Total);
        var back = await node.CookieLoginAsync("admin", NodeFixture.Password);
        Assert.Contains("<tr data-type=\"Patient\"><td>Patient</td><td>2</td><td>0</td><td>0</td></tr>", await back.GetStringAsync(location, Ct), StringComparison.Ordinal);

        // A bulk export whose admin logs out as it starts completes too, and a new login of the admin downloads it.
        var exports = node.App.Services.GetRequiredService<FhirBulkExports>();
        var exporter = Login(node);
        var export = exports.Start(exporter, new BulkExportRequest("http://localhost/fhir/R4/Patient/$export", false, null, null));
        sessions.Close(exporter.Token);
        Assert.True(export.IsOk, export.Message);
        await exports.Finished(export.Value!.Id).WaitAsync(Ct);
        Assert.True(export.Value.State == BulkExportState.Completed, export.Value.Failure?.Outcome.ToJson());
        Assert.Equal(5, export.Value.Output.Single(f => f.Type == "Patient").Count);
        // Over HTTP: kick off, log out (DELETE the bearer session), log in again and poll.
        using (var kickoff = new HttpRequestMessage(HttpMethod.Get, "/fhir/R4/Patient/$export"))
        {
            kickoff.Headers.Add("Prefer", "respond-async");
            using var accepted = await api.SendAsync(kickoff, Ct);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var statusUrl = accepted.Content.Headers.ContentLocation!.ToString();
            using (var bye = await api.PostAsync("/api/v1/auth/logout", null, Ct)) Assert.Equal(HttpStatusCode.NoContent, bye.StatusCode);
            await exports.Finished(statusUrl.Split('/')[^1]).WaitAsync(Ct);
            var again = await node.LoginAsync("admin", NodeFixture.Password);
            using var manifest = await again.GetAsync(statusUrl, Ct);
            Assert.True(manifest.StatusCode == HttpStatusCode.OK, await manifest.Content.ReadAsStringAsync(Ct));
        }
        // The node is fine: it still serves.
        using var health = await node.Http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static Encounter Inpatient(string patientUrl, string start, string? end, string? place = "MASSACHUSETTS GENERAL HOSPITAL") => new()
    {
        Status = end is null ? Encounter.EncounterStatus.InProgress : Encounter.EncounterStatus.Finished,
        Class = new Coding(ActCode, "IMP"),
        Type = [new CodeableConcept("http://snomed.info/sct", "32485007", "Hospital admission", "Hospital admission")],
        Subject = new ResourceReference(patientUrl),
        Participant = [new Encounter.ParticipantComponent { Individual = new ResourceReference("Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1234567893") }],
        Period = new Period { Start = start, End = end },
        Location = place is null ? [] : [new Encounter.LocationComponent { Location = new ResourceReference { Reference = "Location?identifier=https://github.com/synthetichealth/synthea|abc", Display = place } }],
    };

    [Fact]
    public async Task Inpatient_encounters_become_stays_discharged_at_period_end_and_a_rerun_creates_nothing()
    {
        await using var node = await NodeFixture.StartAsync();
        var web = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var api = await node.LoginAsync("admin", NodeFixture.Password);

        // Two patients: the first with two ended stays (out of order in the file), the second still admitted.
        var bundle = PatientsBundle("IMP", 2);
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = Inpatient(Urn("IMP-1"), "2023-03-10T08:00:00Z", "2023-03-14T12:30:00Z") });
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = Inpatient(Urn("IMP-1"), "2022-01-05T09:00:00Z", "2022-01-07T10:00:00Z", place: null) });
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = Inpatient(Urn("IMP-2"), "2024-06-01T07:00:00Z", null) });
        var (job, page) = await ImportAsync(node, web, Json(bundle));
        Assert.True(job.State == FhirImportJobState.Completed, job.Error);
        Assert.Contains("<tr data-type=\"Encounter\"><td>Encounter</td><td>3</td><td>0</td><td>0</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains($"3 inpatient encounters name no ward and bed of this hospital (location \"Ward/Bed\"): recorded in the ward {FhirImporter.DefaultWard}.", WebUtility.HtmlDecode(page), StringComparison.Ordinal);

        var first = Assert.IsType<Patient>((await SearchAsync(api, "Patient?identifier=IMP-1")).Entry.Single().Resource);
        var stays = (await SearchAsync(api, $"Encounter?patient={first.Id}")).Entry.Select(e => Assert.IsType<Encounter>(e.Resource)).OrderBy(e => e.Period!.Start, StringComparer.Ordinal).ToList();
        Assert.Equal(2, stays.Count);
        foreach (var stay in stays)
        {
            FhirValidation.AssertValid(stay);
            Assert.Equal(Encounter.EncounterStatus.Finished, stay.Status);
            Assert.Equal("IMP", stay.Class!.Code);
            Assert.Equal($"Ward {FhirImporter.DefaultWard}, bed {FhirImporter.DefaultWard}-1", stay.Location.Single().Location!.Display);
            Assert.Equal(Encounter.EncounterLocationStatus.Completed, stay.Location.Single().Status);
        }
        Assert.Equal((DateTimeOffset.Parse("2022-01-05T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2022-01-07T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            (At(stays[0].Period!.StartElement), At(stays[0].Period!.EndElement)));
        Assert.Equal(DateTimeOffset.Parse("2023-03-14T12:30:00Z", System.Globalization.CultureInfo.InvariantCulture), At(stays[1].Period!.EndElement));
        Assert.Equal(2, (await SearchAsync(api, $"Encounter?patient={first.Id}&status=finished&class={ActCode}|IMP")).Entry.Count);
        var second = Assert.IsType<Patient>((await SearchAsync(api, "Patient?identifier=IMP-2")).Entry.Single().Resource);
        var open = Assert.IsType<Encounter>((await SearchAsync(api, $"Encounter?patient={second.Id}")).Entry.Single().Resource);
        Assert.Equal(Encounter.EncounterStatus.InProgress, open.Status);
        Assert.Null(open.Period!.End);
        // The ended stays freed their bed (the first patient's stays shared Imported-1, and so did the open one, which holds it now).
        Assert.Equal($"Ward {FhirImporter.DefaultWard}, bed {FhirImporter.DefaultWard}-1", open.Location.Single().Location!.Display);

        // A rerun finds every stay again: nothing is created, and the patients' entries are unchanged.
        var entries = await api.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{first.Id}/entries", Ct);
        var (rerun, rerunPage) = await ImportAsync(node, web, Json(bundle));
        Assert.True(rerun.State == FhirImportJobState.Completed, rerun.Error);
        Assert.Contains("<tr data-type=\"Encounter\"><td>Encounter</td><td>0</td><td>3</td><td>0</td></tr>", rerunPage, StringComparison.Ordinal);
        Assert.Equal(entries.ToString(), (await api.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{first.Id}/entries", Ct)).ToString());

        // The stay still open is discharged by a later export of it that has its period.end; a third patient's stay goes to
        // a bed of the hospital's ward list, which gains the ward Imported (the only beds are taken).
        using (var saved = await api.PutAsJsonAsync("/api/v1/wards", new { version = 0, wards = new[] { new { name = "ICU", beds = new[] { "ICU-1" } } } }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }
        var later = PatientsBundle("IMP", 3);
        later.Entry.Add(new Bundle.EntryComponent { Resource = Inpatient(Urn("IMP-2"), "2024-06-01T07:00:00Z", "2024-06-03T16:00:00Z") });
        later.Entry.Add(new Bundle.EntryComponent { Resource = Inpatient(Urn("IMP-3"), "2024-07-01T07:00:00Z", "2024-07-02T07:00:00Z", place: "ICU/ICU-9") });
        var (third, thirdPage) = await ImportAsync(node, web, Json(later));
        Assert.True(third.State == FhirImportJobState.Completed, third.Error);
        Assert.Contains("<tr data-type=\"Encounter\"><td>Encounter</td><td>2</td><td>0</td><td>0</td></tr>", thirdPage, StringComparison.Ordinal);
        Assert.Contains($"whose beds {FhirImporter.DefaultWard}-1 were added to the ward list.", thirdPage, StringComparison.Ordinal);
        var discharged = Assert.IsType<Encounter>((await SearchAsync(api, $"Encounter?patient={second.Id}")).Entry.Single().Resource);
        Assert.Equal((open.Id, Encounter.EncounterStatus.Finished), (discharged.Id, discharged.Status));
        Assert.Equal(DateTimeOffset.Parse("2024-06-03T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture), At(discharged.Period!.EndElement));
        var thirdPatient = Assert.IsType<Patient>((await SearchAsync(api, "Patient?identifier=IMP-3")).Entry.Single().Resource);
        var listed = Assert.IsType<Encounter>((await SearchAsync(api, $"Encounter?patient={thirdPatient.Id}")).Entry.Single().Resource);
        Assert.Equal((Encounter.EncounterStatus.Finished, $"Ward {FhirImporter.DefaultWard}, bed {FhirImporter.DefaultWard}-1"), (listed.Status, listed.Location.Single().Location!.Display));
        var wards = await api.GetFromJsonAsync<JsonElement>("/api/v1/wards", Ct);
        Assert.Contains($"\"name\":\"{FhirImporter.DefaultWard}\"", wards.ToString(), StringComparison.Ordinal);
    }
}
