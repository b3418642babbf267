using HealthLedger.Node.Records;
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
            .WithName("ListDoctors").WithSummary("The doctor directory: search by name, filter by specialty, department, on call; organisation=all for every member organisation's doctors (or one member's id); paging (page from 1, pageSize 1–200); 400 naming a value it does not understand")
            .ProducesValidationProblem();
        group.MapGet("/on-call", OnCall)
            .WithName("OnCall").WithSummary("Emergency view: doctors on call now, per specialty");
        group.MapGet("/{id}", Get)
            .WithName("GetDoctor").WithSummary("One doctor's directory entry; ETag is the version's entity tag (\"3\") for If-Match").ProducesProblem(404);
        group.MapPut("/{id}", Update)
            .WithName("UpdateDoctor").WithSummary("A new version of a doctor's directory entry (admins of their organisation, or the doctor): name, specialty, department, qualification, licence number, phone, email, consultation hours (on call kept), and the version edited (version in the body, or If-Match: \"<version>\"); an older version is refused with 409 naming version and the current one, nothing written")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapGet("/{id}/versions", Versions)
            .WithName("GetDoctorVersions").WithSummary("Every version of a doctor's directory entry, oldest first: number, transaction id, block height and time, signer, content (licence number, phone and email hidden from patients)")
            .ProducesProblem(404);
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

    private static Results<Ok<PageResponse<DoctorResponse>>, ValidationProblem> List(HttpContext http, DoctorService doctors,
        string? search, string? specialty, string? department, bool? onCall, int? page, int? pageSize, string? organisation)
    {
        var errors = QueryValues.CheckPaging(new FieldErrors(), page, pageSize);
        if (!string.IsNullOrWhiteSpace(organisation) && !organisation.Trim().Equals("all", StringComparison.OrdinalIgnoreCase) && !doctors.IsMember(organisation.Trim().ToLowerInvariant()))
        {
            errors.Add("organisation", "The organisation is all or a member organisation's id.");
        }
        if (!errors.IsEmpty) return TypedResults.ValidationProblem(errors.ToDictionary());
        return TypedResults.Ok(PageResponse<DoctorResponse>.From(doctors.List(http.Session(), new DoctorQuery(search, specialty, department, onCall, page ?? 1, pageSize ?? 50, organisation)), DoctorResponse.For(http.Session().Role)));
    }

    private static Ok<Dictionary<string, List<DoctorResponse>>> OnCall(HttpContext http, DoctorService doctors) =>
        TypedResults.Ok(doctors.OnCallBySpecialty(http.Session()).ToDictionary(g => g.Key, g => g.Select(DoctorResponse.For(http.Session().Role)).ToList()));

    private static Results<Ok<DoctorResponse>, ProblemHttpResult> Get(string id, HttpContext http, DoctorService doctors) =>
        ApiResults.Read(doctors.Get(http.Session(), id), d =>
        {
            http.Response.Headers.ETag = EditedVersion.ETag(d.Version);
            return DoctorResponse.For(http.Session().Role)(d);
        });

    private static async Task<Results<Ok<WriteResponse>, ValidationProblem, ProblemHttpResult>> Update(string id, DoctorInput input, HttpContext http, DoctorService doctors, CancellationToken ct) =>
        ApiResults.Ok(await doctors.UpdateAsync(http.Session(), id, input, http.Request.Headers.IfMatch.ToString(), ct), WriteResponse.From);

    private static Results<Ok<List<RecordVersionResponse<DoctorDetails>>>, ProblemHttpResult> Versions(string id, HttpContext http, DoctorService doctors) =>
        ApiResults.Read(doctors.Versions(http.Session(), id), list => list.Select(v => RecordVersionResponse<DoctorDetails>.From(v, list.Max(x => x.Version.Version))).ToList());

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetOnCall(string id, OnCallRequest request, HttpContext http, DoctorService doctors, CancellationToken ct) =>
        request.OnCall is { } onCall
            ? ApiResults.NoContent(await doctors.SetOnCallAsync(http.Session(), id, onCall, ct))
            : ApiResults.Invalid("onCall", "Say whether the doctor is on call: true or false.");
}
