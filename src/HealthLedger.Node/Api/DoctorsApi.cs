using HealthLedger.Node.Hospital;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Api;

/// <summary>/api/v1/doctors: registration and the directory.</summary>
public static class DoctorsApi
{
    public static IEndpointRouteBuilder MapDoctorsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/doctors").WithTags("Doctors").RequireSession();

        group.MapPost("/", async (DoctorInput input, HttpContext http, HospitalService hospital, CancellationToken ct) =>
            ApiResults.From(await hospital.RegisterDoctorAsync(http.Session(), input, ct),
                r => Results.Created($"/api/v1/doctors/{r.Id}", new WriteResponse(r.Id, r.TransactionId, r.Height, r.OneTimePassword))))
            .WithName("RegisterDoctor").WithSummary("Register a doctor (admins); returns a one-time password shown once")
            .Produces<WriteResponse>(201).ProducesValidationProblem().ProducesProblem(409);

        group.MapGet("/", (HttpContext http, HospitalService hospital, string? search, string? specialty, string? department, bool? onCall, int? page, int? pageSize) =>
        {
            var p = hospital.ListDoctors(http.Session(), new DoctorQuery(search, specialty, department, onCall, page ?? 1, pageSize ?? 50));
            return Results.Ok(new PageResponse<DoctorResponse>(p.Items.Select(DoctorResponse.From).ToList(), p.Total, p.PageNumber, p.PageSize, p.PageCount));
        })
        .WithName("ListDoctors").WithSummary("The doctor directory: search by name, filter by specialty, department, on call").Produces<PageResponse<DoctorResponse>>();

        group.MapGet("/on-call", (HttpContext http, HospitalService hospital) =>
            Results.Ok(hospital.OnCallBySpecialty(http.Session()).ToDictionary(g => g.Key, g => g.Select(DoctorResponse.From).ToList())))
            .WithName("OnCall").WithSummary("Emergency view: doctors on call now, per specialty").Produces<Dictionary<string, List<DoctorResponse>>>();

        group.MapGet("/{id}", (string id, HttpContext http, HospitalService hospital) =>
            ApiResults.From(hospital.GetDoctor(http.Session(), id), d => Results.Ok(DoctorResponse.From(d))))
            .WithName("GetDoctor").WithSummary("One doctor's directory entry").Produces<DoctorResponse>().ProducesProblem(404);

        group.MapPut("/{id}/on-call", async (string id, OnCallRequest request, HttpContext http, HospitalService hospital, CancellationToken ct) =>
            ApiResults.From(await hospital.SetOnCallAsync(http.Session(), id, request.OnCall, ct), _ => Results.NoContent()))
            .WithName("SetOnCall").WithSummary("Set a doctor's on-call flag (admins, or the doctor)").Produces(204).ProducesProblem(404);
        return app;
    }
}
