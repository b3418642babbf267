using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// <c>Condition</c> create = an item appended to the patient's Conditions list (code.text, else the first coding's display):
/// a new version of the demographics through <see cref="PatientService.UpdateAsync"/> (admins of the patient's
/// organisation), id <c>{patientId}-condition-{n}</c>. An item already listed (case ignored) is not added twice: the answer
/// is the listed one. Only active conditions are kept (clinicalStatus resolved, inactive or remission: 422). Update of
/// <c>{patientId}-condition-{n}</c> replaces item n (If-Match: the demographics' version).
/// </summary>
public sealed class ConditionWriter(PatientService patients, PatientDirectory directory, FhirPatientAccess access, IServiceProvider services) : IFhirPlannedWriter
{
    /// <inheritdoc />
    public string TypeName => "Condition";

    /// <summary>The condition text of <paramref name="condition"/>, or the error at its path (Unmappable: not an active condition).</summary>
    public static (string? Text, string? Path, string? Error, bool Unmappable) Text(Condition condition)
    {
        var status = condition.ClinicalStatus?.Coding.FirstOrDefault()?.Code;
        if (status is "resolved" or "inactive" or "remission") return (null, "Condition.clinicalStatus", "Only active conditions are kept in the patient's Conditions list.", true);
        var text = FhirWrite.Text(condition.Code);
        if (text.Length == 0) return (null, "Condition.code", "The condition (code.text or a coding's display) is required.", false);
        if (text.Length > 100) return (null, "Condition.code", "A condition must be at most 100 characters.", false);
        return (FhirWrite.Line(text, 100), null, null, false);
    }

    /// <inheritdoc />
    public Outcome<FhirPlannedWrite> Plan(UserSession actor, Resource resource, FhirReferences references)
    {
        var condition = (Condition)resource;
        var (patientId, patientError) = references.Target(condition.Subject, "Patient");
        if (patientError is not null) return FhirWrite.Invalid<FhirPlannedWrite>("Condition.subject", patientError);
        if (!references.IsPending(patientId!) && access.OrganisationOf(patientId!) is null) return FhirWrite.Invalid<FhirPlannedWrite>("Condition.subject", $"Patient '{patientId}' does not exist.");
        var (text, path, error, unmappable) = Text(condition);
        if (text is null) return unmappable ? FhirWrite.Unprocessable<FhirPlannedWrite>(path!, error!) : FhirWrite.Invalid<FhirPlannedWrite>(path!, error!);
        var depends = references.IsPending(patientId!) ? new[] { patientId! } : [];
        return Outcome<FhirPlannedWrite>.Ok(new FhirPlannedWrite(TypeName, depends, async (refs, ct) =>
        {
            var id = refs.Final(patientId!);
            var listed = false;
            var written = await PatientLists.EditAsync(patients, directory, actor, id, null, d =>
            {
                var list = d.Conditions.ToList();
                var at = list.FindIndex(c => c.Equals(text, StringComparison.OrdinalIgnoreCase));
                listed = at >= 0;
                if (at < 0) list.Add(text);
                return (d with { Conditions = list }, at < 0 ? list.Count : at + 1);
            }, ct);
            if (written.IsOk && listed && Stored(actor, id, written.Value) is { IsOk: true } existing) return Outcome<Resource>.Ok(FhirWriteChecks.MarkExisting(existing.Value!));
            return written.IsOk ? Stored(actor, id, written.Value) : FhirWrite.Remap<int, Resource>(written, PatientLists.Paths("Condition.code"), "Condition");
        }));
    }

    /// <inheritdoc />
    public Task<Outcome<Resource>> CreateAsync(UserSession actor, Resource resource, CancellationToken ct) => this.PlanAndSubmitAsync(actor, resource, ct);

    /// <inheritdoc />
    public async Task<Outcome<Resource>> UpdateAsync(UserSession actor, string id, Resource resource, string? ifMatch, CancellationToken ct)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId || PatientLists.Parse(ledgerId, "condition") is not { } target) return Outcome<Resource>.NotFound($"Condition '{id}' does not exist.");
        if (PatientLists.CheckUpdate("Condition", "subject", ((Condition)resource).Subject, target.PatientId, id, ifMatch) is { } refused) return refused;
        var (text, path, error, unmappable) = Text((Condition)resource);
        if (text is null) return unmappable ? FhirWrite.Unprocessable<Resource>(path!, error!) : FhirWrite.Invalid<Resource>(path!, error!);
        var written = await PatientLists.EditAsync(patients, directory, actor, target.PatientId, ifMatch, d =>
        {
            if (target.N > d.Conditions.Count) return (null, 0);
            var list = d.Conditions.ToList();
            list[target.N - 1] = text;
            return (d with { Conditions = list }, target.N);
        }, ct);
        return written.IsOk ? Stored(actor, target.PatientId, written.Value) : FhirWrite.Remap<int, Resource>(written, PatientLists.Paths("Condition.code"), "Condition");
    }

    private Outcome<Resource> Stored(UserSession actor, string patientId, int n)
    {
        var id = FhirIds.Of($"{patientId}-condition-{n}");
        return FhirStored.Read(services, actor, TypeName, id, () => directory.Patient(patientId) is { } p && n <= p.Details.Conditions.Count
            ? new Condition
            {
                Id = id,
                Meta = FhirMeta.From(p.Proof, p.Version),
                ClinicalStatus = FhirWrite.Concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
                Category = [FhirWrite.Concept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")],
                Code = new CodeableConcept { Text = p.Details.Conditions[n - 1] },
                Subject = FhirMeta.Reference("Patient", patientId),
            }
            : null);
    }
}

