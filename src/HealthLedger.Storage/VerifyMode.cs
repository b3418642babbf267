namespace HealthLedger.Storage;

/// <summary>How much <see cref="StoreVerifier"/> re-derives.</summary>
public enum VerifyMode
{
    /// <summary>
    /// The start-up check, cheap enough for every start: each block's rows, hash, link, timestamp, transaction root, proposer
    /// signature (and, for genesis, the proposer's membership) and stored receipts root; the tip record; every commit certificate
    /// (without membership); the stored world state's root against the tip and its rows' heights not after it; every record
    /// ciphertext against its hash and height; every referenced document re-hashed. No transaction signature is verified and
    /// nothing is re-executed; unreferenced documents are left to the caller (<see cref="VerifyReport.ReferencedDocuments"/>; those it may set aside: not in <see cref="VerifyReport.KeptDocuments"/>).
    /// Given the <see cref="CheckedPrefix"/> of an earlier passing check whose last block is still stored with its hash, the
    /// blocks up to there and their ciphertexts are not read again (only the ciphertexts later blocks reference, by hash), and
    /// the documents whose files are unchanged since are not re-hashed: a start costs the blocks added since, the most recent
    /// <see cref="StoreVerifier.RecentWindow"/> blocks and the world state. What it took on trust is the integrity sweep's
    /// (<see cref="StoreVerifier.Sweep"/>) after the start, and <c>healthledger verify</c>'s.
    /// </summary>
    Quick,

    /// <summary>
    /// What <c>healthledger verify</c> runs: everything from genesis re-derived with <see cref="Core.Verification.ChainVerifier"/>
    /// (every signature, the proposer against the validators of its height, re-execution and every receipt), every state entry,
    /// every record ciphertext and every document re-hashed, and the commit certificates when asked.
    /// </summary>
    Full,
}
