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
        group.MapPut("/{id}", Update)
            .WithName("UpdatePatient").WithSummary("A new version of a patient's demographics (admins of their organisation): the registration's fields, the MRN unchanged; a changed name or date of birth moves the name + date-of-birth index")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapPut("/{id}/area", SetArea)
            .WithName("SetPatientArea").WithSummary("Set or clear a patient's area tag (admins of their organisation): {area} a facility/site code (lower-case letters, digits, '-', at most 40), empty to untag; stored in plaintext on the chain")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
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
        ApiResults.Read(patients.GetPatient(http.Session(), id), p => PatientResponse.From(p, time.Today) with { Area = patients.AreaOf(p.Id) is { Length: > 0 } a ? a : null });

    private static async Task<Results<Ok<WriteResponse>, ValidationProblem, ProblemHttpResult>> Update(string id, PatientInput input, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Ok(await patients.UpdateAsync(http.Session(), id, input, ct), WriteResponse.From);

    private static async Task<Results<Ok<PatientAreaResponse>, ValidationProblem, ProblemHttpResult>> SetArea(string id, PatientAreaInput input, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Ok(await patients.SetAreaAsync(http.Session(), id, input.Area, ct), _ => new PatientAreaResponse(id, patients.AreaOf(id) is { Length: > 0 } a ? a : null));

    private static async Task<Results<Ok<WriteResponse>, ProblemHttpResult>> ResetPassword(string id, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Read(await patients.ResetPasswordAsync(http.Session(), id, ct), WriteResponse.From);
}
