using System.Globalization;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Fhir.Writes;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.VitalSigns;
using HealthLedger.Node.Wards;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Import;

/// <summary>What an import does besides the records: a dry run writes nothing; a fallback doctor for encounters without one.</summary>
/// <param name="DryRun">Map, validate and look up only: report what would be created.</param>
/// <param name="FallbackDoctorId">The doctor of encounters whose practitioner is neither in the files nor a doctor here.</param>
public sealed record FhirImportOptions(bool DryRun = false, string? FallbackDoctorId = null);

/// <summary>The counts of one resource type.</summary>
public sealed class FhirImportCounts
{
    /// <summary>Created (or, in a dry run, to be created).</summary>
    public int Created { get; set; }

    /// <summary>Already in HealthLedger (skipped).</summary>
    public int Existing { get; set; }

    /// <summary>Not imported (see the reasons).</summary>
    public int Unmapped { get; set; }
}

/// <summary>What an import did (or, dry, would do), per resource type, with the reasons for what it could not map.</summary>
public sealed class FhirImportReport
{
    /// <summary>True for a dry run.</summary>
    public bool DryRun { get; init; }

    /// <summary>Per FHIR type.</summary>
    public SortedDictionary<string, FhirImportCounts> Types { get; } = new(StringComparer.Ordinal);

    /// <summary>"Type: reason" → how many resources.</summary>
    public SortedDictionary<string, int> Reasons { get; } = new(StringComparer.Ordinal);

    /// <summary>Remarks for the admin (logins, fallback doctor).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Writes the services refused (counted as not mapped too).</summary>
    public int Refused { get; set; }

    /// <summary>Resources read.</summary>
    public int Total => Types.Values.Sum(c => c.Created + c.Existing + c.Unmapped);

    internal FhirImportCounts Of(string type) => Types.TryGetValue(type, out var c) ? c : Types[type] = new FhirImportCounts();

    internal void Created(string type) => Of(type).Created++;

    internal void Existing(string type) => Of(type).Existing++;

    internal void Unmapped(string type, string reason)
    {
        Of(type).Unmapped++;
        var key = $"{type}: {reason}";
        Reasons[key] = Reasons.GetValueOrDefault(key) + 1;
    }
}

