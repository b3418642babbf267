namespace HealthLedger.Node.Consortium;

/// <summary>The consortium as this node sees it: the network, this node and every organisation ever admitted.</summary>
public sealed record ConsortiumResponse(string NetworkId, string NodeId, ulong Height, int ActiveOrganisations, IReadOnlyList<MemberResponse> Organisations);
