using HealthLedger.Core.Records;

namespace HealthLedger.Node.Records;

/// <summary>One sealed version of a patient's record and the consent category that covers it.</summary>
/// <param name="RecordId">The record's id (the AAD binds the ciphertext and its envelopes to it).</param>
/// <param name="Version">The version (1 for records that are never updated).</param>
/// <param name="Reference">The sealed record on the chain: ciphertext hash, length, envelopes.</param>
/// <param name="Category">The single consent category this version belongs to.</param>
public sealed record SealedVersion(string RecordId, int Version, SealedRecordRef Reference, ConsentCategories Category);
