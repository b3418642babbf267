using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Model;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Records;
using HealthLedger.Node.Tests.Network;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>
/// The acceptance test of the FHIR interface's access rules across organisations: two hospitals, one node each, in this
/// process. A St Mary doctor without a grant is refused (403 OperationOutcome) General Hospital's patient and encounter at
/// St Mary's node; once the patient grants them, they read both there; every read and refusal is in the patient's access
/// history, read through the JSON API by the patient at General Hospital's node. Every FHIR body validated.
/// </summary>
public sealed class FhirCrossOrganisationTests : InProcessNodes
{
    [Fact]
    public async Task A_doctor_of_another_organisation_is_refused_until_the_patient_grants_access_and_every_attempt_is_in_the_access_history()
    {
        var init = FoundHospitals("General Hospital", "St Mary Hospital");
        var general = await StartAsync(init.Organisations[0].Folder);
        var stMary = await StartAsync(init.Organisations[1].Folder);
        using var generalAdmin = await InProcessNode.LoginAsync(general, init.Organisations[0].AdminUser, NodeFixture.Password, Ct);
        using var stMaryAdmin = await InProcessNode.LoginAsync(stMary, init.Organisations[1].AdminUser, NodeFixture.Password, Ct);

        // General Hospital: a doctor, a patient and a visit. St Mary: a doctor.
        await Created(await generalAdmin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-general", name = "Gina General", specialty = "Medicine", department = "Ward", licenceNumber = "G1" }, Ct));
        var patient = await Created(await generalAdmin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "GH-F1", fullName = "Pat Across", dateOfBirth = "1970-01-01", gender = "female", conditions = Array.Empty<string>() }, Ct));
        var visit = await Created<EntryResponse>(await generalAdmin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries",
            new { type = "visit", occurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mmZ", CultureInfo.InvariantCulture), doctorId = "dr-general", notes = "Check-up.", diagnosis = "Well" }, Ct));
        var drStMary = await Created(await stMaryAdmin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-stmary", name = "Sam St Mary", specialty = "Cardiology", department = "Heart", licenceNumber = "S1" }, Ct));
        await InProcessNode.WaitAsync("each node holds the other's registrations",
            () => Node(stMary).GetState(StateKeys.Entry(visit.Id)) is not null && Node(general).GetState(StateKeys.User("dr-stmary")) is not null, Ct);
        using var sam = await FirstLoginAsync(stMary, "dr-stmary", drStMary.OneTimePassword!);

        // Without a grant: 403 OperationOutcome for the patient and for their encounter, at St Mary's node.
        var refusedPatient = await Fhir<OperationOutcome>(await sam.GetAsync($"/fhir/R4/Patient/{patient.Id}", Ct), HttpStatusCode.Forbidden);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, refusedPatient.Issue.First().Code);
        var refusedEncounter = await Fhir<OperationOutcome>(await sam.GetAsync($"/fhir/R4/Encounter/{visit.Id}", Ct), HttpStatusCode.Forbidden);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, refusedEncounter.Issue.First().Code);
        // Writes answer like reads: the patient exists at another organisation, so St Mary's admin is refused (403), not told 404.
        using (var condition = new StringContent(new Condition { Subject = new ResourceReference($"Patient/{patient.Id}"), Code = new CodeableConcept { Text = "Gout" } }.ToJson(), System.Text.Encoding.UTF8, "application/fhir+json"))
        {
            var refusedWrite = await Fhir<OperationOutcome>(await stMaryAdmin.PostAsync("/fhir/R4/Condition", condition, Ct), HttpStatusCode.Forbidden);
            Assert.Equal(OperationOutcome.IssueType.Forbidden, refusedWrite.Issue.First().Code);
        }
        var tx = new Bundle { Type = Bundle.BundleType.Transaction };
        tx.Entry.Add(new Bundle.EntryComponent { Resource = new AllergyIntolerance { Patient = new ResourceReference($"Patient/{patient.Id}"), Code = new CodeableConcept { Text = "Latex" } }, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "AllergyIntolerance" } });
        using (var body = new StringContent(tx.ToJson(), System.Text.Encoding.UTF8, "application/fhir+json"))
        {
            await Fhir<OperationOutcome>(await stMaryAdmin.PostAsync("/fhir/R4", body, Ct), HttpStatusCode.Forbidden);
        }
        var nothing = await Fhir<Bundle>(await sam.GetAsync("/fhir/R4/Encounter", Ct), HttpStatusCode.OK);
        Assert.Empty(nothing.Entry);

