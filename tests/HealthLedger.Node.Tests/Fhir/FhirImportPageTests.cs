using System.Net;
using System.Net.Http.Json;
using System.Text;
using HealthLedger.Testing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>The admin's /import page: upload, dry run, import (a background job: the page redirects to it), and the same report as the command line.</summary>
public class FhirImportPageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] CollectionBundle()
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Collection };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:00000000-0000-4000-8000-0000000000a1", Resource = new Practitioner { Id = "prac-1", Identifier = [new Identifier("http://hl7.org/fhir/sid/us-npi", "1234567893")], Name = [new HumanName { Family = "Page", Given = ["Paula"] }] } });
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = "urn:uuid:00000000-0000-4000-8000-0000000000b1",
            Resource = new Patient { Id = "src-1", Identifier = [new Identifier("urn:src", "IMP-77") { Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR") }], Name = [new HumanName { Family = "Uploaded", Given = ["Una"] }], Gender = AdministrativeGender.Female, BirthDate = "1966-06-06" },
        });
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            Resource = new Encounter
            {
                Id = "enc-1",
                Status = Encounter.EncounterStatus.Finished,
                Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
                Type = [new CodeableConcept { Text = "Check up" }],
                Subject = new ResourceReference("Patient/src-1"),
                Participant = [new Encounter.ParticipantComponent { Individual = new ResourceReference("Practitioner/prac-1") }],
                Period = new Period { Start = "2024-02-02T08:00:00Z" },
            },
        });
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            Resource = new Observation
            {
                Id = "obs-1",
                Status = ObservationStatus.Final,
                Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
                Code = new CodeableConcept("http://loinc.org", "2339-0", "Glucose"),
                Subject = new ResourceReference("urn:uuid:00000000-0000-4000-8000-0000000000b1"),
                Effective = new FhirDateTime("2024-02-02T08:10:00Z"),
                Value = new Quantity(90, "mg/dL"),
            },
        });
        return Encoding.UTF8.GetBytes(bundle.ToJson());
    }

    /// <summary>Uploads a file; answers the job's page once the import has finished (or the form again with its error).</summary>
    private static async Task<string> UploadAsync(NodeFixture node, HttpClient web, byte[] file, string name, bool dryRun)
    {
        var page = await web.GetStringAsync("/import", Ct);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(NodeFixture.AntiforgeryToken(page)), "__RequestVerificationToken" },
            { new ByteArrayContent(file), "Files", name },
        };
        if (dryRun) form.Add(new StringContent("true"), "DryRun");
        using var response = await web.PostAsync("/import", form, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        if (response.StatusCode == HttpStatusCode.OK) return html;
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, html);
        var location = response.Headers.Location!.ToString();
        await FinishedAsync(node, location);
        return await web.GetStringAsync(location, Ct);
    }

    /// <summary>Waits for the import whose page is <paramref name="location"/> (/import/jobs/{id}) to finish.</summary>
    internal static async Task FinishedAsync(NodeFixture node, string location)
    {
        var sessions = node.App.Services.GetRequiredService<Node.Security.SessionStore>();
        var admin = node.App.Services.GetRequiredService<Node.Security.AccountService>().Login("admin", NodeFixture.Password).Session!;
        try
        {
            var job = node.App.Services.GetRequiredService<Node.Fhir.Import.FhirImportJobs>().Find(admin, location.Split('/')[^1]);
            Assert.NotNull(job);
            await job.Finished.WaitAsync(Ct);
        }
        finally
        {
            sessions.Close(admin.Token);
        }
    }

    [Fact]
    public async Task An_admin_uploads_bundles_dry_runs_imports_and_sees_the_report()
    {
        await using var node = await NodeFixture.StartAsync();
        var web = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var api = await node.LoginAsync("admin", NodeFixture.Password);
        Assert.Contains("href=\"/import\"", await web.GetStringAsync("/", Ct));

        var dry = await UploadAsync(node, web, CollectionBundle(), "una.json", dryRun: true);
        Assert.Contains("<tr data-type=\"Patient\"><td>Patient</td><td>1</td><td>0</td><td>0</td></tr>", dry);
        Assert.Contains("<tr data-type=\"Observation\"><td>Observation</td><td>0</td><td>0</td><td>1</td></tr>", dry);
        Assert.Contains("Observation: a laboratory result without a lab order here (1)", dry);
        var none = FhirValidation.AssertValidJson(await api.GetStringAsync("/fhir/R4/Patient?identifier=IMP-77", Ct));
        Assert.Equal(0, Assert.IsType<Bundle>(none).Total);

        var run = await UploadAsync(node, web, CollectionBundle(), "una.json", dryRun: false);
        Assert.Contains("<tr data-type=\"Encounter\"><td>Encounter</td><td>1</td><td>0</td><td>0</td></tr>", run);
        Assert.Contains("<tr data-type=\"Practitioner\"><td>Practitioner</td><td>1</td><td>0</td><td>0</td></tr>", run);
        var found = Assert.IsType<Bundle>(FhirValidation.AssertValidJson(await api.GetStringAsync("/fhir/R4/Patient?identifier=IMP-77", Ct)));
        var patient = Assert.IsType<Patient>(found.Entry.Single().Resource);
        Assert.Equal("Una Uploaded", patient.Name.Single().Text);
        var entries = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/patients/{patient.Id}/entries", Ct);
        Assert.Contains("dr-1234567893", entries.ToString());

        var again = await UploadAsync(node, web, CollectionBundle(), "una.json", dryRun: false);
        Assert.Contains("<tr data-type=\"Patient\"><td>Patient</td><td>0</td><td>1</td><td>0</td></tr>", again);
        Assert.Contains("<tr data-type=\"Encounter\"><td>Encounter</td><td>0</td><td>1</td><td>0</td></tr>", again);

        var bad = await UploadAsync(node, web, Encoding.UTF8.GetBytes("{ not json"), "broken.json", dryRun: false);
        Assert.Contains("Nothing imported: broken.json:", bad);
        Assert.DoesNotContain("data-testid=\"import-report\"", bad);

        // Without a session: the login page, not the form.
        Assert.DoesNotContain("data-testid=\"import-form\"", await node.Http.GetStringAsync("/import", Ct));
    }
}
