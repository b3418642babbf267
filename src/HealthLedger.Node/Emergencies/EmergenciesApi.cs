using System.Text.Json;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace HealthLedger.Node.Emergencies;

/// <summary>
/// /api/v1/emergencies: declared emergencies (every signed-in user), declare/extend/end as consortium proposals (admins),
/// rescuer logins (admins), patient lookup by MRN or name + date of birth (rescuers, doctors); /api/v1/patients/{id}/break-glass and
/// /emergency-summary (break-glass and the read it opens); /api/v1/break-glass (the custodian's review queue).
/// </summary>
public static class EmergenciesApi
{
    /// <summary>Maps the emergency endpoints.</summary>
    public static IEndpointRouteBuilder MapEmergenciesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/emergencies").WithTags("Emergencies").RequireSession();
        group.MapGet("", (EmergencyService emergencies) => TypedResults.Ok(emergencies.List()))
            .WithName("ListEmergencies").WithSummary("Every declared emergency (in force first): scope, rescuer organisations, categories, start, end, whether in force now");
        group.MapGet("/{id}", (string id, EmergencyService emergencies) => ApiResults.Read(emergencies.Get(id), e => e))
            .WithName("GetEmergency").WithSummary("One declared emergency").ProducesProblem(404);
        group.MapGet("/{id}/accesses", Accesses)
            .WithName("EmergencyAccesses").WithSummary("Every break-glass access under the emergency, in time order (admins, auditors); CSV with format=csv (no justification)")
            .Produces<List<BreakGlassResponse>>().ProducesProblem(403).ProducesProblem(404);
        group.MapPost("", Declare)
            .WithName("DeclareEmergency").WithSummary("Propose a declaration as the admin's organisation: {id?, title, area?, scope[], rescuers[], newRescuers[] (join requests of rescue services), categories? (demographics|reports; default demographics), startsAt?, endsAt}; approved under the policy's emergency rule (default at least 1/3) by votes at /api/v1/consortium/proposals/{id}/votes")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);
        group.MapPost("/{id}/end", End)
            .WithName("EndEmergency").WithSummary("Propose ending the emergency now (approved under the policy's rule)").ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/{id}/extend", Extend)
            .WithName("ExtendEmergency").WithSummary("Propose extending the emergency: {endsAt} later than its end, at most 30 days ahead").ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/rescuers", RegisterRescuer)
            .WithName("RegisterRescuer").WithSummary("An admin registers a rescuer login of their organisation: {userId}; answers the one-time password once").ProducesValidationProblem().ProducesProblem(403);
        group.MapGet("/patients", Find)
            .WithName("FindPatientForBreakGlass").WithSummary("Find patients at an organisation by mrn, or by name + dateOfBirth (yyyy-MM-dd), exact match through the blind index (rescuers and doctors), or name one by ?patientId= (as printed on their record printout or card; a doctor of another organisation outside an emergency has no index lookup): {patientId (when one), organisationId, patientIds[]}, ids only")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);

        var patient = app.MapGroup("/api/v1/patients/{patientId}").WithTags("Emergencies").RequireSession();
        patient.MapPost("/break-glass", BreakGlass)
            .WithName("BreakGlass").WithSummary("Break the glass: {emergencyId? , reason: unconscious|life-threatening|mass-casualty|other, justification (10-1000 bytes, sealed for the patient and the custodian), categories?}; access for 12 h (or until the emergency ends); every refusal is recorded as a refused attempt")
            .Accepts<BreakGlassInput>("application/json", "*/*") // any media type reaches the handler, which records a non-JSON body as a refused attempt
            .RequireRateLimiting(BreakGlassLimits.Policy)
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(429);
        patient.MapGet("/break-glass", OfPatient)
            .WithName("ListBreakGlassAccesses").WithSummary("The patient's break-glass accesses with their justification (the patient, admins of their organisation)").ProducesProblem(403).ProducesProblem(404);
        patient.MapGet("/emergency-summary", Summary).RequireRateLimiting(BreakGlassLimits.SummaryPolicy).ProducesProblem(429)
            .WithName("GetEmergencySummary").WithSummary("The emergency summary (blood group, allergies, conditions, emergency contact) under the caller's break-glass access in force; recorded as a break-glass disclosure")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

        var review = app.MapGroup("/api/v1/break-glass").WithTags("Emergencies").RequireSession();
        review.MapGet("", Queue)
            .WithName("BreakGlassReviewQueue").WithSummary("The review queue of the admin's organisation: who, whom, justification, what, when; pending first").ProducesProblem(403);
        review.MapPost("/{patientId}/{accessId}/review", Review)
            .WithName("ReviewBreakGlass").WithSummary("Mark an access {decision: reviewed|misuse} (admins of the patient's organisation, once)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static IResult Accesses(string id, string? format, HttpContext http, BreakGlassService breakGlass)
    {
        if (Csv.BadFormat(format) is { } badFormat) return badFormat;
        var accesses = breakGlass.OfEmergency(http.Session(), id);
        if (!accesses.IsOk || !string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)) return ApiResults.Read(accesses, list => list.ToList());
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(BreakGlassCsv.Write(accesses.Value!)), "text/csv", BreakGlassCsv.FileName(id));
    }

    private static async Task<Results<Created<ProposalResponse>, ValidationProblem, ProblemHttpResult>> Declare(EmergencyInput input, HttpContext http, EmergencyService emergencies, CancellationToken ct) =>
        ApiResults.Created(await emergencies.DeclareAsync(http.Session(), input, ct), p => $"/api/v1/consortium/proposals/{p.State.Id}", ProposalResponse.From);

    private static async Task<Results<Created<ProposalResponse>, ValidationProblem, ProblemHttpResult>> End(string id, HttpContext http, EmergencyService emergencies, CancellationToken ct) =>
        ApiResults.Created(await emergencies.EndAsync(http.Session(), id, ct), p => $"/api/v1/consortium/proposals/{p.State.Id}", ProposalResponse.From);

    private static async Task<Results<Created<ProposalResponse>, ValidationProblem, ProblemHttpResult>> Extend(string id, EmergencyChangeInput input, HttpContext http, EmergencyService emergencies, CancellationToken ct) =>
        ApiResults.Created(await emergencies.ExtendAsync(http.Session(), id, input, ct), p => $"/api/v1/consortium/proposals/{p.State.Id}", ProposalResponse.From);

    private static async Task<Results<Created<RescuerResponse>, ValidationProblem, ProblemHttpResult>> RegisterRescuer(RescuerInput input, HttpContext http, EmergencyService emergencies, CancellationToken ct) =>
        ApiResults.Created(await emergencies.RegisterRescuerAsync(http.Session(), input, ct), r => $"/api/v1/emergencies/rescuers/{r.UserId}", r => r);

    private static Results<Ok<PatientMatch>, ValidationProblem, ProblemHttpResult> Find(string? mrn, string? organisationId, string? name, string? dateOfBirth, string? patientId, HttpContext http, BreakGlassService breakGlass) =>
        ApiResults.Ok(patientId is not null ? breakGlass.FindById(http.Session(), patientId) : breakGlass.Find(http.Session(), mrn, organisationId, name, dateOfBirth), m => m);

    /// <summary>
    /// Reads the body itself (not by binding) so that a malformed one — not JSON, the wrong shape, a value of the wrong type, a
    /// list holding null — is recorded as a refused attempt on the patient in the route like every other refusal (400).
    /// </summary>
    private static async Task<Results<Created<BreakGlassResponse>, ValidationProblem, ProblemHttpResult>> BreakGlass(string patientId, HttpContext http, BreakGlassService breakGlass,
        IOptions<JsonOptions> json, CancellationToken ct)
    {
        BreakGlassInput? input = null;
        FieldErrors? malformed = null;
        if (!http.Request.HasJsonContentType())
        {
            malformed = FieldErrors.One("body", "Send the body as application/json.");
        }
        else
        {
            try
            {
                input = await http.Request.ReadFromJsonAsync<BreakGlassInput>(json.Value.SerializerOptions, ct);
                malformed = input is null ? FieldErrors.One("body", "A JSON body is required.") : NullElements.Find(input);
            }
            catch (JsonException e)
            {
                var (field, message) = BindingProblems.DescribeJson(e);
                malformed = FieldErrors.One(field, message);
            }
        }
        if (malformed is { IsEmpty: false }) return ApiResults.Invalid(breakGlass.RefuseMalformed(http.Session(), patientId, malformed));
        return ApiResults.Created(await breakGlass.BreakGlassAsync(http.Session(), patientId, input!, ct), a => $"/api/v1/patients/{a.PatientId}/break-glass", a => a);
    }

    private static Results<Ok<List<BreakGlassResponse>>, ProblemHttpResult> OfPatient(string patientId, HttpContext http, BreakGlassService breakGlass) =>
        ApiResults.Read(breakGlass.OfPatient(http.Session(), patientId), list => list.ToList());

    private static Results<Ok<EmergencySummary>, ValidationProblem, ProblemHttpResult> Summary(string patientId, HttpContext http, BreakGlassService breakGlass) =>
        ApiResults.Ok(breakGlass.Summary(http.Session(), patientId), s => s);

    private static Results<Ok<List<BreakGlassResponse>>, ProblemHttpResult> Queue(HttpContext http, BreakGlassService breakGlass) =>
        ApiResults.Read(breakGlass.Queue(http.Session()), list => list.ToList());

    private static async Task<Results<Ok<BreakGlassResponse>, ValidationProblem, ProblemHttpResult>> Review(string patientId, string accessId, BreakGlassReviewInput input, HttpContext http, BreakGlassService breakGlass, CancellationToken ct) =>
        ApiResults.Ok(await breakGlass.ReviewAsync(http.Session(), patientId, accessId, input, ct), a => a);
}
