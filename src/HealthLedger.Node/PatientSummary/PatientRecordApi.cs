using HealthLedger.Core.Records;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.PatientSummary;

/// <summary>
/// The patient's complete record as the reader may see it: demographics (null fields when not shared), encounters and
/// account (null when not shared); <c>patient.shared</c> lists the categories the reader may see, <c>notShared</c> the others.
/// </summary>
public sealed record PatientReportResponse(PatientResponse Patient, IReadOnlyList<EntryResponse>? Encounters, AccountResponse? Account, IReadOnlyList<string> NotShared);

/// <summary>GET /api/v1/patients/{id}/report.</summary>
public static class PatientRecordApi
{
    /// <summary>Maps the complete-record endpoint.</summary>
    public static IEndpointRouteBuilder MapPatientRecordApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/patients").WithTags("Patients").RequireSession()
            .MapGet("/{id}/report", Get)
            .WithName("GetPatientReport").WithSummary("The patient's complete record: demographics, encounters and account").ProducesProblem(404);
        return app;
    }

    private static Results<Ok<PatientReportResponse>, ProblemHttpResult> Get(string id, HttpContext http, PatientRecordService records, HospitalTime time) =>
        ApiResults.Read(records.Get(http.Session(), id), r => new PatientReportResponse(PatientResponse.From(r.Patient, time.Today),
            r.Encounters?.Select(EntryResponse.From).ToList(), r.Account is null ? null : AccountResponse.From(r.Account),
            ConsentCategoryNames.Of(ConsentCategories.All & ~r.Patient.Shared)));
}
