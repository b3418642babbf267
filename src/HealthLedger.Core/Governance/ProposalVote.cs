namespace HealthLedger.Core.Governance;

/// <summary>One organisation's vote on a proposal.</summary>
/// <param name="OrganisationId">The voting organisation (each votes once).</param>
/// <param name="UserId">The admin who signed the vote.</param>
/// <param name="Approve">Approve or reject.</param>
/// <param name="At">Block time of the vote (Unix ms).</param>
public sealed record ProposalVote(string OrganisationId, string UserId, bool Approve, ulong At);
