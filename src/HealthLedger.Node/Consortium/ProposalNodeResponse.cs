namespace HealthLedger.Node.Consortium;

/// <summary>A node named by a proposal.</summary>
public sealed record ProposalNodeResponse(string Id, string OrganisationId, string SigningKey, string Address);
