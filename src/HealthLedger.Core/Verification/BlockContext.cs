using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;

namespace HealthLedger.Core.Verification;

/// <summary>
/// Finds the first transaction whose signature does not verify on <paramref name="networkId"/>; returns its index, or −1.
/// The host may verify in parallel; the answer must be the lowest bad index so that every node names the same one.
/// </summary>
public delegate int TransactionSignatureCheck(IReadOnlyList<Transaction> transactions, string networkId);

/// <summary>
/// What a block is checked against by <see cref="BlockValidator.Validate"/>: everything that is not in the block itself.
/// All inputs are values: the caller reads its clock, store and state; the validator does no I/O.
/// </summary>
/// <remarks>
/// For genesis (<see cref="Previous"/> null) the validators are the nodes the genesis transaction names, and the network
/// id is taken from it when <see cref="NetworkId"/> is null (the offline verifier meets the network there).
/// </remarks>
public sealed record BlockContext
{
    /// <summary>The network the block must belong to (its signatures are bound to it). Null only for genesis, whose transaction names it.</summary>
    public string? NetworkId { get; init; }

    /// <summary>The header of the block before; null when the block must be genesis.</summary>
    public BlockHeader? Previous { get; init; }

    /// <summary>
    /// The signing keys of the validators that decide the block (the set in the state after the previous block). Required
    /// after genesis, except in the start-up check of a store (<see cref="VerifyTransactionSignatures"/> false), which has no
    /// state per height: then only the proposer's signature is checked, not its membership.
    /// </summary>
    public IReadOnlyList<SigningPublicKey>? Validators { get; init; }

    /// <summary>Most transactions a block may hold (the network policy's <c>MaxBlockTxs</c>); null for no limit beyond the header's own.</summary>
    public int? MaxTransactions { get; init; }

    /// <summary>The latest timestamp accepted (Unix ms: the caller's clock plus the skew it tolerates); null for no upper bound (offline verification).</summary>
    public ulong? LatestTimestamp { get; init; }

    /// <summary>Whether every transaction's signature is verified (the start-up quick check binds them by the transaction root only).</summary>
    public bool VerifyTransactionSignatures { get; init; } = true;

    /// <summary>How transaction signatures are verified; null verifies them one after the other.</summary>
    public TransactionSignatureCheck? SignatureCheck { get; init; }
}