/// <summary>Edits of the lists kept in a patient's demographics (conditions, allergies, medication history): a new version through <see cref="PatientService.UpdateAsync"/>.</summary>
public static class PatientLists
{
    /// <summary>
    /// Null when an update of list item <paramref name="id"/> of patient <paramref name="patientId"/> may go on; else a 400:
    /// at <c>{type}.{element}</c> when the body names another patient (an item cannot move), or at
    /// <c>{type}.meta.versionId</c> when it does not name the demographics version it replaces (<c>If-Match</c>), as for a
    /// Patient update — an item's id is its place in the list, so without the version a client holding an old id could
    /// overwrite whichever item has taken that place since (e.g. after an earlier item was removed). FHIR R4 (http.html,
    /// "Managing Resource Contention") lets a server require version-aware updates.
    /// </summary>
    public static Outcome<Resource>? CheckUpdate(string type, string element, ResourceReference? patient, string patientId, string id, string? ifMatch)
    {
        if (FhirReferences.None.Target(patient, "Patient").Id is { } named && named != patientId)
        {
            return FhirWrite.Invalid<Resource>($"{type}.{element}", $"{type} '{id}' belongs to another patient: the {element} cannot change.");
        }
        return ifMatch is { Length: > 0 } ? null
            : FhirWrite.Invalid<Resource>($"{type}.meta.versionId", $"An update of a {type} must name the version it replaces (If-Match: W/\"<meta.versionId>\"): its id is its place in the patient's list, which another item may have taken since.");
    }

    /// <summary>The service's fields as FHIR paths, the list's own field at <paramref name="listPath"/>.</summary>
    public static IReadOnlyDictionary<string, string> Paths(string listPath) => new Dictionary<string, string>
    {
        ["conditions"] = listPath,
        ["allergies"] = listPath,
        ["medications"] = listPath,
        ["version"] = listPath.Split('.')[0] + ".meta.versionId",
    };

    /// <summary><c>{patientId}-{kind}-{n}</c> as its parts, or null.</summary>
    public static (string PatientId, int N)? Parse(string id, string kind)
    {
        var marker = $"-{kind}-";
        var at = id.LastIndexOf(marker, StringComparison.Ordinal);
        return at > 0 && int.TryParse(id[(at + marker.Length)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1
            ? (id[..at], n) : null;
    }

    /// <summary>
    /// Applies <paramref name="edit"/> to the patient's current demographics and writes the result as the next version
    /// (unchanged details write nothing). The edit answers the item number, or null details when the item does not exist (404).
    /// </summary>
    public static async Task<Outcome<int>> EditAsync(PatientService patients, PatientDirectory directory, UserSession actor, string patientId, string? ifMatch,
        Func<PatientDetails, (PatientDetails? Details, int N)> edit, CancellationToken ct)
    {
        var current = directory.Patient(patientId);
        if (current is null || current.OrganisationId != actor.OrganisationId)
        {
            var refused = await patients.UpdateAsync(actor, patientId, new PatientInput(), FhirWrite.IfMatch(ifMatch), ct);
            return refused.IsOk ? Outcome<int>.Failed("Unexpected.") : refused.As<int>();
        }
        var (details, n) = edit(current.Details);
        if (details is null) return Outcome<int>.NotFound("No such item in the patient's record.");
        if (details.Conditions.SequenceEqual(current.Details.Conditions) && details.Allergies == current.Details.Allergies
            && details.Medications.SequenceEqual(current.Details.Medications))
        {
            // Nothing new (the item is listed already): the role rule still applies.
            if (actor.Role != Core.Model.Role.Admin) return Outcome<int>.Forbidden("Only an admin of the patient's organisation edits the record's lists.");
            return Outcome<int>.Ok(n);
        }
        var input = new PatientInput
        {
            Mrn = details.Mrn,
            FullName = details.FullName,
            DateOfBirth = details.DateOfBirth,
            Gender = details.Gender,
            Phone = details.Phone,
            Email = details.Email,
            Address = details.Address,
            Conditions = details.Conditions.ToList(),
            EmergencyContact = details.EmergencyContact,
            BloodGroup = details.BloodGroup,
            Allergies = details.Allergies,
            Medications = details.Medications.ToList(),
        };
        var written = await patients.UpdateAsync(actor, patientId, input, FhirWrite.IfMatch(ifMatch) ?? $"\"{current.Version}\"", ct);
        return written.IsOk ? Outcome<int>.Ok(n) : written.As<int>();
    }

    /// <summary>The ';'-separated items of an allergies text, trimmed, empty ones left out.</summary>
    public static IReadOnlyList<string> AllergyItems(string allergies) =>
        allergies.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
