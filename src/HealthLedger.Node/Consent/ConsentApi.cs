using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Consent;

/// <summary>
/// Consent: /api/v1/patients/{id}/grants, /api/v1/patients/{id}/care-relationships, and referrals:
/// /api/v1/patients/{id}/access-requests (a doctor asks) and /api/v1/consent/access-requests (the patient's or doctor's list,
/// the patient's approve and decline).
/// </summary>
public static class ConsentApi
{
    /// <summary>Maps the consent endpoints.</summary>
    public static IEndpointRouteBuilder MapConsentApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients/{patientId}/grants").WithTags("Consent and disclosures").RequireSession();
        group.MapGet("", List)
            .WithName("ListGrants").WithSummary("The patient's grants, active and past (the patient, or an admin)").ProducesProblem(404);
        group.MapPost("", Grant)
            .WithName("Grant").WithSummary("The patient grants a doctor or organisation access: granteeKind, granteeId, categories (all | demographics, encounters, account, reports, laboratory, medication), optional expiresAt")
            .ProducesValidationProblem();
        group.MapDelete("/{grantId}", Revoke)
            .WithName("Revoke").WithSummary("The patient revokes a grant").ProducesProblem(404);
        var care = app.MapGroup("/api/v1/patients/{patientId}/care-relationships").WithTags("Consent and disclosures").RequireSession();
        care.MapGet("", ListCare)
            .WithName("ListCareRelationships").WithSummary("The doctors who attend or attended the patient, since and until when (the patient, or an admin)").ProducesProblem(404);
        care.MapDelete("/{doctorId}", EndCare)
            .WithName("EndCareRelationship").WithSummary("The patient ends a doctor's care relationship (not while admitted under that doctor)").ProducesProblem(404);
        app.MapGroup("/api/v1/patients/{patientId}/access-requests").WithTags("Consent and disclosures").RequireSession()
            .MapPost("", RequestAccess)
            .WithName("RequestAccess").WithSummary("A doctor of any member organisation asks the patient for access: categories (all | demographics, encounters, account, reports, laboratory, medication), days (1-365, from the approval), reason (sealed for the patient and the doctor)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        var requests = app.MapGroup("/api/v1/consent/access-requests").WithTags("Consent and disclosures").RequireSession();
        requests.MapGet("", ListAccessRequests)
            .WithName("ListAccessRequests").WithSummary("A patient's requests for access to their records, or a doctor's own requests, newest first; ?status=pending|approved|declined|expired")
            .ProducesValidationProblem().ProducesProblem(403);
        requests.MapPost("/{requestId}/approve", Approve)
            .WithName("ApproveAccessRequest").WithSummary("The patient approves: the doctor is granted the requested categories for the requested days, with the category keys wrapped for them")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        requests.MapPost("/{requestId}/decline", Decline)
            .WithName("DeclineAccessRequest").WithSummary("The patient declines; nothing is granted")
            .ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static async Task<Results<Created<WriteResponse>, ValidationProblem, ProblemHttpResult>> RequestAccess(string patientId, AccessRequestInput input, HttpContext http,
        AccessRequestService requests, CancellationToken ct) =>
        ApiResults.Created(await requests.RequestAsync(http.Session(), patientId, input, ct), r => $"/api/v1/consent/access-requests/{r.Id}", WriteResponse.From);

    private static Results<Ok<List<AccessRequestResponse>>, ValidationProblem, ProblemHttpResult> ListAccessRequests(string? status, HttpContext http, AccessRequestService requests) =>
        ApiResults.Ok(requests.List(http.Session(), status), l => l.Select(AccessRequestResponse.From).ToList());

    private static async Task<Results<Ok<WriteResponse>, ValidationProblem, ProblemHttpResult>> Approve(string requestId, HttpContext http, AccessRequestService requests, CancellationToken ct) =>
        ApiResults.Ok(await requests.ApproveAsync(http.Session(), requestId, ct), WriteResponse.From);

    private static async Task<Results<Ok<WriteResponse>, ValidationProblem, ProblemHttpResult>> Decline(string requestId, HttpContext http, AccessRequestService requests, CancellationToken ct) =>
        ApiResults.Ok(await requests.DeclineAsync(http.Session(), requestId, ct), WriteResponse.From);

    private static Results<Ok<List<GrantResponse>>, ProblemHttpResult> List(string patientId, HttpContext http, ConsentService consent) =>
        ApiResults.Read(consent.Grants(http.Session(), patientId), g => g.Select(GrantResponse.From).ToList());

    private static async Task<Results<Created<WriteResponse>, ValidationProblem, ProblemHttpResult>> Grant(string patientId, GrantInput input, HttpContext http, ConsentService consent, CancellationToken ct) =>
        ApiResults.Created(await consent.GrantAsync(http.Session(), patientId, input, ct), _ => $"/api/v1/patients/{patientId}/grants", r => WriteResponse.From(r with { OneTimePassword = null }));

    private static Results<Ok<List<CareResponse>>, ProblemHttpResult> ListCare(string patientId, HttpContext http, ConsentService consent) =>
        ApiResults.Read(consent.CareRelationships(http.Session(), patientId), c => c.Select(CareResponse.From).ToList());

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> EndCare(string patientId, string doctorId, HttpContext http, ConsentService consent, CancellationToken ct) =>
        ApiResults.NoContent(await consent.EndCareAsync(http.Session(), patientId, doctorId, ct));

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Revoke(string patientId, string grantId, HttpContext http, ConsentService consent, CancellationToken ct) =>
        ApiResults.NoContent(await consent.RevokeAsync(http.Session(), patientId, grantId, ct));
}
