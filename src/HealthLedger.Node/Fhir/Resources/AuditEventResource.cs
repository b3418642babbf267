using System.Globalization;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Audit;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Resources;

/// <summary>
/// <c>AuditEvent</c> (FHIR R4 auditevent.html) from the disclosure events on the chain, read-only: id = the disclosure id
/// (64 hex digits); type DICOM 110110 "Patient Record", action R, recorded = when the read happened, outcome 0 (served)
/// or 4 (refused), purposeOfEvent = the disclosure's purpose, the reader as the requesting agent (Practitioner for
/// doctors, Patient for patients, a user identifier for other staff), the patient and what was read as entities (the
/// block height as a detail). Same role rules as the JSON API: a patient reads their own access history
/// (<see cref="AuditService.Disclosures"/>), admins and auditors their organisation's disclosure trail
/// (<see cref="AuditService.Trail"/>; each read is itself recorded); everyone else is refused.
/// </summary>
public sealed class AuditEventResource(AuditService audit, LedgerNode node, FhirPatientAccess gate, PatientDirectory directory) : IFhirResourceType
{
    /// <summary>The identifier system of HealthLedger user ids (staff without a Practitioner resource).</summary>
    public const string UserSystem = "https://healthledger.example/fhir/NamingSystem/user";

    /// <inheritdoc />
    public string TypeName => "AuditEvent";

    /// <inheritdoc />
    public string Documentation => "Disclosures: who read a patient's data (and who was refused), when and why. Read-only; patients see their own, admins and auditors their organisation's trail.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("patient", SearchParamType.Reference, "The patient whose data was read (Patient/<id>)."),
        new("date", SearchParamType.Date, "When the read happened, with prefixes (ge, le, gt, lt, eq, ne)."),
        new("agent", SearchParamType.Reference, "The reader: Practitioner/<id>, Patient/<id> or a user id."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("AuditEvent:patient", r => ((AuditEvent)r).Entity.Select(e => e.What).Where(w => w?.Reference?.StartsWith("Patient/", StringComparison.Ordinal) == true)),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (actor.Role is not (Role.Patient or Role.Admin or Role.Auditor)) return Disclosures(actor, null, explicitPatient: false).As<Resource>();
        // Only the histories the reader may read are searched: their own (patients), their organisation's (admins, auditors).
        IEnumerable<string> prefixes = actor.Role == Role.Patient
            ? [$"disclosure/{actor.UserId}/"]
            : directory.Patients(actor.OrganisationId).Select(p => $"disclosure/{p.Id}/");
        var patientId = prefixes.SelectMany(node.ScanState).Select(e => DisclosureEvent.TryDecode(e.Value)).FirstOrDefault(e => e is not null && e.Id.ToString() == id)?.PatientId;
        if (patientId is null) return Outcome<Resource>.NotFound($"AuditEvent {Missing.Shown(id)} does not exist.");
        var events = Disclosures(actor, patientId, explicitPatient: true);
        if (!events.IsOk) return events.As<Resource>();
        var found = events.Value!.FirstOrDefault(d => d.Event.Id.ToString() == id);
        return found is null ? Outcome<Resource>.NotFound($"AuditEvent {Missing.Shown(id)} does not exist.") : Outcome<Resource>.Ok(ToFhir(found));
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var (patientIds, error) = search.ReferenceIds("patient", "Patient");
        if (error is not null) return Outcome<FhirMatches>.Invalid(FieldErrors.One("patient", error));
        if (search.CheckDates("date") is { } dateError) return Outcome<FhirMatches>.Invalid(FieldErrors.One("date", dateError));
        var agents = search.AnyOf("agent").Select(a => a.TrimEnd('/').Split('/')[^1]).Select(a => FhirIds.Ledger(a) ?? a.ToLowerInvariant()).ToList();
        var all = new List<DisclosureView>();
        IReadOnlyList<string?> scope = patientIds.Count > 0 ? [.. patientIds.Distinct(StringComparer.Ordinal)] : [null];
        foreach (var patientId in scope)
        {
            var events = Disclosures(actor, patientId, explicitPatient: patientId is not null);
            if (!events.IsOk) return events.As<FhirMatches>();
            all.AddRange(events.Value!);
        }
        var ids = search.AnyOf("_id");
        var matches = all
            .Where(d => ids.Count == 0 || ids.Contains(d.Event.Id.ToString(), StringComparer.Ordinal))
            .Where(d => agents.Count == 0 || agents.Contains(d.Event.ActorId, StringComparer.Ordinal))
            .Where(d => search.MatchesDate("date", DateTimeOffset.FromUnixTimeMilliseconds((long)d.Event.At)))
            .OrderByDescending(d => d.Event.At).ThenBy(d => d.Event.Id.ToString(), StringComparer.Ordinal)
            .ToList();
        return Outcome<FhirMatches>.Ok(FhirMatches.Of(matches, search, page => page.Select(ToFhir)));
    }

