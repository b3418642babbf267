namespace HealthLedger.Core.Verification;

/// <summary>The first thing in a chain that does not match, and why.</summary>
/// <param name="Height">The block, when the problem is in one.</param>
/// <param name="TxIndex">The transaction or receipt index in that block, when it is about one.</param>
/// <param name="TxId">The stored transaction id, when known.</param>
/// <param name="StateKey">The world-state key, when the problem is a state entry.</param>
/// <param name="Message">What does not match.</param>
public sealed record VerifyIssue(ulong? Height, int? TxIndex, string? TxId, string? StateKey, string Message)
{
    /// <summary>A problem with a block as a whole.</summary>
    public static VerifyIssue InBlock(ulong height, string message) => new(height, null, null, null, message);

    /// <summary>A problem with one transaction or receipt of a block.</summary>
    public static VerifyIssue InTransaction(ulong height, int index, string? txId, string message) => new(height, index, txId, null, message);

    /// <summary>A block <see cref="BlockValidator"/> refused, named by its height and, when the verdict is about one, its transaction.</summary>
    public static VerifyIssue InBlock(Ledger.Block block, BlockVerdict verdict) =>
        verdict.TxIndex is { } index
            ? InTransaction(block.Header.Height, index, index < block.Transactions.Count ? block.Transactions[index].Id.ToString() : null, verdict.Reason)
            : InBlock(block.Header.Height, verdict.Reason);

    /// <summary>A problem with a world-state entry.</summary>
    public static VerifyIssue InState(string key, string message) => new(null, null, null, key, message);

    /// <summary>"block 12, transaction 3 (id …): message" or "state entry 'key': message".</summary>
    public override string ToString()
    {
        var where = StateKey is not null ? $"state entry '{StateKey}'"
            : Height is null ? "chain"
            : TxIndex is null ? $"block {Height}"
            : $"block {Height}, transaction {TxIndex}" + (TxId is null ? "" : $" (id {TxId})");
        return $"{where}: {Message}";
    }
}