/// <summary>
/// Imports FHIR R4 Bundles (transaction or collection, e.g. Synthea patient bundles) through the real transaction path: the
/// same services (and signed transactions) as the UI, as an admin. Every file is parsed before anything is written.
/// <list type="bullet">
/// <item>Practitioner → a doctor with id <c>dr-{identifier or id}</c> (lower case, letters, digits, '-'), a login whose
/// one-time password is not shown (the admin resets it to hand it over).</item>
/// <item>Patient → a registration (MRN = the identifier of type MR, else the source id, letters/digits/'-', at most 32); a
/// login like any registered patient whose one-time password is not shown: reset it on the patient's page.</item>
/// <item>Encounter → a visit (AMB, EMER) or an admission (IMP) with its practitioner's doctor, else the fallback doctor. An
/// admission's ward and bed are its location "Ward/Bed" when that is a free bed of this hospital, else a bed of the ward
/// <see cref="DefaultWard"/> (added to the ward list when the hospital keeps one); an ended stay (period.end) is the
/// admission followed by its discharge at period.end, which frees the bed. Encounters are imported in time order.</item>
/// <item>Observation (vital signs) → one set of vital signs per patient and time; lab and other Observations are reported.</item>
/// <item>Condition / AllergyIntolerance (active) / MedicationRequest (active order or plan) → items of the patient's
/// Conditions list / allergies / medication history as reported (one new version of the demographics per patient). A
/// MedicationRequest never becomes a prescription: a prescription here is a live order signed by the prescribing doctor
/// and dispensed from the formulary, and the importing admin cannot sign as the doctor; the source system's order is the
/// patient's reported medication (read back as a MedicationRequest with reportedBoolean true). Other statuses are reported
/// (<see cref="MedicationReason"/>).</item>
/// </list>
/// Idempotent without ids of its own: the same source resources find the same records — doctors by their derived id,
/// patients by MRN (the organisation's blind index of it on the chain), visits and admissions by patient, type, time and
/// doctor, vital signs by patient and time, list items by their text — so a second run creates nothing.
/// </summary>
public sealed class FhirImporter(PatientService patients, PatientDirectory patientDirectory, DoctorService doctorService, DoctorDirectory doctors,
    EncounterService encounters, EntryStore entries, VitalSignsService vitals, VitalSignsStore vitalStore, EncounterWriter encounterWriter, HospitalTime time,
    WardService wardService)
{
    /// <summary>
    /// The reason a MedicationRequest that is not active (stopped, completed, cancelled, on hold…) is not imported: only what
    /// the patient takes now goes into the medication history (a prescription here is a live order, signed by its doctor).
    /// </summary>
    public const string MedicationReason = MedicationRequestWriter.InactiveMedication;

    /// <summary>The reason a MedicationRequest that names no medication (text or a coding's display) is not imported.</summary>
    public const string NoMedicationText = "no medication text";

    /// <summary>Parses one file's text as a Bundle; the error is one line naming the file.</summary>
    public static (Bundle? Bundle, string? Error) Parse(string name, string text)
    {
        var (resource, error, _) = FhirFormats.Deserialize(text, text.TrimStart().StartsWith('<') ? FhirFormat.Xml : FhirFormat.Json);
        if (resource is null) return (null, $"{name}: {error}");
        return resource is Bundle bundle ? (bundle, null) : (null, $"{name}: a {resource.TypeName}, not a Bundle.");
    }

    /// <summary>
    /// Whether a patient being imported is the person already registered under the same MRN: the same birth date and the
    /// same name, compared letter by letter after folding case, accents and spacing (<see cref="TextFolding"/>), either name
    /// holding the other (so "Ana María López" matches "Ana López"). An MRN match alone is not enough: two systems' MRNs can
    /// collide, and a different person's records must never be attached to a patient.
    /// </summary>
    public static bool SamePerson(PatientDetails? registered, PatientDetails imported)
    {
        if (registered is null || registered.DateOfBirth != imported.DateOfBirth) return false;
        var a = TextFolding.Fold(registered.FullName).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var b = TextFolding.Fold(imported.FullName).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return a.Length > 0 && b.Length > 0 && (a.All(b.Contains) || b.All(a.Contains));
    }

    /// <summary>The doctor id of a practitioner's identifier value (or source id).</summary>
    public static string DoctorId(string source)
    {
        var kept = new string(source.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        var id = "dr-" + kept;
        return id.Length <= 64 ? id : id[..64];
    }

    private sealed record Source(Resource Resource, string Key, IReadOnlyList<string> Keys);

    /// <summary>The checks made before anything is read (an admin; a fallback doctor of the organisation): the refusal, or null.</summary>
    public Outcome<FhirImportReport>? Refusal(UserSession admin, FhirImportOptions options)
    {
        if (admin.Role != Role.Admin) return Outcome<FhirImportReport>.Forbidden("Only an admin imports records.");
        var fallback = options.FallbackDoctorId?.Trim().ToLowerInvariant();
        if (fallback is { Length: > 0 } && doctors.Doctor(fallback)?.OrganisationId != admin.OrganisationId)
        {
            return Outcome<FhirImportReport>.Invalid(FieldErrors.One("doctor", $"Doctor '{fallback}' is not a doctor of this organisation."));
        }
        return null;
    }

    /// <summary>Imports <paramref name="bundles"/> as <paramref name="admin"/>; <paramref name="progress"/> gets (done, total) after each resource.</summary>
    public async Task<Outcome<FhirImportReport>> ImportAsync(UserSession admin, IReadOnlyList<Bundle> bundles, FhirImportOptions options,
        Action<int, int>? progress, CancellationToken ct)
    {
        if (Refusal(admin, options) is { } refusal) return refusal;
        var fallback = options.FallbackDoctorId?.Trim().ToLowerInvariant();
        if (fallback is { Length: 0 }) fallback = null;
        var report = new FhirImportReport { DryRun = options.DryRun };
        var sources = new List<Source>();
        var refs = new FhirReferences { Conditional = (type, query) => Conditional(type, query, sources) };
        foreach (var bundle in bundles)
        {
            foreach (var entry in bundle.Entry)
            {
                if (entry.Resource is not { } resource) continue;
                var keys = new List<string>();
                if (entry.FullUrl is { Length: > 0 } fullUrl) keys.Add(fullUrl);
                if (resource.Id is { Length: > 0 } id) keys.Add($"{resource.TypeName}/{id}");
                if (resource is Practitioner p) keys.Add("Practitioner/" + DoctorId(PractitionerSource(p)));
                if (keys.Count == 0) keys.Add($"{resource.TypeName}#{sources.Count}");
                // The same resource in two files (e.g. a practitioner file and a patient bundle) is imported once.
                if (keys.Any(refs.IsEntry))
                {
                    continue;
                }
                foreach (var key in keys) refs.Declare(key, resource.TypeName);
                sources.Add(new Source(resource, keys[0], keys));
            }
        }
        var done = 0;
        void Step() => progress?.Invoke(++done, sources.Count);
        var failedPatients = new HashSet<string>(StringComparer.Ordinal);
        var created = new Dictionary<string, int>(StringComparer.Ordinal);

        // 1. Practitioners → doctors.
        foreach (var s in sources.Where(s => s.Resource is Practitioner))
        {
            var practitioner = (Practitioner)s.Resource;
            var doctorId = DoctorId(PractitionerSource(practitioner));
            if (doctors.Doctor(doctorId) is { } existing)
            {
                if (existing.OrganisationId == admin.OrganisationId) report.Existing("Practitioner");
                else report.Unmapped("Practitioner", "its id is taken by a doctor of another organisation");
                Resolve(refs, s, "Practitioner", doctorId);
            }
            else
            {
                var input = new DoctorInput
                {
                    DoctorId = doctorId,
                    Name = Name(practitioner.Name) is { Length: > 0 } name ? name : "Imported practitioner",
                    Specialty = "General practice",
                    Department = "Imported",
                    Qualification = FhirWrite.Line(string.Join(", ", practitioner.Qualification.Select(q => FhirWrite.Text(q.Code)).Where(t => t.Length > 0)), 200),
                    LicenceNumber = FhirWrite.Line(PractitionerSource(practitioner), 50),
                    Email = practitioner.Telecom.FirstOrDefault(t => t.System == ContactPoint.ContactPointSystem.Email)?.Value,
                };
                var (_, details, errors) = input.Validate();
                if (details is null)
                {
                    report.Unmapped("Practitioner", "not a valid doctor: " + Fields(errors));
                }
                else if (options.DryRun)
                {
                    report.Created("Practitioner");
                }
                else if (await doctorService.RegisterAsync(admin, input, ct) is { IsOk: false } refused)
                {
                    Refused(report, "Practitioner", refused);
                }
                else
                {
                    report.Created("Practitioner");
                    Resolve(refs, s, "Practitioner", doctorId);
                }
            }
            Step();
        }

        // 2. Patients → registrations (found again by MRN).
        var byMrn = patientDirectory.Patients(admin.OrganisationId).GroupBy(p => p.Details.Mrn, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Id: g.First().Id, Details: (PatientDetails?)g.First().Details), StringComparer.Ordinal);
        var newPatients = 0;
        foreach (var s in sources.Where(s => s.Resource is Patient))
        {
            var patient = (Patient)s.Resource;
            var input = PatientWriter.Input(patient, null);
            input.Mrn = PatientWriter.Mrn(patient) ?? PatientWriter.Sanitise(patient.Id ?? "");
            var (details, errors) = input.Validate(time.Today);
            if (details is null)
            {
                report.Unmapped("Patient", "not a valid registration: " + Fields(errors));
                Fail(failedPatients, s);
            }
            else if (byMrn.TryGetValue(details.Mrn, out var existing) && !SamePerson(existing.Details, details))
            {
                // The same MRN on a different person (another system's numbering, a typo): nothing of theirs is attached here.
                report.Unmapped("Patient", "its MRN is registered here to a person with another name or birth date");
                Fail(failedPatients, s);
            }
            else if (existing.Id is not null)
            {
                report.Existing("Patient");
                Resolve(refs, s, "Patient", existing.Id);
            }
            else if (patients.MrnTaken(details.Mrn))
            {
                report.Unmapped("Patient", "its MRN is registered to a patient this node cannot open");
                Fail(failedPatients, s);
            }
            else if (options.DryRun)
            {
                report.Created("Patient");
                byMrn[details.Mrn] = (s.Key, details);
            }
            else if (await patients.RegisterAsync(admin, input, ct) is var registered && registered.IsOk)
            {
                report.Created("Patient");
                newPatients++;
                byMrn[details.Mrn] = (registered.Value!.Id, details);
                Resolve(refs, s, "Patient", registered.Value.Id);
            }
            else
            {
                Refused(report, "Patient", registered);
                Fail(failedPatients, s);
            }
            Step();
        }
        if (newPatients > 0) report.Notes.Add($"{newPatients} patients were registered with a login whose one-time password is not shown: reset it on the patient's page to hand it over.");

        // The patient of a clinical resource: its HealthLedger id (or, dry, the pending key), or the reason it cannot be imported.
        (string? Id, string? Reason) PatientOf(ResourceReference? reference)
        {
            var (id, error) = refs.Target(reference, "Patient");
            if (error is not null) return (null, "its patient is not in the files nor registered here");
            if (failedPatients.Contains(id!)) return (null, "its patient was not imported");
            if (refs.IsPending(id!) && !options.DryRun) return (null, "its patient was not imported");
            if (!refs.IsPending(id!) && patientDirectory.Patient(id!)?.OrganisationId != admin.OrganisationId) return (null, "its patient is not a patient of this organisation");
            return (id, null);
        }

        // 3. Encounters → visits and admissions, in time order (a patient's stays follow each other: admitted → discharged).
        var usedFallback = 0;
        var usedDefaultBed = 0;
        var addedBeds = new List<string>();
        foreach (var s in sources.Where(s => s.Resource is Encounter).OrderBy(s => StartOf((Encounter)s.Resource)))
        {
            var encounter = (Encounter)s.Resource;
            var (patientId, reason) = PatientOf(encounter.Subject);
            if (patientId is null)
            {
                report.Unmapped("Encounter", reason!);
                Step();
                continue;
            }
            var practitionerKnown = encounter.Participant.Select(p => p.Individual).Any(r => r?.Reference is { Length: > 0 } && refs.Target(r, "Practitioner") is { Error: null } t
                && (refs.IsPending(t.Id!) || doctors.Doctor(t.Id!) is not null));
            var mapped = (Encounter)encounter.DeepCopy();
            if (!practitionerKnown) mapped.Participant.Clear();
            // An inpatient stay without a usable "Ward/Bed" of this hospital goes to the default ward (the bed is chosen when it is written).
            var defaultBed = IsInpatient(encounter) && !UsableBed(encounter, refs.IsPending(patientId) ? null : patientId);
            if (defaultBed) mapped.Location = [new Encounter.LocationComponent { Location = new ResourceReference { Display = $"{DefaultWard}/{DefaultWard}-1" } }];
            var (_, input, errors) = encounterWriter.Map(admin, mapped, refs, fallback);
            if (input is null)
            {
                report.Unmapped("Encounter", errors!.ToDictionary().Keys.Contains("Encounter.participant") && fallback is null
                    ? "no doctor: its practitioner is not in the files nor a doctor here (give a fallback doctor)"
                    : Fields(errors!));
                Step();
                continue;
            }
            var at = DateTimeOffset.Parse(input.OccurredAt!, CultureInfo.InvariantCulture);
            var type = input.Type == "admission" ? EntryType.Admission : EntryType.Visit;
            // An ended stay: its discharge at period.end, checked before the admission is written.
            EntryInput? discharge = null;
            if (type == EntryType.Admission && FhirWrite.Instant(encounter.Period?.EndElement) is { } endText)
            {
                discharge = new EntryInput { Type = "discharge", OccurredAt = endText, Summary = DischargeSummary(encounter) };
                var (_, checkedDischarge, dischargeErrors) = discharge.Validate(time);
                var problem = checkedDischarge is null ? Fields(dischargeErrors)
                    : checkedDischarge.OccurredAt < at ? "its period.end is before its period.start" : null;
                if (problem is not null)
                {
                    report.Unmapped("Encounter", "the discharge at period.end: " + problem);
                    Step();
                    continue;
                }
            }
            if (!practitionerKnown) usedFallback++;
            var doctorId = refs.Final(input.DoctorId!);
            if (discharge is not null) discharge.DoctorId = doctorId;
            var existing = refs.IsPending(patientId) ? null
                : entries.Entries(patientId).LastOrDefault(e => e.Type == type && e.Details.OccurredAt == at && e.DoctorId == doctorId);
            if (existing is not null && (discharge is null || Discharged(patientId, existing, discharge)))
            {
                report.Existing("Encounter");
            }
            else if (options.DryRun)
            {
                report.Created("Encounter");
                if (defaultBed) usedDefaultBed++;
            }
            else if (existing is not null)
            {
                // Imported before while still open (or stopped between its admission and discharge): only the discharge is new.
                var discharged = await encounters.AddEncounterAsync(admin, patientId, discharge!, ct);
                if (discharged.IsOk) report.Created("Encounter");
                else Refused(report, "Encounter", discharged);
            }
            else
            {
                input.DoctorId = doctorId;
                var placed = defaultBed ? await DefaultBedAsync(admin, patientId, addedBeds, ct) : (Ward: input.Ward, Bed: input.Bed, Error: null);
                if (placed.Error is not null)
                {
                    report.Unmapped("Encounter", placed.Error);
                    Step();
                    continue;
                }
                (input.Ward, input.Bed) = (placed.Ward, placed.Bed);
                var added = await encounters.AddEncounterAsync(admin, patientId, input, ct);
                if (added.IsOk && discharge is not null) added = await encounters.AddEncounterAsync(admin, patientId, discharge, ct);
                if (added.IsOk)
                {
                    report.Created("Encounter");
                    if (defaultBed) usedDefaultBed++;
                }
                else
                {
                    Refused(report, "Encounter", added);
                }
            }
            Step();
        }
        if (usedDefaultBed > 0)
        {
            report.Notes.Add($"{usedDefaultBed} inpatient encounters name no ward and bed of this hospital (location \"Ward/Bed\"): recorded in the ward {DefaultWard}" +
                (addedBeds.Count > 0 ? $", whose beds {string.Join(", ", addedBeds)} were added to the ward list." : "."));
        }
        if (usedFallback > 0) report.Notes.Add($"{usedFallback} encounters name no practitioner known here: recorded with the fallback doctor {fallback}.");

        // 4. Observations: vital signs, one set per patient and time.
        var sets = new Dictionary<(string Patient, string At), (VitalSignsInput Input, int Count)>();
        foreach (var s in sources.Where(s => s.Resource is Observation))
        {
            var observation = (Observation)s.Resource;
            var (patientId, reason) = PatientOf(observation.Subject);
            if (patientId is null)
            {
                report.Unmapped("Observation", reason!);
                Step();
                continue;
            }
            var probe = new VitalSignsInput();
            var (_, error) = VitalsMapping.Add(probe, observation);
            if (error is { } e)
            {
                report.Unmapped("Observation", VitalsMapping.IsLaboratory(observation) ? "a laboratory result without a lab order here"
                    : e.Unmappable ? "not a vital sign HealthLedger keeps (LOINC " + (observation.Code?.Coding.FirstOrDefault()?.Code ?? "none") + ")" : e.Message);
                Step();
                continue;
            }
            var key = (patientId, probe.TakenAt!);
            var set = sets.TryGetValue(key, out var found) ? found : (Input: new VitalSignsInput { TakenAt = probe.TakenAt }, Count: 0);
            VitalsMapping.Add(set.Input, observation);
            sets[key] = (set.Input, set.Count + 1);
        }
        foreach (var ((patientId, at), (input, count)) in sets)
        {
            var (details, errors) = input.Validate(time);
            if (details is null)
            {
                for (var i = 0; i < count; i++) report.Unmapped("Observation", "not a valid set of vital signs: " + Fields(errors));
            }
            else if (!refs.IsPending(patientId) && vitalStore.ForPatient(patientId).Any(v => v.Details.TakenAt == details.TakenAt))
            {
                for (var i = 0; i < count; i++) report.Existing("Observation");
            }
            else if (options.DryRun)
            {
                for (var i = 0; i < count; i++) report.Created("Observation");
            }
            else
            {
                var recorded = await vitals.RecordAsync(admin, patientId, input, ct);
                for (var i = 0; i < count; i++)
                {
                    if (recorded.IsOk) report.Created("Observation");
                    else Refused(report, "Observation", recorded);
                }
            }
            for (var i = 0; i < count; i++) Step();
        }

        // 5. Conditions, allergies and the medication history: one new version of each patient's demographics.
        var lists = new Dictionary<string, (List<string> Conditions, List<string> Allergies, List<string> Medications)>(StringComparer.Ordinal);
        foreach (var s in sources.Where(s => s.Resource is Condition or AllergyIntolerance or MedicationRequest))
        {
            var type = s.Resource.TypeName;
            var (patientId, reason) = PatientOf(s.Resource switch
            {
                Condition c => c.Subject,
                AllergyIntolerance a => a.Patient,
                _ => ((MedicationRequest)s.Resource).Subject,
            });
            var (text, _, error, _) = s.Resource switch
            {
                Condition c => ConditionWriter.Text(c),
                AllergyIntolerance a => AllergyIntoleranceWriter.Text(a),
                _ => MedicationRequestWriter.ReportedText((MedicationRequest)s.Resource),
            };
            if (patientId is null || text is null)
            {
                report.Unmapped(type, reason ?? (error == MedicationRequestWriter.MissingMedication ? NoMedicationText : error!));
                Step();
                continue;
            }
            var current = refs.IsPending(patientId) ? null : patientDirectory.Patient(patientId)?.Details;
            var pending = lists.TryGetValue(patientId, out var l) ? l
                : lists[patientId] = ([.. current?.Conditions ?? []], [.. PatientLists.AllergyItems(current?.Allergies ?? "")], [.. current?.Medications ?? []]);
            var list = s.Resource switch { Condition => pending.Conditions, AllergyIntolerance => pending.Allergies, _ => pending.Medications };
            if (list.Contains(text, StringComparer.OrdinalIgnoreCase))
            {
                report.Existing(type);
            }
            else if (s.Resource is Condition && list.Count >= 20)
            {
                report.Unmapped(type, "the patient's Conditions list holds at most 20 items");
            }
            else if (s.Resource is AllergyIntolerance && string.Join("; ", list.Append(text)).Length > 500)
            {
                report.Unmapped(type, "the patient's allergies text holds at most 500 characters");
            }
            else if (s.Resource is MedicationRequest && list.Count >= PatientInput.MaxMedications)
            {
                report.Unmapped(type, $"the patient's medication history holds at most {PatientInput.MaxMedications} items");
            }
            else
            {
                list.Add(text);
                created[$"{patientId}|{type}"] = created.GetValueOrDefault($"{patientId}|{type}") + 1;
            }
            Step();
        }
        string[] listTypes = ["Condition", "AllergyIntolerance", "MedicationRequest"];
        foreach (var (patientId, (conditions, allergies, medications)) in lists)
        {
            var counts = listTypes.Select(t => (Type: t, Count: created.GetValueOrDefault($"{patientId}|{t}"))).ToList();
            if (counts.Sum(c => c.Count) == 0) continue;
            var ok = options.DryRun;
            if (!options.DryRun)
            {
                var written = await PatientLists.EditAsync(patients, patientDirectory, admin, patientId, null,
                    d => (d with { Conditions = conditions, Allergies = string.Join("; ", allergies), Medications = medications }, 0), ct);
                ok = written.IsOk;
                if (!ok)
                {
                    foreach (var (type, count) in counts)
                    {
                        for (var i = 0; i < count; i++) Refused(report, type, written);
                    }
                }
            }
            if (!ok) continue;
            foreach (var (type, count) in counts)
            {
                for (var i = 0; i < count; i++) report.Created(type);
            }
        }

        // 6. What is not imported.
        foreach (var s in sources.Where(s => s.Resource is not (Practitioner or Patient or Encounter or Observation or Condition or AllergyIntolerance or MedicationRequest)))
        {
            report.Unmapped(s.Resource.TypeName, s.Resource switch
            {
                Organization => "organisations are not imported: the records are this organisation's",
                _ => "not a type the import maps",
            });
            Step();
        }
        return Outcome<FhirImportReport>.Ok(report);
    }

    /// <summary>The ward of inpatient encounters that name no ward and bed of this hospital; its beds are "Imported-1", "Imported-2"….</summary>
    public const string DefaultWard = "Imported";

    private static bool IsInpatient(Encounter e) => e.Class?.Code is "IMP" or "ACUTE";

    private static DateTimeOffset StartOf(Encounter e) =>
        DateTimeOffset.TryParse(e.Period?.Start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MaxValue;

    private static string DischargeSummary(Encounter e) =>
        FhirWrite.Line(e.Hospitalization?.DischargeDisposition is { } d && FhirWrite.Text(d) is { Length: > 0 } text
            ? $"Discharged ({text}); imported from a FHIR Encounter's period.end."
            : "Discharged; imported from a FHIR Encounter's period.end.", 4000);

    // The source's location "Ward/Bed" is used when it names a bed of this hospital's list (any bed when no list is kept)
    // that no other patient holds; otherwise the stay goes to the default ward.
    private bool UsableBed(Encounter e, string? patientId)
    {
        var place = e.Location.Select(l => l.Location?.Display).FirstOrDefault(d => !string.IsNullOrWhiteSpace(d));
        if (place?.LastIndexOf('/') is not (> 0 and var slash) || slash >= place.Length - 1) return false;
        var (ward, bed, errors) = wardService.Check(place[..slash].Trim(), place[(slash + 1)..].Trim());
        return errors is null && ward.Length <= 50 && bed.Length <= 20 && wardService.IsFree(wardService.BedIndex(ward, bed), patientId ?? "");
    }

    // A free bed of the default ward for the patient: with no ward list, "Imported-1", "Imported-2"… (any bed is allowed);
    // with a list, a free bed of its ward Imported, or a new one added to the list (the ward too, the first time).
    private async Task<(string Ward, string Bed, string? Error)> DefaultBedAsync(UserSession admin, string patientId, List<string> added, CancellationToken ct)
    {
        var (version, list) = wardService.Current;
        var ward = list.Find(DefaultWard);
        IEnumerable<string> beds = list.Wards.Count == 0 ? Enumerable.Range(1, WardsState.MaxBeds).Select(i => $"{DefaultWard}-{i}") : ward?.Beds ?? [];
        var name = ward?.Name ?? DefaultWard;
        if (beds.FirstOrDefault(b => wardService.IsFree(wardService.BedIndex(name, b), patientId)) is { } free) return (name, free, null);
        if (list.Wards.Count == 0) return (name, "", "no free bed in the default ward " + DefaultWard);
        var bed = Enumerable.Range((ward?.Beds.Count ?? 0) + 1, WardsState.MaxBeds).Select(i => $"{DefaultWard}-{i}").First(b => ward?.Bed(b) is null);
        var items = list.Wards.Select(w => new WardInputItem { Name = w.Name, Beds = [.. w.Beds, .. (w == ward ? [bed] : Array.Empty<string>())] }).ToList();
        if (ward is null) items.Add(new WardInputItem { Name = DefaultWard, Beds = [bed] });
        var saved = await wardService.SaveAsync(admin, new WardInput { Version = version, Wards = [.. items] }, null, ct);
        if (!saved.IsOk)
        {
            return (name, "", $"the default ward {DefaultWard} could not be given a bed: " + (saved.Errors is { IsEmpty: false } errors ? Fields(errors) : (saved.Message ?? saved.Kind.ToString()).TrimEnd('.')));
        }
        added.Add(bed);
        return (name, bed, null);
    }

    // True when the stay begun by an already imported admission needs no discharge from this run: one at the encounter's
    // end is recorded, or the patient's open stay (if any) is not this admission's.
    private bool Discharged(string patientId, EntryView admission, EntryInput discharge)
    {
        var end = DateTimeOffset.Parse(discharge.OccurredAt!, CultureInfo.InvariantCulture);
        var all = entries.Entries(patientId);
        if (all.Any(e => e.Type == EntryType.Discharge && e.Details.OccurredAt == end)) return true;
        var stay = wardService.Stay(patientId);
        // Only the patient's open stay can take the missing discharge, and only when it is this admission's (no transfer since).
        return stay.Status != StayStatus.Admitted || stay.PlacementId != admission.Id;
    }

    private static void Resolve(FhirReferences refs, Source s, string type, string id)
    {
        foreach (var key in s.Keys) refs.Resolve(key, type, id);
    }

    private static void Fail(HashSet<string> failed, Source s)
    {
        foreach (var key in s.Keys) failed.Add(key);
    }

    private static void Refused<T>(FhirImportReport report, string type, Outcome<T> outcome)
    {
        report.Refused++;
        report.Unmapped(type, "refused: " + (outcome.Errors is { IsEmpty: false } errors ? Fields(errors) : (outcome.Message ?? outcome.Kind.ToString()).TrimEnd('.')));
    }

    // The first message of each field: the services' messages name fields and rules, never values.
    private static string Fields(FieldErrors errors) =>
        string.Join("; ", errors.ToDictionary().Select(e => e.Value.FirstOrDefault()?.TrimEnd('.') ?? e.Key));

    private static string PractitionerSource(Practitioner p) =>
        p.Identifier.FirstOrDefault(i => !string.IsNullOrWhiteSpace(i.Value))?.Value ?? p.Id ?? "unknown";

    private static string Name(List<HumanName> names) => names.FirstOrDefault() is { } n
        ? (n.Text is { Length: > 0 } t ? t : string.Join(' ', n.Prefix.Concat(n.Given).Append(n.Family).Where(x => !string.IsNullOrWhiteSpace(x)))).Trim()
        : "";

    // Conditional references of transaction Bundles (Synthea: Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|999…).
    private string? Conditional(string type, string query, List<Source> sources)
    {
        var value = query.StartsWith("identifier=", StringComparison.Ordinal) ? Uri.UnescapeDataString(query["identifier=".Length..]) : null;
        if (value is null) return null;
        var bare = value.Contains('|', StringComparison.Ordinal) ? value[(value.IndexOf('|', StringComparison.Ordinal) + 1)..] : value;
        var source = sources.FirstOrDefault(s => s.Resource.TypeName == type && s.Resource switch
        {
            Practitioner p => p.Identifier.Any(i => i.Value == bare),
            Patient p => p.Identifier.Any(i => i.Value == bare),
            _ => false,
        });
        if (source is not null) return source.Key;
        return type == "Practitioner" && doctors.Doctor(DoctorId(bare)) is not null ? DoctorId(bare) : null;
    }
}
