using HealthLedger.Core.Records;

namespace HealthLedger.Node.Pages;

/// <summary>
/// What the "verified record" badge (<c>Pages/Shared/_Verified.cshtml</c>) shows: the ledger proof of one record version
/// (block height, transaction id, block time) and who signed it. <paramref name="Signer"/> is the signer's name when the
/// page knows it; null lets the badge read it from the block (<see cref="People.PersonNames.SignerOf"/>).
/// </summary>
public sealed record VerifiedRecord(RecordProof Proof, string? Signer = null);
