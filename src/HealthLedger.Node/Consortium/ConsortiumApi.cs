using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Consortium;

/// <summary>
/// /api/v1/consortium: the member organisations and their nodes, the governance policy and the proposals (admins and
/// auditors); proposals, votes and withdrawals (admins of active member organisations), each a signed transaction on the chain.
/// </summary>
public static class ConsortiumApi
{
    /// <summary>Maps the consortium endpoints.</summary>
    public static IEndpointRouteBuilder MapConsortiumApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/consortium").WithTags("Consortium").RequireSession();
        group.MapGet("", Get)
            .WithName("GetConsortium").WithSummary("The member organisations (id, name, type, contact, status) and their nodes (address, voting, height and last seen when connected) (admins, auditors)");
        group.MapGet("/policy", GetPolicy)
            .WithName("GetGovernancePolicy").WithSummary("The governance policy: per action, the fraction of active organisations that must approve, and the proposal lifetime (admins, auditors)");
        group.MapGet("/proposals", GetProposals)
            .WithName("GetProposals").WithSummary("Every proposal, open ones first: action, votes per organisation, approvals needed, expiry, status (admins, auditors)");
        group.MapGet("/proposals/{id}", GetProposal)
            .WithName("GetProposal").WithSummary("One proposal (admins, auditors)");
        group.MapPost("/proposals", Propose)
            .WithName("Propose").WithSummary("Propose an action as the admin's organisation: {id?, action: add-organisation|suspend-organisation|reinstate-organisation|remove-organisation|add-node|remove-node|replace-node|change-policy, request (a join request) | organisationId | node {id, organisationId?, signingKey, address} | nodeId | policy {proposalLifetimeHours?, rules[]}}; a node's address must answer (422)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409).ProducesProblem(422);
        group.MapPost("/proposals/{id}/votes", Vote)
            .WithName("VoteOnProposal").WithSummary("The admin's organisation approves or rejects an open proposal: {decision: approve|reject}; one vote per organisation (409 for a second), none after expiry (409)")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/proposals/{id}/withdraw", Withdraw)
            .WithName("WithdrawProposal").WithSummary("An admin of the proposing organisation withdraws its open proposal")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);
        return app;
    }

    private static Results<Ok<ConsortiumResponse>, ProblemHttpResult> Get(HttpContext http, ConsortiumService consortium) =>
        ApiResults.Read(consortium.Members(http.Session()), m => m);

    private static Results<Ok<GovernancePolicyResponse>, ProblemHttpResult> GetPolicy(HttpContext http, ConsortiumService consortium) =>
        ApiResults.Read(consortium.Policy(http.Session()), p => p);

    private static Results<Ok<List<ProposalResponse>>, ProblemHttpResult> GetProposals(HttpContext http, ConsortiumService consortium) =>
        ApiResults.Read(consortium.Proposals(http.Session()), list => list.Select(ProposalResponse.From).ToList());

    private static Results<Ok<ProposalResponse>, ProblemHttpResult> GetProposal(string id, HttpContext http, ConsortiumService consortium) =>
        ApiResults.Read(consortium.Proposal(http.Session(), id), ProposalResponse.From);

    private static async Task<Results<Created<ProposalResponse>, ValidationProblem, ProblemHttpResult>> Propose(ProposalInput input, HttpContext http, ConsortiumService consortium, CancellationToken ct) =>
        ApiResults.Created(await consortium.ProposeAsync(http.Session(), input, ct), p => $"/api/v1/consortium/proposals/{p.State.Id}", ProposalResponse.From);

    private static async Task<Results<Ok<ProposalResponse>, ValidationProblem, ProblemHttpResult>> Vote(string id, VoteInput input, HttpContext http, ConsortiumService consortium, CancellationToken ct) =>
        ApiResults.Ok(await consortium.VoteAsync(http.Session(), id, input, ct), ProposalResponse.From);

    private static async Task<Results<Ok<ProposalResponse>, ValidationProblem, ProblemHttpResult>> Withdraw(string id, HttpContext http, ConsortiumService consortium, CancellationToken ct) =>
        ApiResults.Ok(await consortium.WithdrawAsync(http.Session(), id, ct), ProposalResponse.From);
}
