using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Node.Ledger;

/// <summary>A transaction waiting for a block, with the record ciphertexts it references (by SHA-256).</summary>
/// <param name="Transaction">The transaction.</param>
/// <param name="Blobs">Its record ciphertexts.</param>
public sealed record PendingTransaction(Transaction Transaction, IReadOnlyDictionary<Hash256, byte[]> Blobs);
