using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// <c>Encounter</c> create = a visit (class AMB or EMER) or an admission (class IMP) entry through
/// <see cref="EncounterService.AddEncounterAsync"/>: subject → the patient, period.start → when, participant.individual
/// (<c>Practitioner/{doctorId}</c>; a doctor writing may leave it out: themselves) → the doctor; a visit's notes are the
/// type and reasonCode texts; an admission's reason is reasonCode, its ward and bed the first location's display
/// <c>"Ward/Bed"</c>. Entries are append-only (corrections are new entries in the UI): update is refused (422).
/// </summary>
public sealed class EncounterWriter(EncounterService encounters, EntryStore entries, DoctorDirectory doctors, FhirPatientAccess access, HospitalTime time, IServiceProvider services)
    : IFhirPlannedWriter
{
    private static readonly IReadOnlyDictionary<string, string> Paths = new Dictionary<string, string>
    {
        ["type"] = "Encounter.class",
        ["occurredAt"] = "Encounter.period.start",
        ["doctorId"] = "Encounter.participant",
        ["notes"] = "Encounter.reasonCode",
        ["reason"] = "Encounter.reasonCode",
        ["diagnosis"] = "Encounter.reasonCode",
        ["ward"] = "Encounter.location",
        ["bed"] = "Encounter.location",
    };

    private const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    /// <inheritdoc />
    public string TypeName => "Encounter";

    /// <inheritdoc />
    public bool Updates => false;

    /// <summary>
    /// The entry input of an Encounter (patient and doctor as found by <paramref name="references"/>), or the error at its
    /// FHIR path. <paramref name="doctorFallback"/> is used when no participant names a doctor.
    /// </summary>
    public (string? PatientId, EntryInput? Input, FieldErrors? Errors) Map(UserSession actor, Encounter encounter, FhirReferences references, string? doctorFallback = null)
    {
        var e = new FieldErrors();
        var (patientId, patientError) = references.Target(encounter.Subject, "Patient");
        if (patientError is not null) e.Add("Encounter.subject", patientError);
        else if (!references.IsPending(patientId!) && access.OrganisationOf(patientId!) is null) e.Add("Encounter.subject", $"Patient '{patientId}' does not exist.");
        var code = encounter.Class?.Code;
        var type = code switch
        {
            "AMB" or "EMER" => "visit",
            "IMP" or "ACUTE" => "admission",
            _ => null,
        };
        if (type is null) e.Add("Encounter.class", "The class must be AMB or EMER (a visit) or IMP (an admission) of " + ActCode + ".");
        string? doctorId = null;
        // The first participant that is a practitioner (Practitioner/id, a conditional reference, or a Bundle entry's urn:uuid).
        var individuals = encounter.Participant.Select(p => p.Individual).Where(r => r?.Reference is { Length: > 0 }).ToList();
        var individual = individuals.FirstOrDefault(r => references.Target(r, "Practitioner").Error is null)
            ?? individuals.FirstOrDefault(r => r!.Reference!.Contains("Practitioner", StringComparison.Ordinal));
        if (individual is not null)
        {
            var (id, error) = references.Target(individual, "Practitioner");
            if (error is not null) e.Add("Encounter.participant", error);
            else if (!references.IsPending(id!) && doctors.Doctor(id!) is null) e.Add("Encounter.participant", $"Practitioner '{id}' is not a doctor of this hospital.");
            doctorId = id;
        }
        doctorId ??= doctorFallback ?? (actor.Role == Role.Doctor ? actor.UserId : null);
        if (doctorId is null) e.Add("Encounter.participant", "A visit or admission needs its doctor: participant.individual = Practitioner/<doctor id>.");
        var when = FhirWrite.Instant(encounter.Period?.StartElement);
        if (when is null) e.Add("Encounter.period.start", "The start (date and time) is required.");
        var texts = encounter.Type.Select(FhirWrite.Text).Concat(encounter.ReasonCode.Select(FhirWrite.Text)).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var reason = encounter.ReasonCode.Select(FhirWrite.Text).FirstOrDefault(t => t.Length > 0) ?? texts.FirstOrDefault() ?? "";
        var input = new EntryInput { Type = type, OccurredAt = when, DoctorId = doctorId };
        if (type == "visit")
        {
            input.Notes = string.Join("; ", texts);
            if (input.Notes.Length == 0) e.Add("Encounter.reasonCode", "A visit needs notes: give its type or reasonCode text.");
        }
        else if (type == "admission")
        {
            input.Reason = reason;
            var place = encounter.Location.Select(l => l.Location?.Display).FirstOrDefault(d => !string.IsNullOrWhiteSpace(d));
            if (place?.LastIndexOf('/') is > 0 and var slash && slash < place.Length - 1)
            {
                input.Ward = place[..slash].Trim();
                input.Bed = place[(slash + 1)..].Trim();
            }
            else
            {
                e.Add("Encounter.location", "An admission needs a ward and bed of this hospital: location[0].location.display = \"Ward/Bed\".");
            }
            if (reason.Length == 0) e.Add("Encounter.reasonCode", "An admission needs its reason (reasonCode).");
        }
        if (!e.IsEmpty) return (patientId, null, e);
        // The pure field checks of the service (the rest — patient, doctor, ward, stay — it checks when the entry is written).
        var (_, details, errors) = input.Validate(time);
        if (details is null)
        {
            var mapped = FhirWrite.Remap<object, object>(Outcome<object>.Invalid(errors), Paths, "Encounter");
            return (patientId, null, mapped.Errors);
        }
        return (patientId, input, null);
    }

    /// <inheritdoc />
    public Outcome<FhirPlannedWrite> Plan(UserSession actor, Resource resource, FhirReferences references)
    {
        var (patientId, input, errors) = Map(actor, (Encounter)resource, references);
        if (input is null) return Outcome<FhirPlannedWrite>.Invalid(errors!);
        var depends = new[] { patientId!, input.DoctorId! }.Where(references.IsPending).ToList();
        return Outcome<FhirPlannedWrite>.Ok(new FhirPlannedWrite(TypeName, depends, (refs, ct) => SubmitAsync(actor, refs.Final(patientId!), input, refs, ct)));
    }

    /// <summary>Writes the entry (the ids of Bundle entries resolved) and answers the stored Encounter.</summary>
    public async Task<Outcome<Resource>> SubmitAsync(UserSession actor, string patientId, EntryInput input, FhirReferences refs, CancellationToken ct)
    {
        input.DoctorId = refs.Final(input.DoctorId ?? "");
        var added = await encounters.AddEncounterAsync(actor, patientId, input, ct);
        if (!added.IsOk) return FhirWrite.Remap<EntryView, Resource>(added, Paths, "Encounter");
        var id = added.Value!.Id;
        return FhirStored.Read(services, actor, TypeName, id, () => entries.Entry(id) is { } entry ? ToFhir(entry) : null);
    }

    /// <inheritdoc />
    public Task<Outcome<Resource>> CreateAsync(UserSession actor, Resource resource, CancellationToken ct) => this.PlanAndSubmitAsync(actor, resource, ct);

    /// <inheritdoc />
    public Task<Outcome<Resource>> UpdateAsync(UserSession actor, string id, Resource resource, string? ifMatch, CancellationToken ct) =>
        Task.FromResult(FhirWrite.Unprocessable<Resource>("Encounter", "Encounters are append-only entries: record a correction in the patient's record (UI or JSON API) instead."));

    /// <summary>The Encounter a writer answers when no read mapping is registered: the entry as stored.</summary>
    public static Encounter ToFhir(EntryView entry)
    {
        var admission = entry.Type == EntryType.Admission;
        var encounter = new Encounter
        {
            Id = FhirIds.Of(entry.Id),
            Meta = FhirMeta.From(entry.Proof, 1),
            Status = admission ? Encounter.EncounterStatus.InProgress : Encounter.EncounterStatus.Finished,
            Class = admission ? new Coding(ActCode, "IMP", "inpatient encounter") : new Coding(ActCode, "AMB", "ambulatory"),
            Subject = FhirMeta.Reference("Patient", entry.PatientId),
            Period = new Period { StartElement = FhirMeta.DateTime(entry.Details.OccurredAt) },
        };
        if (entry.DoctorId.Length > 0) encounter.Participant.Add(new Encounter.ParticipantComponent { Individual = FhirMeta.Reference("Practitioner", entry.DoctorId) });
        var reason = admission ? entry.Details.Reason : entry.Details.Notes;
        if (reason.Length > 0) encounter.ReasonCode.Add(new CodeableConcept { Text = reason });
        if (admission) encounter.Location.Add(new Encounter.LocationComponent { Location = new ResourceReference { Display = $"{entry.Details.Ward}/{entry.Details.Bed}" } });
        return encounter;
    }
}
