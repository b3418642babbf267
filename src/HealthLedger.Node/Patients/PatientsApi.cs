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
            .WithName("ListPatients").WithSummary("Patients the caller may see: search (name, MRN), condition filter, sort (name, age, mrn, registered), paging (page from 1, pageSize 1–200; past the last page the last is returned); 400 naming a value it does not understand")
            .ProducesValidationProblem();
        group.MapGet("/{id}", Get)
            .WithName("GetPatient").WithSummary("One patient's demographics with their ledger proof; ETag is the version's entity tag (\"3\") for If-Match").ProducesProblem(404);
        group.MapPut("/{id}", Update)
            .WithName("UpdatePatient").WithSummary("A new version of a patient's demographics (admins of their organisation): the registration's fields, the MRN unchanged, and the version edited (version in the body, or If-Match: \"<version>\"); an older version is refused with 409 naming version and the current one, nothing written; a changed name or date of birth moves the name + date-of-birth index")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapGet("/{id}/versions", Versions)
            .WithName("GetPatientVersions").WithSummary("Every version of a patient's demographics, oldest first: number, transaction id, block height and time, signer, and the content when the reader may see the demographics (a recorded disclosure)")
            .ProducesProblem(403).ProducesProblem(404);
        group.MapPut("/{id}/area", SetArea)
            .WithName("SetPatientArea").WithSummary("Set or clear a patient's area tag (admins of their organisation): {area} a facility/site code (lower-case letters, digits, '-', at most 40), empty to untag; stored in plaintext on the chain")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        group.MapPost("/{id}/password-reset", ResetPassword)
            .WithName("ResetPatientPassword").WithSummary("Give a patient a new one-time password (admins)").ProducesProblem(404);
        return app;
    }

    private static async Task<Results<Created<WriteResponse>, ValidationProblem, ProblemHttpResult>> Register(PatientInput input, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Created(await patients.RegisterAsync(http.Session(), input, ct), r => $"/api/v1/patients/{r.Id}", WriteResponse.From);

    private static Results<Ok<PageResponse<PatientResponse>>, ValidationProblem, ProblemHttpResult> List(HttpContext http, PatientService patients, HospitalTime time,
        string? search, string? condition, string? sort, bool? desc, int? page, int? pageSize) =>
        QueryValues.CheckChoice(QueryValues.CheckPaging(new FieldErrors(), page, pageSize), "sort", sort, PatientQuery.SortKeys) is { IsEmpty: false } errors
            ? TypedResults.ValidationProblem(errors.ToDictionary())
            : ApiResults.Ok(patients.List(http.Session(), new PatientQuery(search, condition, sort, desc ?? false, page ?? 1, pageSize ?? 20)),
            // Each with its area tag, as one patient's answer has it (the list said null for every patient).
            p => PageResponse<PatientResponse>.From(p, i => PatientResponse.From(i, time.Today) with { Area = patients.AreaOf(i.Id) is { Length: > 0 } a ? a : null }));

    private static Results<Ok<PatientResponse>, ProblemHttpResult> Get(string id, HttpContext http, PatientService patients, HospitalTime time) =>
        ApiResults.Read(patients.GetPatient(http.Session(), id), p =>
        {
            http.Response.Headers.ETag = EditedVersion.ETag(p.Version);
            return PatientResponse.From(p, time.Today) with { Area = patients.AreaOf(p.Id) is { Length: > 0 } a ? a : null };
        });

    private static async Task<Results<Ok<WriteResponse>, ValidationProblem, ProblemHttpResult>> Update(string id, PatientInput input, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Ok(await patients.UpdateAsync(http.Session(), id, input, http.Request.Headers.IfMatch.ToString(), ct), WriteResponse.From);

    private static Results<Ok<List<RecordVersionResponse<PatientDetails>>>, ProblemHttpResult> Versions(string id, HttpContext http, PatientService patients) =>
        ApiResults.Read(patients.Versions(http.Session(), id), list => list.Select(v => RecordVersionResponse<PatientDetails>.From(v, list.Max(x => x.Version.Version))).ToList());

    private static async Task<Results<Ok<PatientAreaResponse>, ValidationProblem, ProblemHttpResult>> SetArea(string id, PatientAreaInput input, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Ok(await patients.SetAreaAsync(http.Session(), id, input.Area, ct), _ => new PatientAreaResponse(id, patients.AreaOf(id) is { Length: > 0 } a ? a : null));

    private static async Task<Results<Ok<PasswordResetResponse>, ProblemHttpResult>> ResetPassword(string id, HttpContext http, PatientService patients, CancellationToken ct) =>
        ApiResults.Read(await patients.ResetPasswordAsync(http.Session(), id, ct), r => new PasswordResetResponse(r.Id, r.OneTimePassword));
}
