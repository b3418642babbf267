using System.Globalization;
using HealthLedger.Core.Model;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// <c>MedicationRequest</c> create = a prescription through <see cref="PharmacyService.PrescribeAsync"/>: written by a
/// doctor as themselves (requester, when given, must be <c>Practitioner/{their id}</c>; admins get 403 from the service).
/// The drug must be in the pharmacy's formulary — medicationReference <c>Medication/{drugId}</c>, or a
/// medicationCodeableConcept whose ATC code or text names a formulary drug; a drug not in the formulary is refused (422 at
/// <c>MedicationRequest.medication[x]</c>): a prescription here is dispensed from stock, so the pharmacy adds the drug first.
/// Dose = dosageInstruction.doseAndRate.doseQuantity (else the dosage text), route = dosageInstruction.route (oral when
/// absent), frequency = timing (else its text), duration = dispenseRequest.expectedSupplyDuration in days (else 30),
/// quantity = dispenseRequest.quantity, repeats = numberOfRepeatsAllowed, instructions = patientInstruction, an allergy
/// override reason = note.text. Update is refused (422): prescriptions are changed by a new one.
/// <para>
/// With <c>reportedBoolean</c> true (or a <c>reportedReference</c>: "reported rather than primary record") the request is
/// not a prescription but an item of the patient's medication history (as reported), kept like the Conditions list (see
/// <see cref="ConditionWriter"/>): appended to the demographics (a new version through <see cref="PatientService.UpdateAsync"/>,
/// admins of the patient's organisation), id <c>{patientId}-medication-{n}</c>; an item already listed (case ignored) is
/// not added twice; only active orders and plans are kept (422 otherwise). Update of <c>{patientId}-medication-{n}</c>
/// replaces item n (If-Match: the demographics' version).
/// </para>
/// </summary>
public sealed class MedicationRequestWriter(PharmacyService pharmacy, FormularyStore formulary, PrescriptionStore prescriptions, FhirPatientAccess access,
    PatientService patients, PatientDirectory directory, IServiceProvider services)
    : IFhirPlannedWriter
{
    /// <summary>The error of a reported medication that is not active.</summary>
    public const string InactiveMedication = "Only active medications are kept in the patient's medication history.";

    /// <summary>The error of a reported medication without text (the import reports it as "no medication text").</summary>
    public const string MissingMedication = "The medication (medicationCodeableConcept.text or a coding's display) is required.";


    private static readonly IReadOnlyDictionary<string, string> Paths = new Dictionary<string, string>
    {
        ["drugId"] = "MedicationRequest.medication[x]",
        ["dose"] = "MedicationRequest.dosageInstruction.doseAndRate",
        ["route"] = "MedicationRequest.dosageInstruction.route",
        ["frequency"] = "MedicationRequest.dosageInstruction.timing",
        ["durationDays"] = "MedicationRequest.dispenseRequest.expectedSupplyDuration",
        ["quantity"] = "MedicationRequest.dispenseRequest.quantity",
        ["repeats"] = "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed",
        ["instructions"] = "MedicationRequest.dosageInstruction.patientInstruction",
        ["overrideReason"] = "MedicationRequest.note",
    };

    /// <summary>ATC.</summary>
    public const string Atc = "http://www.whocc.no/atc";

    /// <inheritdoc />
    public string TypeName => "MedicationRequest";

    /// <summary>The formulary drug of organisation <paramref name="organisationId"/> the request names, or null.</summary>
    public DrugView? Drug(MedicationRequest request, string organisationId, FhirReferences references)
    {
        var drugs = formulary.Drugs(organisationId);
        if (request.Medication is ResourceReference reference)
        {
            var (id, _) = references.Target(reference, "Medication");
            return drugs.FirstOrDefault(d => d.Id == id);
        }
        if (request.Medication is not CodeableConcept concept) return null;
        var atc = concept.Coding.Where(c => c.System == Atc).Select(c => c.Code).ToList();
        var text = FhirWrite.Text(concept);
        return drugs.FirstOrDefault(d => d.Details.AtcCode.Length > 0 && atc.Contains(d.Details.AtcCode))
            ?? drugs.FirstOrDefault(d => d.Details.Label.Equals(text, StringComparison.OrdinalIgnoreCase) || d.Details.Name.Equals(text, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True when <paramref name="request"/> is reported rather than a primary record (reportedBoolean true, or a reportedReference).</summary>
    public static bool IsReported(MedicationRequest request) => request.Reported is FhirBoolean { Value: true } or ResourceReference;

    /// <summary>
    /// The medication-history item of a reported request (medicationCodeableConcept.text, else a coding's display), or the
    /// error at its path (Unmappable: not an active order or plan; <see cref="MissingMedication"/> when it names no medication).
    /// </summary>
    public static (string? Text, string? Path, string? Error, bool Unmappable) ReportedText(MedicationRequest request)
    {
        if (request.Status is { } status && status != MedicationRequest.MedicationrequestStatus.Active)
        {
            return (null, "MedicationRequest.status", InactiveMedication, true);
        }
        if (request.Intent is { } intent && intent is not (MedicationRequest.MedicationRequestIntent.Order or MedicationRequest.MedicationRequestIntent.OriginalOrder
            or MedicationRequest.MedicationRequestIntent.ReflexOrder or MedicationRequest.MedicationRequestIntent.FillerOrder
            or MedicationRequest.MedicationRequestIntent.InstanceOrder or MedicationRequest.MedicationRequestIntent.Plan))
        {
            return (null, "MedicationRequest.intent", "Only orders and plans are kept in the patient's medication history.", true);
        }
        var concept = request.Medication as CodeableConcept;
        var text = concept?.Text is { Length: > 0 } t && t.Trim().Length > 0 ? t.Trim()
            : concept?.Coding.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.Display))?.Display?.Trim() ?? "";
        if (text.Length == 0) return (null, "MedicationRequest.medication[x]", MissingMedication, false);
        var line = FhirWrite.Line(text, int.MaxValue);
        if (line.Length > PatientInput.MaxMedicationLength) return (null, "MedicationRequest.medication[x]", $"A medication must be at most {PatientInput.MaxMedicationLength} characters.", false);
        return (line, null, null, false);
    }

    /// <inheritdoc />
    public Outcome<FhirPlannedWrite> Plan(UserSession actor, Resource resource, FhirReferences references)
    {
        var request = (MedicationRequest)resource;
        var (patientId, patientError) = references.Target(request.Subject, "Patient");
        if (patientError is not null) return FhirWrite.Invalid<FhirPlannedWrite>("MedicationRequest.subject", patientError);
        var organisationId = references.IsPending(patientId!) ? actor.OrganisationId : access.OrganisationOf(patientId!);
        if (organisationId is null) return FhirWrite.Invalid<FhirPlannedWrite>("MedicationRequest.subject", $"Patient '{patientId}' does not exist.");
        if (IsReported(request)) return PlanReported(actor, request, patientId!, references);
        if (actor.Role != Role.Doctor) return Outcome<FhirPlannedWrite>.Forbidden("Only a doctor prescribes (as themselves).");
        if (request.Requester is { Reference: not null } requester && references.Target(requester, "Practitioner").Id != actor.UserId)
        {
            return FhirWrite.Invalid<FhirPlannedWrite>("MedicationRequest.requester", "A doctor prescribes as themselves: requester must be Practitioner/<your id> or left out.");
        }
        if (Drug(request, organisationId, references) is not { } drug)
        {
            return FhirWrite.Unprocessable<FhirPlannedWrite>("MedicationRequest.medication[x]",
                "The drug is not in the pharmacy's formulary (by Medication/<drug id>, ATC code or name): the pharmacy adds it before it is prescribed.");
        }
        var dosage = request.DosageInstruction.FirstOrDefault();
        var dose = dosage?.DoseAndRate.Select(d => d.Dose).OfType<Quantity>().FirstOrDefault() is { Value: { } v } q
            ? $"{v.ToString(CultureInfo.InvariantCulture)} {q.Unit ?? q.Code}".Trim() : dosage?.Text;
        var input = new PrescriptionInput
        {
            DrugId = drug.Id,
            Dose = dose,
            Route = Route(dosage?.Route),
            Frequency = Frequency(dosage),
            DurationDays = request.DispenseRequest?.ExpectedSupplyDuration is { Value: { } days } ? (int)Math.Ceiling(days) : 30,
            Quantity = request.DispenseRequest?.Quantity?.Value is { } quantity ? (int)Math.Ceiling(quantity) : null,
            Repeats = request.DispenseRequest?.NumberOfRepeatsAllowed,
            Instructions = dosage?.PatientInstruction ?? (dose == dosage?.Text ? null : dosage?.Text),
            OverrideReason = request.Note.FirstOrDefault()?.Text,
        };
        var (details, _, errors) = input.Validate();
        if (details is null) return FhirWrite.Remap<object, FhirPlannedWrite>(Outcome<object>.Invalid(errors), Paths, "MedicationRequest");
        var depends = references.IsPending(patientId!) ? new[] { patientId! } : [];
        return Outcome<FhirPlannedWrite>.Ok(new FhirPlannedWrite(TypeName, depends, async (refs, ct) =>
        {
            var prescribed = await pharmacy.PrescribeAsync(actor, refs.Final(patientId!), input, ct);
            if (!prescribed.IsOk) return FhirWrite.Remap<PrescriptionStatus, Resource>(prescribed, Paths, "MedicationRequest");
            var id = prescribed.Value!.Prescription.Id;
            return FhirStored.Read(services, actor, TypeName, id, () => prescriptions.Prescription(id) is { } rx ? ToFhir(rx) : null);
        }));
    }

    private static string Route(CodeableConcept? route)
    {
        var text = FhirWrite.Text(route).ToLowerInvariant();
        if (text.Length == 0) return "oral";
        return PrescriptionInput.Routes.FirstOrDefault(r => text.Contains(r, StringComparison.Ordinal))
            ?? (text.Contains("mouth", StringComparison.Ordinal) ? "oral" : text.Contains("inhal", StringComparison.Ordinal) ? "inhaled" : text);
    }

    private static string? Frequency(Dosage? dosage)
    {
        if (dosage?.Timing?.Repeat is { Frequency: { } f, Period: { } p, PeriodUnit: { } unit })
        {
            var per = p == 1 ? unit.ToString().ToLowerInvariant() switch { "d" => "day", "h" => "hour", "wk" => "week", "mo" => "month", var u => u }
                : $"{p.ToString(CultureInfo.InvariantCulture)} {unit.ToString().ToLowerInvariant()}";
            return $"{f.ToString(CultureInfo.InvariantCulture)} times per {per}";
        }
        return FhirWrite.Text(dosage?.Timing?.Code) is { Length: > 0 } code ? code : dosage?.Text is { Length: > 0 } text ? text : dosage?.AsNeeded is FhirBoolean { Value: true } ? "as needed" : null;
    }

    /// <inheritdoc />
    public async Task<Outcome<Resource>> CreateAsync(UserSession actor, Resource resource, CancellationToken ct)
    {
        var plan = Plan(actor, resource, FhirReferences.None);
        return plan.IsOk ? await plan.Value!.Submit(FhirReferences.None, ct) : plan.As<Resource>();
    }

    /// <inheritdoc />
    public async Task<Outcome<Resource>> UpdateAsync(UserSession actor, string id, Resource resource, string? ifMatch, CancellationToken ct)
    {
        if (prescriptions.Prescription(id) is not null || Clinical.MedicationRequestResource.History.Parse(id) is not { } target)
        {
            return FhirWrite.Unprocessable<Resource>("MedicationRequest", "A prescription is not edited: prescribe again instead.");
        }
        if (PatientLists.CheckUpdate("MedicationRequest", "subject", ((MedicationRequest)resource).Subject, target.PatientId, id, ifMatch) is { } refused) return refused;
        var request = (MedicationRequest)resource;
        if (!IsReported(request)) return FhirWrite.Unprocessable<Resource>("MedicationRequest.reported[x]", "An item of the medication history stays reported (reportedBoolean true).");
        var (text, path, error, unmappable) = ReportedText(request);
        if (text is null) return unmappable ? FhirWrite.Unprocessable<Resource>(path!, error!) : FhirWrite.Invalid<Resource>(path!, error!);
        var written = await PatientLists.EditAsync(patients, directory, actor, target.PatientId, ifMatch, d =>
        {
            if (target.N > d.Medications.Count) return (null, 0);
            var list = d.Medications.ToList();
            list[target.N - 1] = text;
            return (d with { Medications = list }, target.N);
        }, ct);
        return written.IsOk ? StoredReported(actor, target.PatientId, written.Value) : FhirWrite.Remap<int, Resource>(written, PatientLists.Paths("MedicationRequest.medication[x]"), "MedicationRequest");
    }

    private Outcome<FhirPlannedWrite> PlanReported(UserSession actor, MedicationRequest request, string patientId, FhirReferences references)
    {
        var (text, path, error, unmappable) = ReportedText(request);
        if (text is null) return unmappable ? FhirWrite.Unprocessable<FhirPlannedWrite>(path!, error!) : FhirWrite.Invalid<FhirPlannedWrite>(path!, error!);
        var depends = references.IsPending(patientId) ? new[] { patientId } : [];
        return Outcome<FhirPlannedWrite>.Ok(new FhirPlannedWrite(TypeName, depends, async (refs, ct) =>
        {
            var id = refs.Final(patientId);
            var written = await PatientLists.EditAsync(patients, directory, actor, id, null, d =>
            {
                var list = d.Medications.ToList();
                var at = list.FindIndex(m => m.Equals(text, StringComparison.OrdinalIgnoreCase));
                if (at < 0) list.Add(text);
                return (d with { Medications = list }, at < 0 ? list.Count : at + 1);
            }, ct);
            return written.IsOk ? StoredReported(actor, id, written.Value) : FhirWrite.Remap<int, Resource>(written, PatientLists.Paths("MedicationRequest.medication[x]"), "MedicationRequest");
        }));
    }

    private Outcome<Resource> StoredReported(UserSession actor, string patientId, int n)
    {
        var history = Clinical.MedicationRequestResource.History;
        var id = history.Id(patientId, n);
        return FhirStored.Read(services, actor, TypeName, id, () => directory.Patient(patientId) is { } p && history.Of(p) is { } items && n <= items.Count
            ? Clinical.MedicationRequestResource.Reported(items[n - 1]) : null);
    }

    /// <summary>The MedicationRequest a writer answers when no read mapping is registered.</summary>
    public static MedicationRequest ToFhir(PrescriptionView rx)
    {
        var d = rx.Details;
        var medication = new CodeableConcept { Text = d.Drug };
        if (d.AtcCode.Length > 0) medication.Coding.Add(new Coding(Atc, d.AtcCode));
        return new MedicationRequest
        {
            Id = rx.Id,
            Meta = FhirMeta.From(rx.Proof, 1),
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = medication,
            Subject = FhirMeta.Reference("Patient", rx.PatientId),
            Requester = FhirMeta.Reference("Practitioner", rx.DoctorId),
            AuthoredOnElement = FhirMeta.DateTime(FhirMeta.BlockTime(rx.Proof)),
            DosageInstruction = [new Dosage { Text = $"{d.Dose} {d.Route} {d.Frequency} for {d.DurationDays} days".Trim(), PatientInstruction = d.Instructions.Length > 0 ? d.Instructions : null }],
            DispenseRequest = new MedicationRequest.DispenseRequestComponent
            {
                Quantity = new Quantity { Value = rx.Quantity },
                NumberOfRepeatsAllowed = rx.Repeats,
                ExpectedSupplyDuration = new Duration { Value = d.DurationDays, Unit = "days", System = "http://unitsofmeasure.org", Code = "d" },
            },
        };
    }
}
