using HealthLedger.Core.Transactions;

namespace HealthLedger.Core.Ledger;

/// <summary>A block: its header and its transactions in order.</summary>
/// <param name="Header">The signed header.</param>
/// <param name="Transactions">The transactions; their ids' Merkle root is <see cref="BlockHeader.TxRoot"/>.</param>
public sealed record Block(BlockHeader Header, IReadOnlyList<Transaction> Transactions);