        // The patient grants the St Mary doctor demographics and encounters; St Mary's node gets the grant.
        using var pat = await FirstLoginAsync(general, patient.Id, patient.OneTimePassword!);
        await Created(await pat.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/grants",
            new { granteeKind = "doctor", granteeId = "dr-stmary", categories = new[] { "demographics", "encounters" } }, Ct));
        var granted = Node(general).Tip.Height;
        await InProcessNode.WaitAsync("St Mary's node has the grant", () => Node(stMary).Tip.Height >= granted, Ct);

        var read = await Fhir<Patient>(await sam.GetAsync($"/fhir/R4/Patient/{patient.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal("Pat Across", read.Name.Single().Text);
        Assert.Equal($"Organization/{init.Organisations[0].Id}", read.ManagingOrganization!.Reference);
        var encounter = await Fhir<Encounter>(await sam.GetAsync($"/fhir/R4/Encounter/{visit.Id}", Ct), HttpStatusCode.OK);
        Assert.Equal($"Patient/{patient.Id}", encounter.Subject!.Reference);
        Assert.Equal("Practitioner/dr-general", encounter.Participant.Single().Individual!.Reference);
        var searched = await Fhir<Bundle>(await sam.GetAsync($"/fhir/R4/Encounter?patient={patient.Id}&_include=Encounter:participant", Ct), HttpStatusCode.OK);
        Assert.Equal(visit.Id, Entries(searched).Single().Id);
        Assert.Equal("dr-general", Assert.IsType<Practitioner>(Entries(searched, Bundle.SearchEntryMode.Include).Single()).Id);
        // The grant does not reach the account: still 403.
        await Fhir<OperationOutcome>(await sam.GetAsync($"/fhir/R4/Account/account-{patient.Id}", Ct), HttpStatusCode.Forbidden);

        // Every read and refusal St Mary's node recorded reaches the chain, and the patient sees them at General Hospital's node.
        var recorder = stMary.Services.GetRequiredService<DisclosureRecorder>();
        await InProcessNode.WaitAsync("St Mary's node committed its disclosures", () => recorder.Pending == 0, Ct);
        var recorded = Node(stMary).Tip.Height;
        await InProcessNode.WaitAsync("General Hospital's node has them", () => Node(general).Tip.Height >= recorded, Ct);
        var history = await pat.GetFromJsonAsync<AccessHistoryPage>($"/api/v1/patients/{patient.Id}/access-history?who=dr-stmary&pageSize=100", Ct);
        var events = history!.Groups.SelectMany(g => g.Events).ToList();
        Assert.All(events, e => Assert.Equal(init.Organisations[1].Id, e.OrganisationId));
        Assert.Contains(events, e => e.Kind == "refused" && e.Resource == "FHIR Patient");
        Assert.Contains(events, e => e.Kind == "refused" && e.Resource == $"encounter {visit.Id} (FHIR Encounter)");
        Assert.Contains(events, e => e.Kind == "read" && e.Resource == "FHIR Patient");
        Assert.Contains(events, e => e.Kind == "read" && e.Resource == $"encounter {visit.Id} (FHIR Encounter)");
        Assert.Contains(events, e => e.Kind == "read" && e.Resource == "encounters (FHIR Encounter search)");
        Assert.Contains(events, e => e.Kind == "refused" && e.Resource == "account (FHIR Account)");
        Assert.Contains(history.Groups.SelectMany(g => g.Events), e => e.Kind == "grant");
    }
}
