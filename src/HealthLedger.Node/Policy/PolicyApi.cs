using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Policy;

/// <summary>/api/v1/policy: the network policy (read: anyone logged in; change: an admin of the organisation that holds it).</summary>
public static class PolicyApi
{
    /// <summary>Maps the policy endpoints.</summary>
    public static IEndpointRouteBuilder MapPolicyApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/policy").WithTags("Network policy").RequireSession();
        group.MapGet("", Get)
            .WithName("GetPolicy").WithSummary("The network policy: how many days doctors keep access after a discharge and after a visit, its version and where it was set");
        group.MapPut("", Put)
            .WithName("PutPolicy").WithSummary("Change the network policy: {version?, careAfterDischargeDays (0–365), careAfterVisitDays (1–365)} (admins of the organisation that holds it); applies to discharges and visits after it")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);
        return app;
    }

    private static Results<Ok<PolicyResponse>, ValidationProblem, ProblemHttpResult> Get(HttpContext http, PolicyService policy) =>
        ApiResults.Ok(policy.Get(http.Session()), PolicyResponse.From);

    private static async Task<Results<Ok<PolicyResponse>, ValidationProblem, ProblemHttpResult>> Put(PolicyInput input, HttpContext http, PolicyService policy, CancellationToken ct) =>
        ApiResults.Ok(await policy.SaveAsync(http.Session(), input, ct), PolicyResponse.From);
}
