using HealthLedger.Core.Encoding;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>Withdraws an open proposal; signed by an admin of the proposing organisation.</summary>
/// <param name="ProposalId">The proposal.</param>
public sealed record WithdrawPayload(string ProposalId) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Withdraw;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(ProposalId);
}

/// <summary>Executes <see cref="WithdrawPayload"/>.</summary>
public sealed class WithdrawHandler : TxKindHandler<WithdrawPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Withdraw;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out WithdrawPayload payload)
    {
        r.Text(out var id, Identifiers.MaxLength, "proposal id");
        payload = new WithdrawPayload(id);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(WithdrawPayload p) => Identifiers.IsValid(p.ProposalId) ? TxResult.Ok : Invalid("proposalId", Identifiers.Rule);

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, WithdrawPayload p)
    {
        if (Consortium.RequireMemberAdmin(context, "withdraw a proposal", out var admin) is { } denied) return denied;
        if (Consortium.GetProposal(context.State, p.ProposalId) is not { } proposal) return TxResult.Reject(TxVerdict.NotFound, $"proposal '{p.ProposalId}' does not exist");
        if (proposal.ProposerOrganisationId != admin.OrganisationId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"only an admin of the proposing organisation '{proposal.ProposerOrganisationId}' may withdraw it");
        }
        if (VoteHandler.OpenProblem(proposal, context.Timestamp) is { } closed) return closed;
        context.State.Set(StateKeys.Proposal(p.ProposalId), (proposal with { Status = ProposalStatus.Withdrawn, ClosedAt = context.Timestamp }).Encode());
        return TxResult.Ok;
    }
}
