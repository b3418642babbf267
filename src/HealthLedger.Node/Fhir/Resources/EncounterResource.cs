using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>Encounter</c> (FHIR R4 encounter.html) from a patient's encounter entries: an admission is the stay (class IMP), its
/// transfers the <c>location</c> history and its discharge <c>period.end</c> with status <c>finished</c> (in-progress until
/// then); a visit is an ambulatory encounter (class AMB, finished). The id is the admission's or visit's entry id (the first
/// version's when it was corrected: the content is the current correction's, <c>meta.versionId</c> counts the entries that
/// make it up). Reads need the patient's encounters category and are recorded in their access history.
/// </summary>
public sealed class EncounterResource(FhirPatientEntries records, DoctorDirectory doctors) : IFhirResourceType
{
    private const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private const string StatusSystem = "http://hl7.org/fhir/encounter-status";

    /// <inheritdoc />
    public string TypeName => "Encounter";

    /// <inheritdoc />
    public string Documentation => "Admissions (the stay: transfers as the location history, discharge as period.end) and visits. Reads need the patient's encounters category and are recorded in their access history.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("patient", SearchParamType.Reference, "The patient (Patient/<id> or the id)."),
        new("subject", SearchParamType.Reference, "The patient, as patient."),
        new("date", SearchParamType.Date, "The period overlaps the date (prefixes ge, le, gt, lt, eq, ne, sa, eb); an ongoing stay has no end."),
        new("status", SearchParamType.Token, "in-progress (admitted) or finished (discharged, or a visit)."),
        new("class", SearchParamType.Token, "IMP (admission) or AMB (visit), system " + ActCode + "."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("Encounter:patient", r => [((Encounter)r).Subject]),
        new("Encounter:subject", r => [((Encounter)r).Subject]),
        new("Encounter:participant", r => ((Encounter)r).Participant.Select(p => p.Individual)),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId) return Outcome<Resource>.NotFound($"Encounter {Missing.Shown(id)} does not exist.");
        id = ledgerId;
        if (records.PatientOf(id) is not { } patientId) return Outcome<Resource>.NotFound($"Encounter {Missing.Shown(id)} does not exist.");
        var opened = records.Of(actor, patientId, ConsentCategories.Encounters, $"encounter {id} (FHIR Encounter)");
        if (!opened.IsOk) return opened.As<Resource>();
        var mapped = Map(opened.Value!);
        if (mapped.FirstOrDefault(e => e.Id == id) is { } found) return Outcome<Resource>.Ok(found.Resource);
        var part = mapped.FirstOrDefault(e => e.Parts.Contains(id));
        return Outcome<Resource>.NotFound(part is null
            ? $"Encounter {Missing.Shown(id)} does not exist."
            : $"Entry {Missing.Shown(id)} is part of Encounter {part.Id} (a transfer, discharge or correction): read Encounter/{FhirIds.Of(part.Id)}.");
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        if (search.CheckDates("date") is { } dateError) return Outcome<FhirMatches>.Invalid(FieldErrors.One("date", dateError));
        var found = records.ForSearch(actor, search, ConsentCategories.Encounters, "encounters (FHIR Encounter search)");
        if (!found.IsOk) return found.As<FhirMatches>();
        var ids = search.AnyOf("_id");
        var matches = found.Value!
            .SelectMany(p => Map(p).Select(e => (p.Patient, Mapped: e)))
            .Where(m => ids.Count == 0 || ids.Contains(FhirIds.Of(m.Mapped.Id), StringComparer.Ordinal))
            .Where(m => search.MatchesToken("status", (StatusSystem, m.Mapped.Resource.Status == Encounter.EncounterStatus.InProgress ? "in-progress" : "finished")))
            .Where(m => search.MatchesToken("class", (ActCode, m.Mapped.Resource.Class.Code)))
            .Where(m => !search.Has("date") || search.MatchesDate("date", m.Mapped.Start, m.Mapped.End))
            .OrderBy(m => m.Mapped.Start).ThenBy(m => m.Mapped.Id, StringComparer.Ordinal)
            .ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page =>
        {
            records.RecordShown(actor, search, page.Select(m => m.Patient), "encounters (FHIR Encounter search)");
            return page.Select(m => (Resource)m.Mapped.Resource);
        }));
    }

    // An encounter with its period as instants ([Start, End); an ongoing stay ends never) and the ids of the entries it folds in.
    private sealed record Mapped(string Id, Encounter Resource, DateTimeOffset Start, DateTimeOffset End, IReadOnlySet<string> Parts);

    private List<Mapped> Map(PatientEntries p)
    {
        var (patient, entries) = (p.Patient, p.Entries);
        var byId = entries.ToDictionary(e => e.Id, StringComparer.Ordinal);
        // The versions of an entry: the first one's id names the encounter; the current one (not corrected) gives the content.
        List<EntryView> Chain(EntryView e)
        {
            var chain = new List<EntryView> { e };
            while (chain[^1].CorrectsId.Length > 0 && byId.TryGetValue(chain[^1].CorrectsId, out var older) && chain.Count <= entries.Count) chain.Add(older);
            chain.Reverse();
            return chain;
        }
        var result = new List<Mapped>();
        Stay? stay = null;
        var stays = new List<Stay>();
        foreach (var e in entries.Where(e => e.IsEffective && e.Type is EntryType.Admission or EntryType.Transfer or EntryType.Discharge)
            .OrderBy(e => e.Details.OccurredAt).ThenBy(e => e.Proof.Height).ThenBy(e => e.Id, StringComparer.Ordinal))
        {
            if (e.Type == EntryType.Admission) stays.Add(stay = new Stay(Chain(e)));
            else if (stay is { Discharge: null }) { if (e.Type == EntryType.Transfer) stay.Transfers.Add(Chain(e)); else stay.Discharge = Chain(e); }
        }
        foreach (var s in stays) result.Add(Inpatient(patient, s));
        foreach (var visit in entries.Where(e => e.IsEffective && e.Type == EntryType.Visit)) result.Add(Visit(patient, Chain(visit)));
        return result;
    }

    private sealed class Stay(List<EntryView> admission)
    {
        public List<EntryView> Admission { get; } = admission;
        public List<List<EntryView>> Transfers { get; } = [];
        public List<EntryView>? Discharge { get; set; }
    }

    private Mapped Inpatient(PatientView patient, Stay stay)
    {
        var admission = stay.Admission[^1];
        var all = stay.Transfers.Prepend(stay.Admission).Concat(stay.Discharge is null ? [] : [stay.Discharge]).SelectMany(c => c).ToList();
        var start = admission.Details.OccurredAt;
        var end = stay.Discharge?[^1].Details.OccurredAt;
        var encounter = Common(patient, stay.Admission[0].Id, all, admission.DoctorId);
        encounter.Status = end is null ? Encounter.EncounterStatus.InProgress : Encounter.EncounterStatus.Finished;
        encounter.Class = new Coding(ActCode, "IMP", "inpatient encounter");
        encounter.Period = new Period { Start = new FhirDateTime(start).Value, End = end is { } e ? new FhirDateTime(e).Value : null };
        if (admission.Details.Reason.Length > 0) encounter.ReasonCode.Add(new CodeableConcept { Text = admission.Details.Reason });
        // The location history: the admission's ward and bed, then each transfer's, each until the next move (or the discharge).
        var moves = stay.Transfers.Select(t => t[^1]).Prepend(admission).ToList();
        for (var i = 0; i < moves.Count; i++)
        {
            var until = i + 1 < moves.Count ? moves[i + 1].Details.OccurredAt : end;
            encounter.Location.Add(new Encounter.LocationComponent
            {
                Location = new ResourceReference { Display = $"Ward {moves[i].Details.Ward}, bed {moves[i].Details.Bed}" },
                Status = until is null ? Encounter.EncounterLocationStatus.Active : Encounter.EncounterLocationStatus.Completed,
                Period = new Period { Start = new FhirDateTime(moves[i].Details.OccurredAt).Value, End = until is { } u ? new FhirDateTime(u).Value : null },
            });
        }
        return new Mapped(stay.Admission[0].Id, encounter, start, end ?? DateTimeOffset.MaxValue, all.Select(e => e.Id).ToHashSet(StringComparer.Ordinal));
    }

    private Mapped Visit(PatientView patient, List<EntryView> chain)
    {
        var visit = chain[^1];
        var encounter = Common(patient, chain[0].Id, chain, visit.DoctorId);
        encounter.Status = Encounter.EncounterStatus.Finished;
        encounter.Class = new Coding(ActCode, "AMB", "ambulatory");
        var at = visit.Details.OccurredAt;
        encounter.Period = new Period { Start = new FhirDateTime(at).Value, End = new FhirDateTime(at).Value };
        if (visit.Details.Diagnosis.Length > 0)
        {
            encounter.Diagnosis.Add(new Encounter.DiagnosisComponent { Condition = FhirMeta.Reference("Condition", $"{visit.Id}-diagnosis", visit.Details.Diagnosis) });
        }
        return new Mapped(chain[0].Id, encounter, at, at.AddTicks(1), chain.Select(e => e.Id).ToHashSet(StringComparer.Ordinal));
    }

    private Encounter Common(PatientView patient, string id, IReadOnlyList<EntryView> parts, string doctorId)
    {
        var latest = parts.MaxBy(e => e.Proof.Height)!;
        var encounter = new Encounter
        {
            Id = FhirIds.Of(id),
            Meta = FhirMeta.From(latest.Proof, parts.Count),
            Subject = FhirMeta.Reference("Patient", patient.Id, patient.DemographicsShared ? patient.Details.FullName : null),
            ServiceProvider = FhirMeta.Reference("Organization", patient.OrganisationId),
        };
        if (doctorId.Length > 0)
        {
            encounter.Participant.Add(new Encounter.ParticipantComponent
            {
                Type = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "ATND", "attender")],
                Individual = FhirMeta.Reference("Practitioner", doctorId, doctors.Doctor(doctorId)?.Details.Name),
            });
        }
        return encounter;
    }
}
