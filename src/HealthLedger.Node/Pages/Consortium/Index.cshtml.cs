using System.Text.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Records;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Consortium;

/// <summary>
/// The consortium (admins and auditors): members and their nodes, the governance policy, open proposals with Approve and
/// Reject for admins whose organisation has not voted, the history; admins propose admitting an organisation by uploading
/// its join request, suspending, reinstating or removing a member, or new care periods (the network policy).
/// </summary>
[Web.FileSizeLimit(ConsortiumIndexModel.MaxRequestBytes, Handler = "Join")]
public sealed class ConsortiumIndexModel(ConsortiumService consortium, Policy.PolicyService networkPolicy) : HospitalPage
{
    /// <summary>Largest join request file read.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    public ConsortiumResponse? Members { get; private set; }

    public GovernancePolicyResponse? Policy { get; private set; }

    /// <summary>The network policy in force (care periods).</summary>
    public Core.Model.PolicyState? NetworkPolicy { get; private set; }

    public IReadOnlyList<ProposalResponse> Open { get; private set; } = [];

    public IReadOnlyList<ProposalResponse> History { get; private set; } = [];

    /// <summary>True when the signed-in user may propose and vote.</summary>
    public bool MayVote { get; private set; }

    /// <summary>Field errors of the last proposal, as "field: message".</summary>
    public IReadOnlyList<string> ProposalErrors { get; private set; } = [];

    public IActionResult OnGet() => Show();

    public async Task<IActionResult> OnPostVoteAsync(string id, string decision, CancellationToken ct)
    {
        var outcome = await consortium.VoteAsync(Me, id, new VoteInput { Decision = decision }, ct);
        return Done(outcome, v => $"Your organisation's vote ({decision}) on proposal {v.State.Id} is recorded: {v.Status}.");
    }

    public async Task<IActionResult> OnPostWithdrawAsync(string id, CancellationToken ct) =>
        Done(await consortium.WithdrawAsync(Me, id, ct), v => $"Proposal {v.State.Id} is withdrawn.");

    public async Task<IActionResult> OnPostStatusAsync(string action, string organisationId, CancellationToken ct) =>
        Done(await consortium.ProposeAsync(Me, new ProposalInput { Action = action, OrganisationId = organisationId }, ct), Proposed);

    /// <summary>
    /// Proposes new care periods on top of the policy version the form was loaded with (its hidden <c>version</c> field): none
    /// is 400 naming <c>version</c>, a policy changed meanwhile 409 naming <c>version</c> and the current one (nothing proposed).
    /// </summary>
    public async Task<IActionResult> OnPostNetworkPolicyAsync(int? careAfterDischargeDays, int? careAfterVisitDays, int? version, CancellationToken ct)
    {
        EditedPolicyVersion = version;
        if (EditedVersion.Check<ProposalView>(version, null, networkPolicy.Current.Version, "network policy", first: 0) is { } stale) return Done(stale, Proposed);
        return Done(await consortium.ProposeAsync(Me, new ProposalInput
        {
            Action = "change-network-policy",
            NetworkPolicy = new Policy.PolicyInput { CareAfterDischargeDays = careAfterDischargeDays, CareAfterVisitDays = careAfterVisitDays, Version = version },
        }, ct), Proposed);
    }

    /// <summary>The network policy version the care-periods form was posted with (kept when refused, so a stale one stays stale).</summary>
    public int? EditedPolicyVersion { get; private set; }

    public async Task<IActionResult> OnPostJoinAsync(IFormFile? request, CancellationToken ct)
    {
        if (request is not { Length: > 0 } || request.Length > MaxRequestBytes)
        {
            FormError = $"Choose the join request file (JSON, made by 'healthledger consortium request', at most {MaxRequestBytes / 1024} KB).";
            return Show();
        }
        JoinRequest? join;
        try
        {
            await using var stream = request.OpenReadStream();
            join = await JsonSerializer.DeserializeAsync<JoinRequest>(stream, JoinRequest.Upload, ct);
        }
        catch (JsonException e)
        {
            FormError = $"The file is not a join request: {e.Message}";
            return Show();
        }
        if (join is null)
        {
            FormError = "The file is not a join request.";
            return Show();
        }
        return Done(await consortium.ProposeAsync(Me, new ProposalInput { Action = "add-organisation", Request = join }, ct), Proposed);
    }

    private static string Proposed(ProposalView v) => $"Proposal {v.State.Id} ({ProposalResponse.Summarise(v.State.Action)}) is {v.Status}.";

    private IActionResult Done(Outcome<ProposalView> outcome, Func<ProposalView, string> message)
    {
        if (outcome.IsOk)
        {
            Flash = message(outcome.Value!);
            return Redirect("/consortium");
        }
        if (outcome.Kind == OutcomeKind.Forbidden) return Denied(outcome.Message);
        if (PendingPage(outcome) is { } pending) return pending;
        FormError = outcome.Message;
        ProposalErrors = (outcome.Errors?.ToDictionary() ?? new Dictionary<string, string[]>()).SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")).ToList();
        Response.StatusCode = outcome.Kind switch
        {
            OutcomeKind.Invalid => 400,
            OutcomeKind.NotFound => 404,
            OutcomeKind.Unprocessable => 422,
            _ => 409,
        };
        return Show();
    }

    private IActionResult Show()
    {
        var members = consortium.Members(Me);
        if (!members.IsOk) return Denied(members.Message);
        Members = members.Value;
        Policy = consortium.Policy(Me).Value;
        NetworkPolicy = networkPolicy.Current;
        var proposals = consortium.Proposals(Me).Value!.Select(ProposalResponse.From).ToList();
        Open = proposals.Where(p => p.Status == "open").ToList();
        History = proposals.Where(p => p.Status != "open").ToList();
        MayVote = consortium.MayVote(Me);
        return Page();
    }
}
