using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// Opens sealed records with the organisation's key for the read model: the ciphertext comes from the block being
/// committed (<paramref name="blobs"/>) or from the store; the data key from the organisation's envelope, or from the
/// patient's category key that the organisation holds (<see cref="CategoryKeyring"/>, one key agreement per patient,
/// category and epoch). Records not sealed for the organisation open to null.
/// </summary>
public sealed class RecordOpener(LedgerNode node, OrganisationKeys organisation, CategoryKeyring keyring, IReadOnlyDictionary<Hash256, byte[]>? blobs)
{
    /// <summary>The decrypted content of version <paramref name="version"/> of <paramref name="id"/>, or null.</summary>
    public T? Open<T>(string id, int version, SealedRecordRef reference) where T : class
    {
        if (reference.KeyWrap is null && !reference.HasEnvelopeFor(organisation.EncryptionKey)) return null;
        var ciphertext = blobs is not null && blobs.TryGetValue(reference.CiphertextHash, out var b) ? b : node.Store.ReadBlob(reference.CiphertextHash);
        return ciphertext is null ? null : keyring.Open<T>(id, version, reference, ciphertext, organisation.Keys.Encryption);
    }
}
