using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.VitalSigns;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// <c>Observation</c>: vital signs (<see cref="VitalSignsMapping"/>; consent category encounters, as the vital-signs
/// service reads them) and lab results (<see cref="LabMapping"/>; category laboratory). Reads and searches open the
/// patient for the record's category (403 when not shared; recorded in the patient's access history).
/// </summary>
public sealed class ObservationResource(ClinicalScope scope, VitalSignsStore vitals, LabMapping lab, LedgerNode node, FhirPeople people) : IFhirResourceType
{
    private const string Name = "FHIR Observation";

    /// <inheritdoc />
    public string TypeName => "Observation";

    /// <inheritdoc />
    public string Documentation => "Vital signs (one per measurement, FHIR vital-signs profiles, LOINC/UCUM) and lab results (one per result value, category laboratory, reference range and H/L flags).";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        ClinicalScope.PatientParameter,
        ClinicalScope.SubjectParameter,
        new("code", SearchParamType.Token, "LOINC code (http://loinc.org|8867-4) or the laboratory's test code (e.g. HGB)."),
        new("category", SearchParamType.Token, "vital-signs or laboratory."),
        new("date", SearchParamType.Date, "When measured (vital signs) or the specimen collected (lab results)."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("Observation:patient", r => [((Observation)r).Subject]),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        scope.OpenGranted(actor);
        if (VitalSignsMapping.Parse(id) is var (vitalSignsId, kind)
            && node.GetState(VitalSignsState.Key(vitalSignsId)) is { } bytes && VitalSignsState.TryDecode(bytes) is { } state)
        {
            var patient = scope.Open(actor, state.PatientId, ConsentCategories.Encounters, Name);
            if (!patient.IsOk) return patient.As<Resource>();
            if (vitals.Find(state.PatientId, vitalSignsId) is { } view && kind.Value(view.Details) is not null) return Outcome<Resource>.Ok(VitalSignsMapping.ToFhir(view, kind, people.Of(view.AuthorId)));
            return NotFound(id);
        }
        if (lab.FindResult(id) is var (order, line))
        {
            var patient = scope.Open(actor, order.PatientId, ConsentCategories.Laboratory, Name);
            return patient.IsOk ? Outcome<Resource>.Ok(lab.Observation(order, line)) : patient.As<Resource>();
        }
        return NotFound(id);
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        var wantVitals = search.MatchesToken("category", (ClinicalCodes.ObservationCategory, "vital-signs"));
        var wantLab = search.MatchesToken("category", (ClinicalCodes.ObservationCategory, "laboratory"));
        var categories = (wantVitals ? ConsentCategories.Encounters : 0) | (wantLab ? ConsentCategories.Laboratory : 0);
        if (categories == 0) return ClinicalCodes.CheckDates(search, "date") ?? Outcome<FhirMatches>.Ok(new FhirMatches([], 0));
        return scope.Search(actor, search, TypeName, categories, Matches, m => m.PatientId, m => m.Map(), "date");

        List<(string PatientId, DateTimeOffset At, string Id, Func<Resource> Map)> Matches(SearchScope within)
        {
            var matches = new List<(string PatientId, DateTimeOffset At, string Id, Func<Resource> Map)>();
            if (wantVitals)
            {
                foreach (var patient in within.Reaching(ConsentCategories.Encounters))
                {
                    foreach (var v in vitals.ForPatient(patient.Id))
                    {
                        foreach (var kind in VitalSignsMapping.Present(v))
                        {
                            var id = VitalSignsMapping.Id(v.Id, kind.Loinc);
                            if (!ClinicalCodes.MatchesFhirId(search, id) || !search.MatchesToken("code", VitalSignsMapping.Codes(kind))
                                || !ClinicalCodes.MatchesDate(search, "date", v.Details.TakenAt)) continue;
                            matches.Add((v.PatientId, v.Details.TakenAt, id, () => VitalSignsMapping.ToFhir(v, kind, people.Of(v.AuthorId))));
                        }
                    }
                }
            }
            if (wantLab)
            {
                foreach (var order in lab.OrdersOf(within.Ids(ConsentCategories.Laboratory)))
                {
                    var at = LabMapping.Effective(order);
                    foreach (var line in lab.Lines(order))
                    {
                        var id = LabMapping.ObservationId(order.Id, line.Code);
                        if (!ClinicalCodes.MatchesFhirId(search, id) || !search.MatchesToken("code", LabMapping.Codes(line)) || !ClinicalCodes.MatchesDate(search, "date", at)) continue;
                        matches.Add((order.PatientId, at, id, () => lab.Observation(order, line)));
                    }
                }
            }
            return matches.OrderByDescending(m => m.At).ThenBy(m => m.Id, StringComparer.Ordinal).ToList();
        }
    }

    private static Outcome<Resource> NotFound(string id) => Outcome<Resource>.NotFound($"Observation '{Missing.Shown(id)}' is not known.");
}
