using System.Security.Cryptography;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// The key hierarchy's symmetric step: a record's data key wrapped under its patient's category key (a 32-byte
/// key-encryption key per patient × consent category × epoch), so that a reader who holds the category key opens every
/// record of the category without an X25519 agreement per record, and a grant wraps one key per category epoch.
/// Pure: the host passes the keys and the nonce.
/// <list type="bullet">
/// <item>wrapped = nonce (12) · AES-256-GCM(category key, nonce, data key, aad) · tag (16) — 60 bytes; the aad
/// (<see cref="DataKeyAad"/>) binds the wrap to patient, category, epoch, record id and version, so a wrapped key cannot
/// be moved to another record, version, category or epoch;</item>
/// <item>the category key itself travels to each reader in an <see cref="Envelope"/> (X25519 + HKDF + AES-GCM) with
/// the aad <see cref="CategoryKeyAad"/> (patient, category, epoch);</item>
/// <item>the key chain (lazy revocation by key wrapping, as in Plutus, Kallahalla et al., FAST 2003, and the key regression
/// of Fu, Kamara and Kohno, NDSS 2006): an epoch e ≥ 2 may carry the key of epoch e − 1 sealed under its own key
/// (<see cref="SealPreviousKey"/>, 60 bytes, aad <see cref="PreviousKeyAad"/>), so that whoever holds epoch e's key also opens
/// every earlier epoch's by AES-GCM alone, and a grant wraps one key per category, not one per epoch. A reader removed at a
/// rotation holds only the epochs before it: the chain runs backwards only.</item>
/// </list>
/// Random 96-bit nonces under one category key are safe far beyond any patient's number of records (2^32 wraps).
/// </summary>
public static class CategoryKeyCrypto
{
    /// <summary>Category key length.</summary>
    public const int KeyLength = 32;

    /// <summary>Length of a data key wrapped under a category key.</summary>
    public const int WrappedLength = RecordCrypto.NonceLength + RecordCrypto.DataKeyLength + RecordCrypto.TagLength;

    /// <summary>The associated data of a category key's envelopes: patient, category, epoch.</summary>
    public static byte[] CategoryKeyAad(string patientId, byte category, int epoch) =>
        new CanonicalWriter(64).Raw("HealthLedger/category-key/v1"u8).Text(patientId).U8(category).VarUInt((ulong)epoch).ToArray();

    /// <summary>The associated data of a data key wrapped under a category key: patient, category, epoch, record id, version.</summary>
    public static byte[] DataKeyAad(string patientId, byte category, int epoch, string recordId, int version) =>
        new CanonicalWriter(96).Raw("HealthLedger/data-key/v1"u8).Text(patientId).U8(category).VarUInt((ulong)epoch).Text(recordId).VarUInt((ulong)version).ToArray();

    /// <summary>The associated data of a previous epoch's key sealed under its successor: patient, category, the previous epoch.</summary>
    public static byte[] PreviousKeyAad(string patientId, byte category, int previousEpoch) =>
        new CanonicalWriter(64).Raw("HealthLedger/category-key-link/v1"u8).Text(patientId).U8(category).VarUInt((ulong)previousEpoch).ToArray();

    /// <summary>
    /// Seals the key of epoch <paramref name="epoch"/> − 1 (<paramref name="previousKey"/>) under the key of epoch
    /// <paramref name="epoch"/> with a host-supplied 12-byte nonce: <see cref="WrappedLength"/> bytes.
    /// </summary>
    /// <exception cref="ArgumentException">A key is not 32 bytes, or <paramref name="epoch"/> is below 2.</exception>
    public static byte[] SealPreviousKey(ReadOnlySpan<byte> categoryKey, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> previousKey, string patientId, byte category, int epoch)
    {
        if (categoryKey.Length != KeyLength || previousKey.Length != KeyLength) throw new ArgumentException("A category key is 32 bytes.");
        if (epoch < 2) throw new ArgumentOutOfRangeException(nameof(epoch), "Only an epoch after the first has a previous key.");
        return RecordCrypto.Encrypt(categoryKey, nonce, previousKey, PreviousKeyAad(patientId, category, epoch - 1));
    }

    /// <summary>Opens the key of epoch <paramref name="epoch"/> − 1 sealed under epoch <paramref name="epoch"/>'s key; false when any byte or key is wrong.</summary>
    public static bool TryOpenPreviousKey(ReadOnlySpan<byte> categoryKey, ReadOnlySpan<byte> sealedPrevious, string patientId, byte category, int epoch, out byte[] previousKey)
    {
        previousKey = [];
        if (categoryKey.Length != KeyLength || sealedPrevious.Length != WrappedLength || epoch < 2) return false;
        return RecordCrypto.TryDecrypt(categoryKey, sealedPrevious, PreviousKeyAad(patientId, category, epoch - 1), out previousKey) && previousKey.Length == KeyLength;
    }

    /// <summary>Wraps <paramref name="dataKey"/> under <paramref name="categoryKey"/> with a host-supplied 12-byte nonce.</summary>
    public static byte[] WrapDataKey(ReadOnlySpan<byte> categoryKey, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> aad)
    {
        if (categoryKey.Length != KeyLength) throw new ArgumentException("A category key is 32 bytes.", nameof(categoryKey));
        if (dataKey.Length != RecordCrypto.DataKeyLength) throw new ArgumentException("A data key is 32 bytes.", nameof(dataKey));
        return RecordCrypto.Encrypt(categoryKey, nonce, dataKey, aad);
    }

    /// <summary>Opens a wrapped data key; false when the category key, the aad or any byte is wrong.</summary>
    public static bool TryUnwrapDataKey(ReadOnlySpan<byte> categoryKey, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> aad, out byte[] dataKey)
    {
        dataKey = [];
        if (categoryKey.Length != KeyLength || wrapped.Length != WrappedLength) return false;
        return RecordCrypto.TryDecrypt(categoryKey, wrapped, aad, out dataKey);
    }

    /// <summary>Wraps a category key for one reader (an <see cref="Envelope"/>) with a host-supplied 32-byte ephemeral secret.</summary>
    public static Envelope WrapForReader(ReadOnlySpan<byte> categoryKey, EncryptionPublicKey reader, ReadOnlySpan<byte> ephemeralSecret, string patientId, byte category, int epoch) =>
        RecordCrypto.Wrap(categoryKey, reader, ephemeralSecret, CategoryKeyAad(patientId, category, epoch));

    /// <summary>Opens a category key's envelope addressed to <paramref name="reader"/>; false when it is not theirs or was altered.</summary>
    public static bool TryOpenForReader(Envelope envelope, EncryptionKeyPair reader, string patientId, byte category, int epoch, out byte[] categoryKey) =>
        RecordCrypto.TryUnwrap(envelope, reader, CategoryKeyAad(patientId, category, epoch), out categoryKey);
}
