namespace HealthLedger.Node.Consortium;

/// <summary>One organisation's vote: <c>approve</c> or <c>reject</c>, by which admin, at which block time.</summary>
public sealed record ProposalVoteResponse(string OrganisationId, string UserId, string Decision, DateTimeOffset At);
