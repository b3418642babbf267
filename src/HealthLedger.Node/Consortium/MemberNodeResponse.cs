namespace HealthLedger.Node.Consortium;

/// <summary>
/// A member's node: whether it votes, and what this node's peer layer knows of it (for nodes it is connected to: the height
/// they last reported and when; null when unknown). <see cref="ThisNode"/> marks the node answering.
/// </summary>
public sealed record MemberNodeResponse(string Id, string Address, bool Validator, bool ThisNode, bool? Connected, ulong? Height, DateTimeOffset? LastSeen);
