using System.Globalization;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Fhir.Writes;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.VitalSigns;
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
/// <item>Encounter → a visit (AMB, EMER) or an admission (IMP, needs location "Ward/Bed") with its practitioner's doctor,
/// else the fallback doctor.</item>
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
    EncounterService encounters, EntryStore entries, VitalSignsService vitals, VitalSignsStore vitalStore, EncounterWriter encounterWriter, HospitalTime time)
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
        var (resource, error) = FhirFormats.Deserialize(text, text.TrimStart().StartsWith('<') ? FhirFormat.Xml : FhirFormat.Json);
        if (resource is null) return (null, $"{name}: {error}");
        return resource is Bundle bundle ? (bundle, null) : (null, $"{name}: a {resource.TypeName}, not a Bundle.");
    }

    /// <summary>The doctor id of a practitioner's identifier value (or source id).</summary>
    public static string DoctorId(string source)
    {
        var kept = new string(source.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        var id = "dr-" + kept;
        return id.Length <= 64 ? id : id[..64];
    }

    private sealed record Source(Resource Resource, string Key, IReadOnlyList<string> Keys);

    /// <summary>Imports <paramref name="bundles"/> as <paramref name="admin"/>; <paramref name="progress"/> gets (done, total) after each resource.</summary>
    public async Task<Outcome<FhirImportReport>> ImportAsync(UserSession admin, IReadOnlyList<Bundle> bundles, FhirImportOptions options,
        Action<int, int>? progress, CancellationToken ct)
    {
        if (admin.Role != Role.Admin) return Outcome<FhirImportReport>.Forbidden("Only an admin imports records.");
        var fallback = options.FallbackDoctorId?.Trim().ToLowerInvariant();
        if (fallback is { Length: > 0 } && doctors.Doctor(fallback)?.OrganisationId != admin.OrganisationId)
        {
            return Outcome<FhirImportReport>.Invalid(FieldErrors.One("doctor", $"Doctor '{fallback}' is not a doctor of this organisation."));
        }
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
        var byMrn = patientDirectory.Patients(admin.OrganisationId).GroupBy(p => p.Details.Mrn, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
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
            else if (byMrn.TryGetValue(details.Mrn, out var existingId))
            {
                report.Existing("Patient");
                Resolve(refs, s, "Patient", existingId);
            }
            else if (patients.MrnTaken(details.Mrn))
            {
                report.Unmapped("Patient", "its MRN is registered to a patient this node cannot open");
                Fail(failedPatients, s);
            }
            else if (options.DryRun)
            {
                report.Created("Patient");
                byMrn[details.Mrn] = s.Key;
            }
            else if (await patients.RegisterAsync(admin, input, ct) is var registered && registered.IsOk)
            {
                report.Created("Patient");
                newPatients++;
                byMrn[details.Mrn] = registered.Value!.Id;
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

        // 3. Encounters → visits and admissions.
        var usedFallback = 0;
        foreach (var s in sources.Where(s => s.Resource is Encounter))
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
            var mapped = encounter;
            if (!practitionerKnown)
            {
                mapped = (Encounter)encounter.DeepCopy();
                mapped.Participant.Clear();
            }
            var (_, input, errors) = encounterWriter.Map(admin, mapped, refs, fallback);
            if (input is null)
            {
                report.Unmapped("Encounter", errors!.ToDictionary().Keys.Contains("Encounter.participant") && fallback is null
                    ? "no doctor: its practitioner is not in the files nor a doctor here (give a fallback doctor)"
                    : Fields(errors!));
                Step();
                continue;
            }
            if (!practitionerKnown) usedFallback++;
            var at = DateTimeOffset.Parse(input.OccurredAt!, CultureInfo.InvariantCulture);
            var type = input.Type == "admission" ? EntryType.Admission : EntryType.Visit;
            var doctorId = refs.Final(input.DoctorId!);
            if (!refs.IsPending(patientId) && entries.Entries(patientId).Any(e => e.Type == type && e.Details.OccurredAt == at && e.DoctorId == doctorId))
            {
                report.Existing("Encounter");
            }
            else if (options.DryRun)
            {
                report.Created("Encounter");
            }
            else
            {
                input.DoctorId = doctorId;
                var added = await encounters.AddEncounterAsync(admin, patientId, input, ct);
                if (added.IsOk) report.Created("Encounter");
                else Refused(report, "Encounter", added);
            }
            Step();
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
