using HealthLedger.Node.Consortium;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Policy;

/// <summary>
/// /api/v1/policy: the network policy (read: anyone logged in; change: an admin of the organisation that holds it where one
/// organisation may change it — 200 with the new policy —, otherwise, in a consortium, an admin of any active member, whose
/// change becomes a change-network-policy proposal — 202 with the proposal, Location /api/v1/consortium/proposals/{id}).
/// </summary>
public static class PolicyApi
{
    /// <summary>Maps the policy endpoints.</summary>
    public static IEndpointRouteBuilder MapPolicyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/policy").WithTags("Network policy").RequireSession();
        group.MapGet("", Get)
            .WithName("GetPolicy").WithSummary("The network policy: how many days doctors keep access after a discharge and after a visit, its version and where it was set; ETag is the version's entity tag (\"3\") for If-Match");
        group.MapPut("", Put)
            .WithName("PutPolicy").WithSummary("Change the network policy: {version, careAfterDischargeDays (0–365), careAfterVisitDays (1–365)}; version is the one changed (or If-Match: \"<version>\"): none is 400 naming version, an older one 409 naming version and the current one, nothing written or proposed; applies to discharges and visits after it. Where one organisation may change it (admins of the organisation that holds it): 200 with the new policy. In a consortium whose governance policy asks more than one organisation: 202 with the change-network-policy proposal it made (admins of active members), Location its /api/v1/consortium/proposals/{id}")
            .Produces<ProposalResponse>(202)
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409).ProducesProblem(422);
        return app;
    }

    private static Results<Ok<PolicyResponse>, ValidationProblem, ProblemHttpResult> Get(HttpContext http, PolicyService policy) =>
        ApiResults.Ok(policy.Get(http.Session()), p =>
        {
            http.Response.Headers.ETag = EditedVersion.ETag(p.Version);
            return PolicyResponse.From(p);
        });

    private static async Task<Results<Ok<PolicyResponse>, Accepted<ProposalResponse>, ValidationProblem, ProblemHttpResult>> Put(PolicyInput input, HttpContext http, PolicyService policy, CancellationToken ct)
    {
        var outcome = await policy.SaveAsync(http.Session(), input, http.Request.Headers.IfMatch.ToString(), ct);
        if (!outcome.IsOk) return outcome.Kind == OutcomeKind.Invalid ? ApiResults.Invalid(outcome) : ApiResults.Problem(outcome);
        return outcome.Value! switch
        {
            { Proposed: { } proposal } => TypedResults.Accepted($"/api/v1/consortium/proposals/{proposal.State.Id}", ProposalResponse.From(proposal)),
            { Applied: { } applied } => TypedResults.Ok(PolicyResponse.From(applied)),
            _ => ApiResults.Problem(Outcome<PolicyChange>.Failed("The policy change left no record.")),
        };
    }
}
