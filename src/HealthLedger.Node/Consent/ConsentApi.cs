using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Consent;

/// <summary>Consent: /api/v1/patients/{id}/grants.</summary>
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
        return app;
    }

    private static Results<Ok<List<GrantResponse>>, ProblemHttpResult> List(string patientId, HttpContext http, ConsentService consent) =>
        ApiResults.Read(consent.Grants(http.Session(), patientId), g => g.Select(GrantResponse.From).ToList());

    private static async Task<Results<Created<WriteResponse>, ValidationProblem, ProblemHttpResult>> Grant(string patientId, GrantInput input, HttpContext http, ConsentService consent, CancellationToken ct) =>
        ApiResults.Created(await consent.GrantAsync(http.Session(), patientId, input, ct), _ => $"/api/v1/patients/{patientId}/grants", r => WriteResponse.From(r with { OneTimePassword = null }));

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Revoke(string patientId, string grantId, HttpContext http, ConsentService consent, CancellationToken ct) =>
        ApiResults.NoContent(await consent.RevokeAsync(http.Session(), patientId, grantId, ct));
}
