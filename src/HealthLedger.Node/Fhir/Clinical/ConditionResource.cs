using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// <c>Condition</c>: each item of a patient's Conditions list (demographics; category problem-list-item, clinical status
/// active, id <c>{patientId}-condition-{n}</c>) and each visit's diagnosis (encounters; category encounter-diagnosis, the
/// visit as the encounter, id <c>{visitEntryId}-diagnosis</c>; a corrected visit's diagnosis is its correction's). Codes are
/// the recorded text.
/// </summary>
public sealed class ConditionResource(ClinicalScope scope, EntryStore entries) : IFhirResourceType
{
    private const string Name = "FHIR Condition";
    private static readonly DemographicsList Problems = new("condition", d => d.Conditions);
    private const string DiagnosisSuffix = "-diagnosis";

    /// <inheritdoc />
    public string TypeName => "Condition";

    /// <inheritdoc />
    public string Documentation => "Patients' recorded conditions (problem list) and visits' diagnoses (encounter-diagnosis), as text.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        ClinicalScope.PatientParameter,
        ClinicalScope.SubjectParameter,
        new("category", SearchParamType.Token, "problem-list-item or encounter-diagnosis."),
        new("code", SearchParamType.Token, "The condition's text (exact, case ignored); code:text matches the start of any word.", "text"),
        new("clinical-status", SearchParamType.Token, "active (problem-list items; visit diagnoses carry no clinical status)."),
        new("encounter", SearchParamType.Reference, "The visit (Encounter/<id>)."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("Condition:patient", r => [((Condition)r).Subject]),
        new("Condition:encounter", r => [((Condition)r).Encounter]),
    ];

    /// <summary>The id of a patient's n-th listed condition.</summary>
    public static string ProblemId(string patientId, int n) => Problems.Id(patientId, n);

    /// <summary>The id of a visit's diagnosis.</summary>
    public static string DiagnosisId(string visitEntryId) => visitEntryId + DiagnosisSuffix;

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId) return NotFound(id);
        id = ledgerId;
        scope.OpenGranted(actor);
        if (id.EndsWith(DiagnosisSuffix, StringComparison.Ordinal) && entries.Entry(id[..^DiagnosisSuffix.Length]) is { } visit)
        {
            if (!IsDiagnosis(visit)) return NotFound(id);
            var opened = scope.Open(actor, visit.PatientId, ConsentCategories.Encounters, Name);
            return opened.IsOk ? Outcome<Resource>.Ok(Diagnosis(visit)) : opened.As<Resource>();
        }
        var item = Problems.Read(scope, actor, id, Name);
        return item.IsOk ? Outcome<Resource>.Ok(Problem(item.Value!)) : item.Kind == OutcomeKind.NotFound ? NotFound(id) : item.As<Resource>();
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var (encounters, error) = search.ReferenceIds("encounter", "Encounter");
        if (error is not null) return ClinicalCodes.Invalid<FhirMatches>("encounter", error);
        var wantProblems = search.MatchesToken("category", (ClinicalCodes.ConditionCategory, "problem-list-item")) && encounters.Count == 0
            && search.MatchesToken("clinical-status", (ClinicalCodes.ConditionClinical, "active"));
        var wantDiagnoses = search.MatchesToken("category", (ClinicalCodes.ConditionCategory, "encounter-diagnosis")) && !search.Has("clinical-status");
        var categories = (wantProblems ? ConsentCategories.Demographics : 0) | (wantDiagnoses ? ConsentCategories.Encounters : 0);
        if (categories == 0) return Outcome<FhirMatches>.Ok(new FhirMatches([], 0));
        return scope.Search(actor, search, TypeName, categories, Matches, m => m.PatientId, m => m.Map());

        List<(string PatientId, string Id, Func<Resource> Map)> Matches(SearchScope within)
        {
            var textModifier = search.Modifiers.TryGetValue("code", out var modifier) && modifier == "text";
            bool Code(string text) => textModifier ? search.MatchesString("code", text) : search.MatchesToken("code", (null, text));
            var matches = new List<(string PatientId, string Id, Func<Resource> Map)>();
            foreach (var patient in within.Patients.OrderBy(p => p.Id, StringComparer.Ordinal))
            {
                if (wantProblems && (patient.Shared & ConsentCategories.Demographics) != 0)
                {
                    foreach (var item in Problems.Of(patient).Where(i => ClinicalCodes.MatchesId(search, i.Id) && Code(i.Text)))
                    {
                        matches.Add((patient.Id, item.Id, () => Problem(item)));
                    }
                }
                if (wantDiagnoses && (patient.Shared & ConsentCategories.Encounters) != 0)
                {
                    foreach (var visit in entries.Entries(patient.Id).Where(IsDiagnosis))
                    {
                        if (!ClinicalCodes.MatchesId(search, DiagnosisId(visit.Id)) || !Code(visit.Details.Diagnosis)
                            || (encounters.Count > 0 && !encounters.Contains(visit.Id, StringComparer.Ordinal))) continue;
                        matches.Add((patient.Id, DiagnosisId(visit.Id), () => Diagnosis(visit)));
                    }
                }
            }
            return matches;
        }
    }

    private static bool IsDiagnosis(EntryView e) => e.Type == EntryType.Visit && e.IsEffective && e.Details.Diagnosis.Length > 0;

    private static Condition Problem(DemographicsItem item) => new()
    {
        Id = FhirIds.Of(item.Id),
        Meta = FhirMeta.From(item.Patient.Proof, item.Patient.Version),
        ClinicalStatus = new CodeableConcept(ClinicalCodes.ConditionClinical, "active", "Active", "Active"),
        Category = [new CodeableConcept(ClinicalCodes.ConditionCategory, "problem-list-item", "Problem List Item", "Problem List Item")],
        Code = new CodeableConcept { Text = item.Text },
        Subject = FhirMeta.Reference("Patient", item.Patient.Id),
    };

    private static Condition Diagnosis(EntryView visit) => new()
    {
        Id = FhirIds.Of(DiagnosisId(visit.Id)),
        Meta = FhirMeta.From(visit.Proof, 1),
        Category = [new CodeableConcept(ClinicalCodes.ConditionCategory, "encounter-diagnosis", "Encounter Diagnosis", "Encounter Diagnosis")],
        Code = new CodeableConcept { Text = visit.Details.Diagnosis },
        Subject = FhirMeta.Reference("Patient", visit.PatientId),
        Encounter = FhirMeta.Reference("Encounter", visit.Id),
        RecordedDate = FhirMeta.DateTime(visit.Details.OccurredAt).Value,
        Asserter = visit.DoctorId.Length > 0 ? FhirMeta.Reference("Practitioner", visit.DoctorId) : null,
    };

    private static Outcome<Resource> NotFound(string id) => Outcome<Resource>.NotFound($"Condition '{Missing.Shown(id)}' is not known.");
}
