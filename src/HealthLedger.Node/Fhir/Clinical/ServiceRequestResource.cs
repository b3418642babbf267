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
    private const string Name = "FHIR ServiceRequest";

    /// <inheritdoc />
    public string TypeName => "ServiceRequest";

    /// <inheritdoc />
    public string Documentation => "Lab orders: the ordered tests or panels, priority, the ordering doctor and the laboratory; active until validated, then completed.";

    /// <inheritdoc />
    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("patient", SearchParamType.Reference, "The patient (Patient/<id> or the id)."),
        new("subject", SearchParamType.Reference, "The patient (Patient/<id>)."),
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
    public Outcome<Resource> Read(UserSession actor, string id)
    {
        scope.OpenGranted(actor);
        if (lab.Order(id) is not { } order) return Outcome<Resource>.NotFound($"ServiceRequest '{Missing.Shown(id)}' is not known.");
        var patient = scope.Open(actor, order.PatientId, ConsentCategories.Laboratory, Name);
        return patient.IsOk ? Outcome<Resource>.Ok(lab.ServiceRequest(order)) : patient.As<Resource>();
    }

    /// <inheritdoc />
    public Outcome<FhirMatches> Search(UserSession actor, FhirSearch search)
    {
        if (ClinicalCodes.CheckDates(search, "authored") is { } bad) return bad;
        var opened = scope.Patients(actor, search, ConsentCategories.Laboratory, Name);
        if (!opened.IsOk) return opened.As<FhirMatches>();
        var within = opened.Value!;
        var matches = lab.OrdersOf(within.Ids(ConsentCategories.Laboratory))
            .Where(o => ClinicalCodes.MatchesId(search, o.Id))
            .Where(o => search.MatchesToken("status", ("http://hl7.org/fhir/request-status", LabMapping.ServiceRequestStatus(o).GetLiteral())))
            .Where(o => search.MatchesToken("code", lab.OrderedCodes(o)))
            .Where(o => ClinicalCodes.MatchesDate(search, "authored", o.OrderedAt))
            .ToList();
        return Outcome<FhirMatches>.Ok(scope.Page(actor, within, matches, search, o => o.PatientId, o => lab.ServiceRequest(o), ConsentCategories.Laboratory, Name + " search"));
    }
}
