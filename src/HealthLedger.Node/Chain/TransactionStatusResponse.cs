namespace HealthLedger.Node.Chain;

/// <summary>Where a submitted transaction stands.</summary>
/// <param name="Id">Transaction id.</param>
/// <param name="Status">"pending" (waiting for a block) or "committed".</param>
/// <param name="Height">Block height once committed.</param>
/// <param name="Index">Position in that block.</param>
/// <param name="Outcome">"Ok" or the rejection verdict, once committed.</param>
/// <param name="Reason">Why it was rejected in the block, if it was.</param>
public sealed record TransactionStatusResponse(string Id, string Status, ulong? Height, int? Index, string? Outcome, string? Reason);
