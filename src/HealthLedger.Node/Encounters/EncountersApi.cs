using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Encounters;

/// <summary>Entries: /api/v1/patients/{id}/entries (a patient's) and /api/v1/entries (the organisation's, admins).</summary>
public static class EncountersApi
{
    /// <summary>Maps the entry endpoints.</summary>
    public static IEndpointRouteBuilder MapEncountersApi(this IEndpointRouteBuilder app)
    {
        var patient = app.MapGroup("/api/v1/patients/{id}/entries").WithTags("Patients").RequireSession();
        patient.MapGet("", List)
            .WithName("ListEntries").WithSummary("A patient's encounters and account lines, corrections included").ProducesProblem(404);
        patient.MapPost("", Add)
            .WithName("AddEntry").WithSummary("Add an admission, visit, transfer or discharge (or a correction of one)")
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);

        var all = app.MapGroup("/api/v1/entries").WithTags("Lists").RequireSession();
        all.MapGet("", ListAll)
            .WithName("ListAllEntries").WithSummary("The organisation's entries, newest first: filter by type, doctor, patient, date range (admins)")
            .ProducesValidationProblem();
        return app;
    }

    private static Results<Ok<List<EntryResponse>>, ProblemHttpResult> List(string id, HttpContext http, EncounterService encounters) =>
        ApiResults.Read(encounters.Entries(http.Session(), id), e => e.Select(EntryResponse.From).ToList());

    private static async Task<Results<Created<EntryResponse>, ValidationProblem, ProblemHttpResult>> Add(string id, EntryInput input, HttpContext http, EncounterService encounters, CancellationToken ct) =>
        ApiResults.Created(await encounters.AddEncounterAsync(http.Session(), id, input, ct), _ => $"/api/v1/patients/{id}/entries", EntryResponse.From);

    private static Results<Ok<PageResponse<EntryResponse>>, ValidationProblem, ProblemHttpResult> ListAll(HttpContext http, EncounterService encounters,
        string? type, string? doctorId, DateOnly? from, DateOnly? to, string? patientId, int? page, int? pageSize) =>
        QueryValues.CheckPaging(new Records.FieldErrors(), page, pageSize) is { IsEmpty: false } errors
            ? TypedResults.ValidationProblem(errors.ToDictionary())
            : ApiResults.Ok(encounters.List(http.Session(), new EntryQuery(type, doctorId, from, to, patientId, page ?? 1, pageSize ?? 50)),
            p => PageResponse<EntryResponse>.From(p, EntryResponse.From));
}