    /// <summary>
    /// The disclosures the actor may read: a patient their own (any other patient is refused), admins and auditors their
    /// organisation's trail (a patient of another organisation is refused); other roles are refused.
    /// </summary>
    private Outcome<IReadOnlyList<DisclosureView>> Disclosures(UserSession actor, string? patientId, bool explicitPatient)
    {
        if (actor.Role == Role.Patient) return audit.Disclosures(actor, patientId ?? actor.UserId);
        if (actor.Role is Role.Admin or Role.Auditor)
        {
            if (explicitPatient && patientId is not null && gate.OrganisationOf(patientId) is { } organisation && organisation != actor.OrganisationId)
            {
                return Outcome<IReadOnlyList<DisclosureView>>.Forbidden($"Patient {patientId}'s access history belongs to another organisation.");
            }
            return audit.Trail(actor, patientId, null, null, null, null);
        }
        return Outcome<IReadOnlyList<DisclosureView>>.Forbidden("Only the patient, and admins and auditors of their organisation, read disclosure events.");
    }

    private AuditEvent ToFhir(DisclosureView d)
    {
        var e = d.Event;
        var at = DateTimeOffset.FromUnixTimeMilliseconds((long)e.At);
        var organisation = node.GetState(StateKeys.User(e.ActorId)) is { } u ? UserRecord.TryDecode(u)?.OrganisationId : null;
        var who = e.ActorRole.ToLowerInvariant() switch
        {
            "doctor" => FhirMeta.Reference("Practitioner", e.ActorId),
            "patient" => FhirMeta.Reference("Patient", e.ActorId),
            _ => new ResourceReference { Identifier = new Identifier(UserSystem, e.ActorId), Display = e.ActorId },
        };
        var height = d.Height.ToString(CultureInfo.InvariantCulture);
        return new AuditEvent
        {
            Id = e.Id.ToString(),
            Meta = new Meta { VersionId = "1", LastUpdated = at },
            Type = new Coding("http://dicom.nema.org/resources/ontology/DCM", "110110", "Patient Record"),
            Subtype = [new Coding("http://hl7.org/fhir/restful-interaction", "read", "read")],
            Action = AuditEvent.AuditEventAction.R,
            Recorded = at,
            Outcome = e.Allowed ? AuditEvent.AuditEventOutcome.N0 : AuditEvent.AuditEventOutcome.N4,
            OutcomeDesc = e.Allowed ? "served" : "refused",
            PurposeOfEvent = e.Purpose is { Length: > 0 } and not "-" ? [new CodeableConcept { Text = e.Purpose }] : [],
            Agent =
            [
                new AuditEvent.AgentComponent
                {
                    Type = new CodeableConcept { Text = e.ActorRole },
                    Who = who,
                    Requestor = true,
                },
            ],
            Source = new AuditEvent.SourceComponent
            {
                Site = "HealthLedger",
                Observer = organisation is null ? new ResourceReference { Display = "HealthLedger node" } : FhirMeta.Reference("Organization", organisation),
            },
            Entity =
            [
                new AuditEvent.EntityComponent
                {
                    What = FhirMeta.Reference("Patient", e.PatientId),
                    Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
                    Role = new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
                    Description = e.Resource,
                    Detail = [new AuditEvent.DetailComponent { Type = "block", Value = new FhirString(height) }],
                },
            ],
        };
    }
}
