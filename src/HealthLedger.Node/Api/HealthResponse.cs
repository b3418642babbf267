namespace HealthLedger.Node.Api;

/// <summary>The node's health and position.</summary>
/// <param name="Status">"ok" once the node serves.</param>
/// <param name="Network">Network id.</param>
/// <param name="Node">This node's id.</param>
/// <param name="Height">Height of the last committed block.</param>
/// <param name="TipHash">Hash of the last committed block.</param>
/// <param name="StateRoot">World-state root after it.</param>
/// <param name="Pending">Transactions waiting in the mempool.</param>
public sealed record HealthResponse(string Status, string Network, string Node, ulong Height, string TipHash, string StateRoot, int Pending);
