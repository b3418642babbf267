using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// Opens sealed records with the organisation's key for the read model: the ciphertext comes from the block being
/// committed (<paramref name="blobs"/>) or from the store; the data key from the organisation's envelope, or from the
/// patient's category key that the organisation holds (<see cref="CategoryKeyring"/>, one key agreement per patient,
/// category and epoch). Records not sealed for the organisation open to null. With <paramref name="reader"/> (a grantee
/// doctor's keys, from their session at this node) the records open with that reader's key instead: the category keys a
/// patient of another organisation wrapped for them.
/// </summary>
public sealed class RecordOpener(LedgerNode node, OrganisationKeys organisation, CategoryKeyring keyring, IReadOnlyDictionary<Hash256, byte[]>? blobs,
    EncryptionKeyPair? reader = null)
{
    /// <summary>True when this opener opens with a grantee's keys rather than the organisation's.</summary>
    public bool ForGrantee => reader is not null;

    /// <summary>The decrypted content of version <paramref name="version"/> of <paramref name="id"/>, or null.</summary>
    public T? Open<T>(string id, int version, SealedRecordRef reference) where T : class
    {
        var key = reader ?? organisation.Keys.Encryption;
        if (reference.KeyWrap is null && !reference.HasEnvelopeFor(key.PublicKey)) return null;
        if (reference.KeyWrap is { } wrap && reader is not null && !HoldsCategoryKey(wrap, key.PublicKey)) return null; // no X25519 for records not theirs
        var ciphertext = blobs is not null && blobs.TryGetValue(reference.CiphertextHash, out var b) ? b : node.Store.ReadBlob(reference.CiphertextHash);
        return ciphertext is null ? null : keyring.Open<T>(id, version, reference, ciphertext, key);
    }

    private bool HoldsCategoryKey(CategoryKeyWrap wrap, EncryptionPublicKey key) =>
        (node.GetState(CategoryKeyState.Key(wrap.PatientId, wrap.Category, wrap.Epoch)) is { } bytes ? CategoryKeyState.TryDecode(bytes)?.Readers : wrap.NewEpoch)
            ?.Any(r => r.Envelope.Recipient == key) == true;
}
