namespace HealthLedger.Core.Verification;

/// <summary>A block exactly as a store holds it: raw bytes, not yet trusted.</summary>
/// <param name="Height">The height the store files it under.</param>
/// <param name="Hash">The hash the store keeps beside it.</param>
/// <param name="Header">The encoded header.</param>
/// <param name="Transactions">The stored transactions in index order.</param>
/// <param name="Receipts">The stored receipts in index order.</param>
public sealed record StoredBlock(ulong Height, byte[] Hash, byte[] Header, IReadOnlyList<StoredTransaction> Transactions, IReadOnlyList<byte[]> Receipts);

/// <summary>A stored transaction.</summary>
/// <param name="Index">Position in its block.</param>
/// <param name="Id">The id the store keeps beside it.</param>
/// <param name="Body">The encoded transaction.</param>
public sealed record StoredTransaction(int Index, byte[] Id, byte[] Body);
