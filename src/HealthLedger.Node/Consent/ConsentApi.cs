using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Consent;

/// <summary>Consent: /api/v1/patients/{id}/grants and /api/v1/patients/{id}/care-relationships.</summary>
public static class ConsentApi
{
    /// <summary>Maps the consent endpoints.</summary>
    public static IEndpointRouteBuilder MapConsentApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients/{patientId}/grants").WithTags("Consent and disclosures").RequireSession();
        group.MapGet("", List)
            .WithName("ListGrants").WithSummary("The patient's grants, active and past (the patient, or an admin)").ProducesProblem(404);
        group.MapPost("", Grant)
            .WithName("Grant").WithSummary("The patient grants a doctor or organisation access: granteeKind, granteeId, categories (all | demographics, encounters, account, reports), optional expiresAt")
            .ProducesValidationProblem();
        group.MapDelete("/{grantId}", Revoke)
            .WithName("Revoke").WithSummary("The patient revokes a grant").ProducesProblem(404);
        var care = app.MapGroup("/api/v1/patients/{patientId}/care-relationships").WithTags("Consent and disclosures").RequireSession();
        care.MapGet("", ListCare)
            .WithName("ListCareRelationships").WithSummary("The doctors who attend or attended the patient, since and until when (the patient, or an admin)").ProducesProblem(404);
        care.MapDelete("/{doctorId}", EndCare)
            .WithName("EndCareRelationship").WithSummary("The patient ends a doctor's care relationship (not while admitted under that doctor)").ProducesProblem(404);
        return app;
    }

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
