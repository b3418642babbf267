using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Records;
using HealthLedger.Node.Tests.Network;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Fhir.FhirAsserts;
using Task = System.Threading.Tasks.Task;

namespace HealthLedger.Node.Tests.Fhir;

/// <summary>/fhir/R4 Encounter from admissions (with their transfers and discharge) and visits against a real node; every resource returned is validated.</summary>
public class FhirEncounterTests
{
    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Stranger, string PatientId, string Admission, string Transfer, string Discharge,
        string Visit, string VisitCorrection, string Ongoing) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        await Created(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Heart", licenceNumber = "L-1" }, Ct));
        var stranger = await Created(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-two", name = "Bob Jones", specialty = "Neurology", department = "Neuro", licenceNumber = "L-2" }, Ct));
        var patient = await Created(await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-E1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female", conditions = Array.Empty<string>() }, Ct));
        var path = $"/api/v1/patients/{patient.Id}/entries";
        async Task<string> Add(object entry) => (await Created<EntryResponse>(await admin.PostAsJsonAsync(path, entry, Ct))).Id;
        var admission = await Add(new { type = "admission", occurredAt = "2026-01-05T10:00Z", doctorId = "dr-one", ward = "W1", bed = "3", reason = "Chest pain" });
        var transfer = await Add(new { type = "transfer", occurredAt = "2026-01-06T09:00Z", ward = "W2", bed = "1" });
        var discharge = await Add(new { type = "discharge", occurredAt = "2026-01-08T12:00Z", summary = "Home." });
        var visit = await Add(new { type = "visit", occurredAt = "2026-02-01T10:00Z", doctorId = "dr-one", notes = "Follow-up.", diagnosis = "Stable angina" });
        var correction = await Add(new { type = "visit", occurredAt = "2026-02-01T11:00Z", doctorId = "dr-one", notes = "Follow-up (time corrected).", diagnosis = "Stable angina", correctsId = visit });
        var ongoing = await Add(new { type = "admission", occurredAt = "2026-03-01T08:00Z", doctorId = "dr-one", ward = "W1", bed = "4", reason = "Breathless" });
        return new World(node, admin, await node.FirstLoginAsync("dr-two", stranger.OneTimePassword!), patient.Id, admission, transfer, discharge, visit, correction, ongoing);
    }

    [Fact]
    public async Task An_admission_folds_its_transfer_and_discharge_into_one_finished_inpatient_encounter()
    {
        await using var w = await SetUpAsync();
        var stay = await Fhir<Encounter>(await w.Admin.GetAsync($"/fhir/R4/Encounter/{w.Admission}", Ct), HttpStatusCode.OK);
        Assert.Equal(Encounter.EncounterStatus.Finished, stay.Status);
        Assert.Equal("IMP", stay.Class!.Code);
        Assert.Equal($"Patient/{w.PatientId}", stay.Subject!.Reference);
        Assert.Equal("Organization/fixture-hospital", stay.ServiceProvider!.Reference);
        Assert.Equal("Practitioner/dr-one", stay.Participant.Single().Individual!.Reference);
        Assert.Equal("Chest pain", stay.ReasonCode.Single().Text);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero), stay.Period!.StartElement!.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 1, 8, 12, 0, 0, TimeSpan.Zero), stay.Period!.EndElement!.ToDateTimeOffset(TimeSpan.Zero));
        Assert.Equal(["Ward W1, bed 3", "Ward W2, bed 1"], stay.Location.Select(l => l.Location!.Display));
        Assert.All(stay.Location, l => Assert.Equal(Encounter.EncounterLocationStatus.Completed, l.Status));
        Assert.Equal(stay.Location[1].Period!.Start, stay.Location[0].Period!.End);
        Assert.Equal("3", stay.Meta!.VersionId); // admission, transfer, discharge

        var ongoing = await Fhir<Encounter>(await w.Admin.GetAsync($"/fhir/R4/Encounter/{w.Ongoing}", Ct), HttpStatusCode.OK);
        Assert.Equal(Encounter.EncounterStatus.InProgress, ongoing.Status);
        Assert.Null(ongoing.Period!.End);
        Assert.Equal(Encounter.EncounterLocationStatus.Active, ongoing.Location.Single().Status);

        // A transfer or discharge is part of the stay, not an encounter of its own; the answer points at the stay.
        var transfer = await Fhir<OperationOutcome>(await w.Admin.GetAsync($"/fhir/R4/Encounter/{w.Transfer}", Ct), HttpStatusCode.NotFound);
        Assert.Contains($"Encounter/{w.Admission}", transfer.Issue.Single().Diagnostics);
        await Fhir<OperationOutcome>(await w.Admin.GetAsync($"/fhir/R4/Encounter/{w.Discharge}", Ct), HttpStatusCode.NotFound);
        await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Encounter/en-nosuchentry", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_visit_is_a_finished_ambulatory_encounter_keeping_its_first_id_through_corrections()
    {
        await using var w = await SetUpAsync();
        var visit = await Fhir<Encounter>(await w.Admin.GetAsync($"/fhir/R4/Encounter/{w.Visit}", Ct), HttpStatusCode.OK);
        Assert.Equal(Encounter.EncounterStatus.Finished, visit.Status);
        Assert.Equal("AMB", visit.Class!.Code);
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 11, 0, 0, TimeSpan.Zero), visit.Period!.StartElement!.ToDateTimeOffset(TimeSpan.Zero)); // the correction's time
        Assert.Equal("2", visit.Meta!.VersionId);
        Assert.Equal($"Condition/{w.VisitCorrection}-diagnosis", visit.Diagnosis.Single().Condition!.Reference);
        await Fhir<OperationOutcome>(await w.Admin.GetAsync($"/fhir/R4/Encounter/{w.VisitCorrection}", Ct), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Encounters_search_by_patient_date_status_and_class_with_patient_and_participant_included()
    {
        await using var w = await SetUpAsync();
        var all = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Encounter?patient={w.PatientId}", Ct), HttpStatusCode.OK);
        Assert.Equal([w.Admission, w.Visit, w.Ongoing], Entries(all).Select(e => e.Id));
        var bySubject = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Encounter?subject=Patient/{w.PatientId}&class=AMB", Ct), HttpStatusCode.OK);
        Assert.Equal(w.Visit, Entries(bySubject).Single().Id);
        var inProgress = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Encounter?status=in-progress", Ct), HttpStatusCode.OK);
        Assert.Equal(w.Ongoing, Entries(inProgress).Single().Id);
        // 2026-01-07 falls inside the first stay; the ongoing stay overlaps every day from March.
        var onDay = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Encounter?date=2026-01-07", Ct), HttpStatusCode.OK);
        Assert.Equal(w.Admission, Entries(onDay).Single().Id);
        var later = await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Encounter?date=ge2026-06-01", Ct), HttpStatusCode.OK);
        Assert.Equal(w.Ongoing, Entries(later).Single().Id);
        var february = await Fhir<Bundle>(await w.Admin.GetAsync($"/fhir/R4/Encounter?patient={w.PatientId}&date=2026-02&_include=Encounter:patient&_include=Encounter:participant", Ct), HttpStatusCode.OK);
        Assert.Equal(w.Visit, Entries(february).Single().Id);
        var included = Entries(february, Bundle.SearchEntryMode.Include);
        Assert.Contains(included, r => r is Patient p && p.Id == w.PatientId);
        Assert.Contains(included, r => r is Practitioner p && p.Id == "dr-one");

        var badDate = await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Encounter?date=soon", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("date", badDate.Issue.Single().Expression.Single());
        var badPatient = await Fhir<OperationOutcome>(await w.Admin.GetAsync("/fhir/R4/Encounter?patient=Practitioner/dr-one", Ct), HttpStatusCode.BadRequest);
        Assert.Equal("patient", badPatient.Issue.Single().Expression.Single());
    }

    [Fact]
    public async Task A_doctor_who_does_not_attend_the_patient_is_refused_and_the_refusals_and_reads_are_in_the_access_history()
    {
        await using var w = await SetUpAsync();
        var refused = await Fhir<OperationOutcome>(await w.Stranger.GetAsync($"/fhir/R4/Encounter/{w.Admission}", Ct), HttpStatusCode.Forbidden);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, refused.Issue.First().Code);
        await Fhir<OperationOutcome>(await w.Stranger.GetAsync($"/fhir/R4/Encounter?patient={w.PatientId}", Ct), HttpStatusCode.Forbidden);
        var none = await Fhir<Bundle>(await w.Stranger.GetAsync("/fhir/R4/Encounter", Ct), HttpStatusCode.OK);
        Assert.Empty(none.Entry);
        await Fhir<Encounter>(await w.Admin.GetAsync($"/fhir/R4/Encounter/{w.Admission}", Ct), HttpStatusCode.OK);
        await Fhir<Bundle>(await w.Admin.GetAsync("/fhir/R4/Encounter?status=finished", Ct), HttpStatusCode.OK);

        var recorder = w.Node.App.Services.GetRequiredService<DisclosureRecorder>();
        await InProcessNode.WaitAsync("the disclosures are committed", () => recorder.Pending == 0, Ct);
        var history = await w.Admin.GetFromJsonAsync<AccessHistoryPage>($"/api/v1/patients/{w.PatientId}/access-history?category=encounters&pageSize=100", Ct);
        var events = history!.Groups.SelectMany(g => g.Events).ToList();
        Assert.Contains(events, e => e.PersonId == "dr-two" && e.Kind == "refused" && e.Resource == $"encounter {w.Admission} (FHIR Encounter)");
        Assert.Contains(events, e => e.PersonId == "dr-two" && e.Kind == "refused" && e.Resource.Contains("FHIR Encounter search", StringComparison.Ordinal));
        Assert.Contains(events, e => e.PersonId == "admin" && e.Kind == "read" && e.Resource == $"encounter {w.Admission} (FHIR Encounter)");
        Assert.Contains(events, e => e.PersonId == "admin" && e.Kind == "read" && e.Resource == "encounters (FHIR Encounter search)");
    }
}
