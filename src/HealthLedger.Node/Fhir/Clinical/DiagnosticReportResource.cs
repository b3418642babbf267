using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// <c>DiagnosticReport</c>: a lab order's report (id = order id; consent category laboratory; <c>result</c> refers to the
/// order's Observations) and each medical report (id = report id, its latest version; category reports).
/// </summary>
public sealed class DiagnosticReportResource(ClinicalScope scope, LabMapping lab, ReportMapping reports) : IFhirResourceType
{
    private const string Name = "FHIR DiagnosticReport";

    /// <inheritdoc />
    public string TypeName => "DiagnosticReport";

    /// <inheritdoc />
    public string Documentation => "Lab orders' reports (results as Observations) and medical reports (lab, imaging, discharge summaries, prescriptions, documents; latest version).";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        ClinicalScope.PatientParameter,
        ClinicalScope.SubjectParameter,
        new("category", SearchParamType.Token, "LAB (laboratory: lab orders and lab reports), RAD (imaging), or a report type (discharge-summary, prescription, document)."),
        new("code", SearchParamType.Token, "The ordered test or panel (LOINC or the laboratory's code), or the report's LOINC document code or type."),
        new("date", SearchParamType.Date, "The clinically relevant time: specimen collection (lab orders) or when the report was first written."),
        new("status", SearchParamType.Token, "registered, preliminary, final or amended."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("DiagnosticReport:patient", r => [((DiagnosticReport)r).Subject]),
        new("DiagnosticReport:result", r => ((DiagnosticReport)r).Result),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        if (FhirIds.Ledger(id) is not { } ledgerId) return Outcome<Resource>.NotFound($"DiagnosticReport '{Missing.Shown(id)}' is not known.");
        id = ledgerId;
        scope.OpenGranted(actor);
        if (lab.Order(id) is { } order)
        {
            var patient = scope.Open(actor, order.PatientId, ConsentCategories.Laboratory, Name);
            return patient.IsOk ? Outcome<Resource>.Ok(lab.DiagnosticReport(order)) : patient.As<Resource>();
        }
        if (reports.Versions(id) is { Count: > 0 } versions)
        {
            var patient = scope.Open(actor, versions[^1].PatientId, ConsentCategories.Reports, Name);
            return patient.IsOk ? Outcome<Resource>.Ok(reports.DiagnosticReport(versions[^1])) : patient.As<Resource>();
        }
        return Outcome<Resource>.NotFound($"DiagnosticReport '{Missing.Shown(id)}' is not known.");
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        return scope.Search(actor, search, TypeName, ConsentCategories.Laboratory | ConsentCategories.Reports, Matches, m => m.PatientId, m => m.Map(), "date");

        List<(string PatientId, DateTimeOffset At, string Id, Func<Resource> Map)> Matches(SearchScope within)
        {
            var matches = new List<(string PatientId, DateTimeOffset At, string Id, Func<Resource> Map)>();
            foreach (var order in lab.OrdersOf(within.Ids(ConsentCategories.Laboratory)))
            {
                var at = LabMapping.Effective(order);
                if (!ClinicalCodes.MatchesId(search, order.Id) || !search.MatchesToken("category", (ClinicalCodes.DiagnosticService, "LAB"))
                    || !search.MatchesToken("code", lab.OrderedCodes(order)) || !ClinicalCodes.MatchesDate(search, "date", at)) continue;
                var report = lab.DiagnosticReport(order);
                if (!search.MatchesToken("status", ("http://hl7.org/fhir/diagnostic-report-status", report.Status?.GetLiteral()))) continue;
                matches.Add((order.PatientId, at, order.Id, () => report));
            }
            foreach (var patient in within.Reaching(ConsentCategories.Reports))
            {
                foreach (var r in reports.Latest(patient.Id))
                {
                    var at = reports.FirstWritten(r);
                    var (system, code, _) = ReportMapping.Category(r.Type);
                    if (!ClinicalCodes.MatchesId(search, r.Id) || !search.MatchesToken("category", (system, code))
                        || !search.MatchesToken("code", ReportMapping.TypeCodes(r)) || !ClinicalCodes.MatchesDate(search, "date", at)
                        || !search.MatchesToken("status", ("http://hl7.org/fhir/diagnostic-report-status", r.Version > 1 ? "amended" : "final"))) continue;
                    matches.Add((r.PatientId, at, r.Id, () => reports.DiagnosticReport(r)));
                }
            }
            return matches.OrderByDescending(m => m.At).ThenBy(m => m.Id, StringComparer.Ordinal).ToList();
        }
    }
}
