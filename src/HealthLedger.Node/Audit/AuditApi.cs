using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Audit;

/// <summary>
/// The disclosure trail: /api/v1/patients/{id}/disclosures (the patient, or an admin) and /api/v1/audit (admins and
/// auditors); the organisation's auditor accounts: /api/v1/auditors (admins).
/// </summary>
public static class AuditApi
{
    private static readonly string[] CsvHeader = ["at", "actorId", "actorRole", "patientId", "resource", "purpose", "outcome", "block"];

    /// <summary>Maps the audit endpoints.</summary>
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/patients/{patientId}").WithTags("Consent and disclosures").RequireSession()
            .MapGet("/disclosures", Disclosures)
            .WithName("ListDisclosures").WithSummary("Who read the patient's data (and who was refused), with time and purpose; filter by who, organisation, category, record, kind, from, to")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        app.MapGroup("/api/v1/patients/{patientId}").WithTags("Consent and disclosures").RequireSession()
            .MapGet("/access-history", AccessHistory)
            .WithName("AccessHistory").WithSummary("The patient's reads and consent changes grouped by person and day, paged (page, pageSize) and filtered (who, organisation, category, record, kind, from, to)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        app.MapGroup("/api/v1/audit").WithTags("Consent and disclosures").RequireSession()
            .MapGet("/", Trail)
            .WithName("AuditTrail").WithSummary("The organisation's disclosure trail (admins, auditors): filter by patient, actor, outcome (allowed|denied), dates; CSV with format=csv")
            .Produces<List<DisclosureResponse>>().ProducesValidationProblem();
        var auditors = app.MapGroup("/api/v1/auditors").WithTags("Auditors").RequireSession();
        auditors.MapPost("/", RegisterAuditor)
            .WithName("RegisterAuditor").WithSummary("Register an auditor of the admin's organisation: {auditorId}; returns a one-time password shown once, to be replaced at the first login (admins)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);
        auditors.MapGet("/", ListAuditors)
            .WithName("ListAuditors").WithSummary("The auditors of the admin's organisation: [{id, organisationId, signingKey}] (admins)")
            .ProducesProblem(403);
        return app;
    }

    private static Results<Ok<List<DisclosureResponse>>, ValidationProblem, ProblemHttpResult> Disclosures(string patientId, HttpContext http, AccessHistoryService history,
        string? who, string? organisation, string? category, string? record, string? kind, string? from, string? to) =>
        ApiResults.Ok(history.Disclosures(http.Session(), patientId, new AccessHistoryQuery(who, organisation, category, record, kind, from, to)),
            d => d.Select(p => DisclosureResponse.From(p.Disclosure, p.Event)).ToList());

    private static Results<Ok<AccessHistoryPage>, ValidationProblem, ProblemHttpResult> AccessHistory(string patientId, HttpContext http, AccessHistoryService history,
        string? who, string? organisation, string? category, string? record, string? kind, string? from, string? to, string? page, string? pageSize) =>
        ApiResults.Ok(history.Groups(http.Session(), patientId, new AccessHistoryQuery(who, organisation, category, record, kind, from, to, page, pageSize)), p => p);

    private static async Task<Results<Created<WriteResponse>, ValidationProblem, ProblemHttpResult>> RegisterAuditor(AuditorInput input, HttpContext http, AuditorService auditors, CancellationToken ct) =>
        ApiResults.Created(await auditors.RegisterAsync(http.Session(), input, ct), r => $"/api/v1/auditors/{r.Id}", WriteResponse.From);

    private static Results<Ok<List<AuditorResponse>>, ProblemHttpResult> ListAuditors(HttpContext http, AuditorService auditors) =>
        ApiResults.Read(auditors.List(http.Session()), list => list.Select(AuditorResponse.From).ToList());

    private static IResult Trail(HttpContext http, AuditService audit, string? patientId, string? actorId, string? outcome, DateOnly? from, DateOnly? to, string? format)
    {
        if (Csv.BadFormat(format) is { } badFormat) return badFormat;
        var errors = QueryValues.CheckChoice(new Records.FieldErrors(), "outcome", outcome, ["allowed", "denied"]);
        if (from is { } f && to is { } t && t < f) errors.Add("to", "The last day (to) is before the first day (from).");
        if (!errors.IsEmpty) return TypedResults.ValidationProblem(errors.ToDictionary());
        outcome = outcome?.Trim().ToLowerInvariant();
        bool? allowed = outcome switch { "allowed" => true, "denied" => false, _ => null };
        var trail = audit.Trail(http.Session(), patientId, actorId, allowed, from, to);
        if (!trail.IsOk || !string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)) return ApiResults.Ok(trail, rows => rows.Select(DisclosureResponse.From).ToList());
        var csv = Csv.Write(CsvHeader, trail.Value!.Select(r => new object?[] { DateTimeOffset.FromUnixTimeMilliseconds((long)r.Event.At), r.Event.ActorId,
            r.Event.ActorRole, r.Event.PatientId, r.Event.Resource, r.Event.Purpose, r.Event.Allowed ? "allowed" : "denied", r.Height }));
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", "audit-trail.csv");
    }
}
