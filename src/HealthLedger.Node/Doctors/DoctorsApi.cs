using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Doctors;

/// <summary>
/// /api/v1/doctors: registration, the directory, the on-call view (licence number, phone and e-mail hidden from patients);
/// /api/v1/public/on-call: the public emergency directory, without login, rate-limited per client address.
/// </summary>
public static class DoctorsApi
{
    /// <summary>Maps the doctor endpoints.</summary>
    public static IEndpointRouteBuilder MapDoctorsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/doctors").WithTags("Doctors").RequireSession();
        group.MapPost("/", Register)
            .WithName("RegisterDoctor").WithSummary("Register a doctor (admins); returns a one-time password shown once")
            .ProducesValidationProblem().ProducesProblem(409);
        group.MapGet("/", List)
            .WithName("ListDoctors").WithSummary("The doctor directory: search by name, filter by specialty, department, on call; organisation=all for every member organisation's doctors");
        group.MapGet("/on-call", OnCall)
            .WithName("OnCall").WithSummary("Emergency view: doctors on call now, per specialty");
        group.MapGet("/{id}", Get)
            .WithName("GetDoctor").WithSummary("One doctor's directory entry").ProducesProblem(404);
        group.MapPut("/{id}/on-call", SetOnCall)
            .WithName("SetOnCall").WithSummary("Set a doctor's on-call flag (admins, or the doctor)").ProducesProblem(404);

        app.MapGet("/api/v1/public/on-call", PublicOnCall).WithTags("Doctors").AllowAnonymous().RequireRateLimiting(PublicDirectoryLimits.Policy)
            .WithName("PublicOnCall").WithSummary("Public emergency directory, no login: per organisation its switchboard contact and the doctors on call now by specialty (name, specialty, department; never a doctor's phone, e-mail or licence number); specialty= filters; 429 past the per-address rate limit")
            .ProducesProblem(429);
        return app;
    }

    private static Ok<List<PublicOnCallOrganisation>> PublicOnCall(string? specialty, DoctorService doctors) => TypedResults.Ok(doctors.PublicOnCall(specialty).ToList());

    private static async Task<Results<Created<WriteResponse>, ValidationProblem, ProblemHttpResult>> Register(DoctorInput input, HttpContext http, DoctorService doctors, CancellationToken ct) =>
        ApiResults.Created(await doctors.RegisterAsync(http.Session(), input, ct), r => $"/api/v1/doctors/{r.Id}", WriteResponse.From);

    private static Ok<PageResponse<DoctorResponse>> List(HttpContext http, DoctorService doctors,
        string? search, string? specialty, string? department, bool? onCall, int? page, int? pageSize, string? organisation) =>
        TypedResults.Ok(PageResponse<DoctorResponse>.From(doctors.List(http.Session(), new DoctorQuery(search, specialty, department, onCall, page ?? 1, pageSize ?? 50, organisation)), DoctorResponse.For(http.Session().Role)));

    private static Ok<Dictionary<string, List<DoctorResponse>>> OnCall(HttpContext http, DoctorService doctors) =>
        TypedResults.Ok(doctors.OnCallBySpecialty(http.Session()).ToDictionary(g => g.Key, g => g.Select(DoctorResponse.For(http.Session().Role)).ToList()));

    private static Results<Ok<DoctorResponse>, ProblemHttpResult> Get(string id, HttpContext http, DoctorService doctors) =>
        ApiResults.Read(doctors.Get(http.Session(), id), DoctorResponse.For(http.Session().Role));

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetOnCall(string id, OnCallRequest request, HttpContext http, DoctorService doctors, CancellationToken ct) =>
        ApiResults.NoContent(await doctors.SetOnCallAsync(http.Session(), id, request.OnCall, ct));
}
