namespace HealthLedger.Core.Verification;

/// <summary>Why <see cref="BlockValidator"/> refused a block; <see cref="None"/> when it passed. Each value is one rule.</summary>
public enum BlockRefusal
{
    /// <summary>The block passed every check.</summary>
    None = 0,

    /// <summary>The header's height is not the one after the previous block (0 for genesis).</summary>
    WrongHeight,

    /// <summary>The header's previous hash is not the previous block's hash (all zeros for genesis).</summary>
    WrongPreviousHash,

    /// <summary>The timestamp is earlier than the previous block's.</summary>
    TimestampBeforePrevious,

    /// <summary>The timestamp is later than the latest the caller allows (its clock plus the tolerated skew).</summary>
    TimestampTooFarAhead,

    /// <summary>The header's transaction count differs from the number of transactions.</summary>
    TxCountMismatch,

    /// <summary>The block holds more transactions than the network's policy allows.</summary>
    TooManyTransactions,

    /// <summary>A transaction does not decode within the network's size limit; <see cref="BlockVerdict.TxIndex"/> names it.</summary>
    UndecodableTransaction,

    /// <summary>Block 0 does not hold exactly one genesis transaction of the expected network.</summary>
    NotGenesis,

    /// <summary>A block after genesis holds a genesis transaction.</summary>
    GenesisOutOfPlace,

    /// <summary>The proposer is not one of the validators that decide this block.</summary>
    UnknownProposer,

    /// <summary>The proposer's signature over the header does not verify.</summary>
    BadProposerSignature,

    /// <summary>The transaction root in the header is not the Merkle root of the transactions' ids.</summary>
    TxRootMismatch,

    /// <summary>A transaction's signature does not verify; <see cref="BlockVerdict.TxIndex"/> names it.</summary>
    BadTransactionSignature,

    /// <summary>Re-executing genesis rejects its transaction, so it configures no network.</summary>
    GenesisRejected,

    /// <summary>Re-executing the block gives another state root than the header's.</summary>
    StateRootMismatch,

    /// <summary>Re-executing the block gives other receipts than the header's receipts root commits to.</summary>
    ReceiptsRootMismatch,

    /// <summary>The block carries a ciphertext that no transaction of it references.</summary>
    UnreferencedCiphertext,

    /// <summary>A carried ciphertext's SHA-256 or length differs from its record reference.</summary>
    CiphertextMismatch,

    /// <summary>An accepted transaction's record ciphertext is neither carried with the block nor stored already.</summary>
    CiphertextMissing,
}
