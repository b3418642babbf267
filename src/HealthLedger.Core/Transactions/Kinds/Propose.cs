using HealthLedger.Core.Encoding;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Proposes a consortium action (<see cref="ProposedAction"/>): admit, suspend, reinstate or remove an organisation, add,
/// remove or replace a node, change the governance policy. Signed by an admin of an active member organisation, whose
/// organisation counts as approving. Checked against the state at once (a proposal that could not be applied is refused);
/// applied at once when that approval alone meets the threshold or the policy lets the organisation act alone on its own node.
/// </summary>
/// <param name="ProposalId">The new proposal's id (never reused).</param>
/// <param name="Action">What it does.</param>
public sealed record ProposePayload(string ProposalId, ProposedAction Action) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Propose;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(ProposalId);
        Action.Write(writer);
    }
}

/// <summary>Executes <see cref="ProposePayload"/>.</summary>
public sealed class ProposeHandler : TxKindHandler<ProposePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Propose;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ProposePayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "proposal id");
        if (!ProposedAction.TryRead(ref r, out var action)) return false;
        payload = new ProposePayload(id, action);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ProposePayload p)
    {
        if (!Identifiers.IsValid(p.ProposalId)) return Invalid("proposalId", Identifiers.Rule);
        return p.Action.Problem() is { } problem ? TxResult.Reject(TxVerdict.InvalidField, problem) : TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ProposePayload p)
    {
        if (Consortium.RequireMemberAdmin(context, "propose", out var admin) is { } denied) return denied;
        if (context.State.Contains(StateKeys.Proposal(p.ProposalId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"proposal id '{p.ProposalId}' is taken");
        var check = Consortium.CheckProposal(context, p.Action);
        if (!check.IsOk) return TxResult.Reject(check.Verdict, $"{p.Action.Action} cannot be applied: {check.Reason}");
        var policy = GovernancePolicy.Read(context.State);
        var alone = policy.Rule(p.Action.Action).SelfService && Consortium.OwnerOf(context.State, p.Action) == admin.OrganisationId;
        var proposal = new ProposalState(p.ProposalId, p.Action, admin.OrganisationId, admin.Id, context.Timestamp,
            context.Timestamp + policy.LifetimeOf(p.Action.Action), ProposalStatus.Open, 0, [new ProposalVote(admin.OrganisationId, admin.Id, true, context.Timestamp)]);
        Consortium.NoteProposal(context.State, proposal);
        return Consortium.Settle(context, proposal, alone);
    }
}
