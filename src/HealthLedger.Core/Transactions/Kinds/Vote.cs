using HealthLedger.Core.Encoding;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// An organisation's vote on an open proposal, signed by one of its admins; each organisation votes once. The vote that
/// makes the approvals reach the threshold applies the action (it holds from the next block); one that leaves the threshold
/// out of reach closes the proposal as rejected.
/// </summary>
/// <param name="ProposalId">The proposal.</param>
/// <param name="Approve">Approve (true) or reject (false).</param>
public sealed record VotePayload(string ProposalId, bool Approve) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Vote;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(ProposalId).Bool(Approve);
}

/// <summary>Executes <see cref="VotePayload"/>.</summary>
public sealed class VoteHandler : TxKindHandler<VotePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Vote;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out VotePayload payload)
    {
        r.Text(out var id, Identifiers.MaxLength, "proposal id");
        r.Bool(out var approve);
        payload = new VotePayload(id, approve);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(VotePayload p) => Identifiers.IsValid(p.ProposalId) ? TxResult.Ok : Invalid("proposalId", Identifiers.Rule);

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, VotePayload p)
    {
        if (Consortium.RequireMemberAdmin(context, "vote", out var admin) is { } denied) return denied;
        if (Consortium.GetProposal(context.State, p.ProposalId) is not { } proposal) return TxResult.Reject(TxVerdict.NotFound, $"proposal '{p.ProposalId}' does not exist");
        if (OpenProblem(proposal, context.Timestamp) is { } closed) return closed;
        if (proposal.Votes.Any(v => v.OrganisationId == admin.OrganisationId))
        {
            return TxResult.Reject(TxVerdict.AlreadyExists, $"organisation '{admin.OrganisationId}' has already voted on proposal '{p.ProposalId}' (each organisation votes once)");
        }
        return Consortium.Settle(context, proposal.WithVote(new ProposalVote(admin.OrganisationId, admin.Id, p.Approve, context.Timestamp)));
    }

    /// <summary>Why votes on <paramref name="proposal"/> are refused at block time <paramref name="now"/>, or null.</summary>
    internal static TxResult? OpenProblem(ProposalState proposal, ulong now)
    {
        if (proposal.Status != ProposalStatus.Open)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"proposal '{proposal.Id}' is closed ({proposal.Status.ToString().ToLowerInvariant()})");
        }
        return now >= proposal.ExpiresAt ? TxResult.Reject(TxVerdict.Conflict, $"proposal '{proposal.Id}' expired at {proposal.ExpiresAt} (block time ms)") : null;
    }
}
