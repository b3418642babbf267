using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Patients;

/// <summary>/api/v1/patients: registration, the patient list, one patient's demographics, password resets.</summary>
public static class PatientsApi
{
    /// <summary>Maps the patient endpoints.</summary>
    public static IEndpointRouteBuilder MapPatientsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients").WithTags("Patients").RequireSession();
        group.MapPost("/", Register)
            .WithName("RegisterPatient").WithSummary("Register a patient (admins); returns the patient id and a one-time password shown once")
            .ProducesValidationProblem().ProducesProblem(409);
        group.MapGet("/", List)
            .WithName("ListPatients").WithSummary("Patients the caller may see: search (name, MRN), condition filter, sort (name, age, mrn, registered), paging");
        group.MapGet("/{id}", Get)
            .WithName("GetPatient").WithSummary("One patient's demographics with their ledger proof").ProducesProblem(404);
        group.MapPost("/{id}/password-reset", ResetPassword)
            .WithName("ResetPatientPassword").WithSummary("Give a patient a new one-time password (admins)").ProducesProblem(404);
        return app;
    }

    private static async Task<Results<Created<WriteResponse>, ValidationProblem, ProblemHttpResult>> Register(PatientInput input, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Created(await patients.RegisterAsync(http.Session(), input, ct), r => $"/api/v1/patients/{r.Id}", WriteResponse.From);

    private static Results<Ok<PageResponse<PatientResponse>>, ProblemHttpResult> List(HttpContext http, PatientService patients, HospitalTime time,
        string? search, string? condition, string? sort, bool? desc, int? page, int? pageSize) =>
        ApiResults.Read(patients.List(http.Session(), new PatientQuery(search, condition, sort, desc ?? false, page ?? 1, pageSize ?? 20)),
            p => PageResponse<PatientResponse>.From(p, i => PatientResponse.From(i, time.Today)));

    private static Results<Ok<PatientResponse>, ProblemHttpResult> Get(string id, HttpContext http, PatientService patients, HospitalTime time) =>
        ApiResults.Read(patients.GetPatient(http.Session(), id), p => PatientResponse.From(p, time.Today));

    private static async Task<Results<Ok<WriteResponse>, ProblemHttpResult>> ResetPassword(string id, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Read(await patients.ResetPasswordAsync(http.Session(), id, ct), WriteResponse.From);
}
