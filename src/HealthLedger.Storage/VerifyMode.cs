namespace HealthLedger.Storage;

/// <summary>How much <see cref="StoreVerifier"/> re-derives.</summary>
public enum VerifyMode
{
    /// <summary>
    /// The start-up check, cheap enough for every start: each block's rows, hash, link, timestamp, transaction root, proposer
    /// signature (and, for genesis, the proposer's membership) and stored receipts root; the stored world state's root against the
    /// tip; every record ciphertext against its hash; the referenced documents by length. No transaction signature is verified
    /// and nothing is re-executed; unreferenced documents are left to the caller (<see cref="VerifyReport.ReferencedDocuments"/>).
    /// </summary>
    Quick,

    /// <summary>
    /// What <c>healthledger verify</c> runs: everything from genesis re-derived with <see cref="Core.Verification.ChainVerifier"/>
    /// (every signature, the proposer against the validators of its height, re-execution and every receipt), every state entry,
    /// every record ciphertext and every document re-hashed, and the commit certificates when asked.
    /// </summary>
    Full,
}
