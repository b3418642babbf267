using HealthLedger.Node.Hospital;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Api;

/// <summary>Consent and the disclosure trail: /api/v1/patients/{id}/grants, /disclosures, /api/v1/audit.</summary>
public static class ConsentApi
{
    public sealed record GrantResponse(string Id, string GranteeKind, string GranteeId, string GranteeName, IReadOnlyList<string> Categories,
        DateTimeOffset? ExpiresAt, DateTimeOffset GrantedAt, DateTimeOffset? RevokedAt, bool Active, ProofResponse Proof)
    {
        public static GrantResponse From(GrantView g) => new(g.Grant.Id, g.Grant.Grantee.ToString().ToLowerInvariant(), g.Grant.GranteeId, g.GranteeName,
            Enum.GetValues<Core.Records.ConsentCategories>().Where(c => c is not (Core.Records.ConsentCategories.None or Core.Records.ConsentCategories.All) && g.Grant.Categories.HasFlag(c))
                .Select(c => c.ToString().ToLowerInvariant()).ToList(),
            g.Grant.ExpiresAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)g.Grant.ExpiresAt),
            DateTimeOffset.FromUnixTimeMilliseconds((long)g.Grant.GrantedAt),
            g.Grant.RevokedAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)g.Grant.RevokedAt), g.Active, ProofResponse.From(g.Grant.Proof));
    }

    public sealed record DisclosureResponse(string ActorId, string ActorRole, string PatientId, string Resource, string Purpose, string Outcome, DateTimeOffset At, ulong Height)
    {
        public static DisclosureResponse From(DisclosureView d) => new(d.Event.ActorId, d.Event.ActorRole, d.Event.PatientId, d.Event.Resource, d.Event.Purpose,
            d.Event.Allowed ? "allowed" : "denied", DateTimeOffset.FromUnixTimeMilliseconds((long)d.Event.At), d.Height);
    }

    public static IEndpointRouteBuilder MapConsentApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients/{patientId}").WithTags("Consent and disclosures").RequireSession();
        group.MapGet("/grants", (string patientId, HttpContext http, ConsentService consent) =>
                ApiResults.From(consent.Grants(http.Session(), patientId), g => Results.Ok(g.Select(GrantResponse.From).ToList())))
            .WithName("ListGrants").WithSummary("The patient's grants, active and past (the patient, or an admin)").Produces<List<GrantResponse>>().ProducesProblem(404);
        group.MapPost("/grants", async (string patientId, GrantInput input, HttpContext http, ConsentService consent, CancellationToken ct) =>
                ApiResults.From(await consent.GrantAsync(http.Session(), patientId, input, ct), r => Results.Created($"/api/v1/patients/{patientId}/grants", new WriteResponse(r.Id, r.TransactionId, r.Height, null))))
            .WithName("Grant").WithSummary("The patient grants a doctor or organisation access: granteeKind, granteeId, categories (all | demographics, encounters, account, reports), optional expiresAt")
            .Produces<WriteResponse>(201).ProducesValidationProblem();
        group.MapDelete("/grants/{grantId}", async (string patientId, string grantId, HttpContext http, ConsentService consent, CancellationToken ct) =>
                ApiResults.From(await consent.RevokeAsync(http.Session(), patientId, grantId, ct), _ => Results.NoContent()))
            .WithName("Revoke").WithSummary("The patient revokes a grant").Produces(204).ProducesProblem(404);
        group.MapGet("/disclosures", (string patientId, HttpContext http, ConsentService consent) =>
                ApiResults.From(consent.Disclosures(http.Session(), patientId), d => Results.Ok(d.Select(DisclosureResponse.From).ToList())))
            .WithName("ListDisclosures").WithSummary("Who read the patient's data (and who was refused), with time and purpose").Produces<List<DisclosureResponse>>().ProducesProblem(404);

        app.MapGroup("/api/v1/audit").WithTags("Consent and disclosures").RequireSession()
            .MapGet("/", (HttpContext http, ConsentService consent, string? patientId, string? actorId, string? outcome, DateOnly? from, DateOnly? to, string? format) =>
            {
                bool? allowed = outcome switch { "allowed" => true, "denied" => false, _ => null };
                return ApiResults.From(consent.AuditTrail(http.Session(), patientId, actorId, allowed, from, to), rows => string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
                    ? Results.File(System.Text.Encoding.UTF8.GetBytes(HospitalReports.Csv(["at", "actorId", "actorRole", "patientId", "resource", "purpose", "outcome", "block"],
                        rows.Select(r => new object?[] { DateTimeOffset.FromUnixTimeMilliseconds((long)r.Event.At).UtcDateTime, r.Event.ActorId, r.Event.ActorRole, r.Event.PatientId, r.Event.Resource, r.Event.Purpose, r.Event.Allowed ? "allowed" : "denied", r.Height }))),
                        "text/csv", "audit-trail.csv")
                    : Results.Ok(rows.Select(DisclosureResponse.From).ToList()));
            })
            .WithName("AuditTrail").WithSummary("The organisation's disclosure trail (admins): filter by patient, actor, outcome (allowed|denied), dates; CSV with format=csv")
            .Produces<List<DisclosureResponse>>();
        return app;
    }
}
