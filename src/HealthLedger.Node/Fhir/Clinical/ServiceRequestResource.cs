using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir.Clinical;

/// <summary><c>ServiceRequest</c>: lab orders (id = order id; consent category laboratory), see <see cref="LabMapping"/>.</summary>
public sealed class ServiceRequestResource(ClinicalScope scope, LabMapping lab) : IFhirResourceType
{
    /// <inheritdoc />
    public string TypeName => "ServiceRequest";

    /// <inheritdoc />
    public string Documentation => "Lab orders: the ordered tests or panels, priority, the ordering doctor and the laboratory; active until validated, then completed.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        ClinicalScope.PatientParameter,
        ClinicalScope.SubjectParameter,
        new("status", SearchParamType.Token, "active or completed."),
        new("code", SearchParamType.Token, "An ordered test or panel (LOINC or the laboratory's code)."),
        new("authored", SearchParamType.Date, "When ordered."),
    ];

    /// <inheritdoc />
    public IReadOnlyList<FhirInclude> Includes { get; } =
    [
        new("ServiceRequest:patient", r => [((ServiceRequest)r).Subject]),
    ];

    /// <inheritdoc />
    public Outcome<Resource> Read(UserSession actor, string id) =>
        scope.Read(actor, TypeName, id, lab.Order, o => o.PatientId, ConsentCategories.Laboratory, lab.ServiceRequest);

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search) =>
        scope.Search(actor, search, TypeName, ConsentCategories.Laboratory, within => lab.OrdersOf(within.Ids(ConsentCategories.Laboratory))
            .Where(o => ClinicalCodes.MatchesId(search, o.Id))
            .Where(o => search.MatchesToken("status", ("http://hl7.org/fhir/request-status", LabMapping.ServiceRequestStatus(o).GetLiteral())))
            .Where(o => search.MatchesToken("code", lab.OrderedCodes(o)))
            .Where(o => ClinicalCodes.MatchesDate(search, "authored", o.OrderedAt))
            .ToList(), o => o.PatientId, lab.ServiceRequest, "authored");
}
