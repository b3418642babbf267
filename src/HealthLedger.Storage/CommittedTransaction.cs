using HealthLedger.Core.Ledger;

namespace HealthLedger.Storage;

/// <summary>Where a transaction landed and what became of it.</summary>
/// <param name="Height">Block height.</param>
/// <param name="Index">Position in the block.</param>
/// <param name="Receipt">Its receipt.</param>
public sealed record CommittedTransaction(ulong Height, int Index, Receipt Receipt);
