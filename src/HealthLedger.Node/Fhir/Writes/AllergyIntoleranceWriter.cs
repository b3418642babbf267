using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Writes;

/// <summary>
/// <c>AllergyIntolerance</c> create = an item appended to the patient's allergies text (';'-separated; code.text, else the
/// first coding's display): a new version of the demographics (admins), id <c>{patientId}-allergy-{n}</c>. An item already
/// listed (case ignored) is not added twice. Only active allergies are kept (clinicalStatus inactive or resolved: 422).
/// Update of <c>{patientId}-allergy-{n}</c> replaces item n.
/// </summary>
public sealed class AllergyIntoleranceWriter(PatientService patients, PatientDirectory directory, FhirPatientAccess access, IServiceProvider services) : IFhirPlannedWriter
{
    /// <inheritdoc />
    public string TypeName => "AllergyIntolerance";

    /// <summary>The allergy text, or the error at its path (Unmappable: not active).</summary>
    public static (string? Text, string? Path, string? Error, bool Unmappable) Text(AllergyIntolerance allergy)
    {
        var status = allergy.ClinicalStatus?.Coding.FirstOrDefault()?.Code;
        if (status is "inactive" or "resolved") return (null, "AllergyIntolerance.clinicalStatus", "Only active allergies are kept in the patient's allergies.", true);
        var text = FhirWrite.Line(FhirWrite.Text(allergy.Code).Replace(';', ','), 200);
        return text.Length == 0 ? (null, "AllergyIntolerance.code", "The allergy (code.text or a coding's display) is required.", false) : (text, null, null, false);
    }

    /// <summary>Appends <paramref name="text"/> unless listed; the item's number.</summary>
    public static (PatientDetails Details, int N) Append(PatientDetails d, string text)
    {
        var items = PatientLists.AllergyItems(d.Allergies).ToList();
        var at = items.FindIndex(i => i.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (at >= 0) return (d, at + 1);
        items.Add(text);
        return (d with { Allergies = string.Join("; ", items) }, items.Count);
    }

    /// <inheritdoc />
    public Outcome<FhirPlannedWrite> Plan(UserSession actor, Resource resource, FhirReferences references)
    {
        var allergy = (AllergyIntolerance)resource;
        var (patientId, patientError) = references.Target(allergy.Patient, "Patient");
        if (patientError is not null) return FhirWrite.Invalid<FhirPlannedWrite>("AllergyIntolerance.patient", patientError);
        if (!references.IsPending(patientId!) && access.OrganisationOf(patientId!) is null) return FhirWrite.Invalid<FhirPlannedWrite>("AllergyIntolerance.patient", $"Patient '{patientId}' does not exist.");
        var (text, path, error, unmappable) = Text(allergy);
        if (text is null) return unmappable ? FhirWrite.Unprocessable<FhirPlannedWrite>(path!, error!) : FhirWrite.Invalid<FhirPlannedWrite>(path!, error!);
        var depends = references.IsPending(patientId!) ? new[] { patientId! } : [];
        return Outcome<FhirPlannedWrite>.Ok(new FhirPlannedWrite(TypeName, depends, async (refs, ct) =>
        {
            var id = refs.Final(patientId!);
            var listed = false;
            var written = await PatientLists.EditAsync(patients, directory, actor, id, null, d =>
            {
                listed = PatientLists.AllergyItems(d.Allergies).Any(i => i.Equals(text, StringComparison.OrdinalIgnoreCase));
                return Append(d, text);
            }, ct);
            if (written.IsOk && listed && Stored(actor, id, written.Value) is { IsOk: true } existing) return Outcome<Resource>.Ok(FhirWriteChecks.MarkExisting(existing.Value!));
            return written.IsOk ? Stored(actor, id, written.Value) : FhirWrite.Remap<int, Resource>(written, PatientLists.Paths("AllergyIntolerance.code"), "AllergyIntolerance");
        }));
    }

    /// <inheritdoc />
    public Task<Outcome<Resource>> CreateAsync(UserSession actor, Resource resource, CancellationToken ct) => this.PlanAndSubmitAsync(actor, resource, ct);

    /// <inheritdoc />
    public async Task<Outcome<Resource>> UpdateAsync(UserSession actor, string id, Resource resource, string? ifMatch, CancellationToken ct)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId || PatientLists.Parse(ledgerId, "allergy") is not { } target) return Outcome<Resource>.NotFound($"AllergyIntolerance '{id}' does not exist.");
        if (PatientLists.CheckUpdate("AllergyIntolerance", "patient", ((AllergyIntolerance)resource).Patient, target.PatientId, id, ifMatch) is { } refused) return refused;
        var (text, path, error, unmappable) = Text((AllergyIntolerance)resource);
        if (text is null) return unmappable ? FhirWrite.Unprocessable<Resource>(path!, error!) : FhirWrite.Invalid<Resource>(path!, error!);
        var written = await PatientLists.EditAsync(patients, directory, actor, target.PatientId, ifMatch, d =>
        {
            var items = PatientLists.AllergyItems(d.Allergies).ToList();
            if (target.N > items.Count) return (null, 0);
            items[target.N - 1] = text;
            return (d with { Allergies = string.Join("; ", items) }, target.N);
        }, ct);
        return written.IsOk ? Stored(actor, target.PatientId, written.Value) : FhirWrite.Remap<int, Resource>(written, PatientLists.Paths("AllergyIntolerance.code"), "AllergyIntolerance");
    }

    private Outcome<Resource> Stored(UserSession actor, string patientId, int n)
    {
        var id = FhirIds.Of($"{patientId}-allergy-{n}");
        return FhirStored.Read(services, actor, TypeName, id, () => directory.Patient(patientId) is { } p && PatientLists.AllergyItems(p.Details.Allergies) is var items && n <= items.Count
            ? new AllergyIntolerance
            {
                Id = id,
                Meta = FhirMeta.From(p.Proof, p.Version),
                ClinicalStatus = FhirWrite.Concept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
                Code = new CodeableConcept { Text = items[n - 1] },
                Patient = FhirMeta.Reference("Patient", patientId),
            }
            : null);
    }
}
