using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary>
/// <c>DocumentReference</c>: each version of a medical report that carries a file (id <c>{reportId}-{version}</c>; consent
/// category reports), see <see cref="ReportMapping"/>. The file itself is downloaded from the attachment's URL with the same
/// bearer token (a read recorded like any other).
/// </summary>
public sealed class DocumentReferenceResource(ClinicalScope scope, ReportMapping reports) : IFhirResourceType
{
    /// <inheritdoc />
    public string TypeName => "DocumentReference";

    /// <inheritdoc />
    public string Documentation => "Medical reports' attached files, one per report version with a file: type, author, date, the download URL and the SHA-256 the ledger records.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        ClinicalScope.PatientParameter,
        ClinicalScope.SubjectParameter,
        new("date", SearchParamType.Date, "When the version was written (its block time)."),
        new("type", SearchParamType.Token, "The report's LOINC document code (e.g. 11502-2) or type (lab, imaging, discharge-summary, prescription, document)."),
        new("status", SearchParamType.Token, "current (the latest version) or superseded."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("DocumentReference:patient", r => [((DocumentReference)r).Subject]),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id) =>
        scope.Read(actor, TypeName, id, reports.FindDocument, v => v.PatientId, ConsentCategories.Reports, reports.DocumentReference);

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search) =>
        scope.Search(actor, search, TypeName, ConsentCategories.Reports, within => within.Reaching(ConsentCategories.Reports)
            .SelectMany(p => reports.Latest(p.Id))
            .SelectMany(latest => reports.Versions(latest.Id).Where(ReportMapping.HasFile).Select(v => (Version: v, Latest: latest.Version)))
            .Where(m => ClinicalCodes.MatchesId(search, ReportMapping.DocumentId(m.Version)))
            .Where(m => ClinicalCodes.MatchesDate(search, "date", FhirMeta.BlockTime(m.Version.Proof)))
            .Where(m => search.MatchesToken("type", ReportMapping.TypeCodes(m.Version)))
            .Where(m => search.MatchesToken("status", ("http://hl7.org/fhir/document-reference-status", m.Version.Version == m.Latest ? "current" : "superseded")))
            .OrderByDescending(m => m.Version.Proof.Height).ThenBy(m => m.Version.Id, StringComparer.Ordinal)
            .Select(m => m.Version)
            .ToList(), v => v.PatientId, reports.DocumentReference, "date");
}
