using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;

namespace HealthLedger.Node.Security;

/// <summary>
/// The keys of the organisation this node serves (custodian of its records): signing, decryption of the records
/// sealed to it, escrow of its users' keys, and the secret of its blind indexes.
/// </summary>
public sealed class OrganisationKeys : IDisposable
{
    private readonly byte[] _blindIndexKey;

    // Seals the node's own at-rest cache of the category keys it opened (never leaves this node).
    private readonly byte[] _cacheKey;

    private OrganisationKeys(string id, string name, UserKeys keys, byte[] blindIndexKey, byte[] cacheKey)
    {
        Id = id;
        Name = name;
        Keys = keys;
        _blindIndexKey = blindIndexKey;
        _cacheKey = cacheKey;
    }

    /// <summary>The organisation id.</summary>
    public string Id { get; }

    /// <summary>The organisation's display name (for printouts).</summary>
    public string Name { get; }

    /// <summary>Its key pairs.</summary>
    public UserKeys Keys { get; }

    /// <summary>Its public encryption key.</summary>
    public EncryptionPublicKey EncryptionKey => Keys.Encryption.PublicKey;

    /// <summary>Loads the organisation key file of a data folder and finds its organisation on the chain.</summary>
    public static OrganisationKeys Load(DataDirectory data, LedgerNode node)
    {
        var secret = DataDirectory.ReadSecret(data.OrganisationKeyPath, UserKeys.SecretLength);
        try
        {
            var keys = UserKeys.FromSecret(secret);
            var signer = node.GetState(StateKeys.Signer(keys.Signing.PublicKey)) is { } bytes ? SignerRecord.TryDecode(bytes) : null;
            var indexKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "HealthLedger/blind-index/v1"u8.ToArray());
            var cacheKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "HealthLedger/category-key-cache/v1"u8.ToArray());
            if (signer is not { Kind: SignerKind.Organisation })
            {
                // A newcomer organisation's node (made by 'consortium request', joined by 'join') before block sync reaches the
                // block that admitted it: its join request names the organisation of this key.
                if (File.Exists(Path.Combine(data.Root, LedgerNode.JoiningMarker)) && JoinRequest.InFolder(data)?.Organisation is { Id: { } pendingId } pending
                    && string.Equals(pending.SigningKey, keys.Signing.PublicKey.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    return new OrganisationKeys(pendingId, pending.Name ?? pendingId, keys, indexKey, cacheKey);
                }
                keys.Dispose();
                CryptographicOperations.ZeroMemory(indexKey);
                CryptographicOperations.ZeroMemory(cacheKey);
                throw new LedgerIntegrityException($"The organisation key in {data.OrganisationKeyPath} belongs to no organisation of this network.");
            }
            var name = node.GetState(StateKeys.Organisation(signer.Id)) is { } o ? OrganisationRecord.TryDecode(o)?.Name ?? signer.Id : signer.Id;
            return new OrganisationKeys(signer.Id, name, keys, indexKey, cacheKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>
    /// A blind index: HMAC-SHA256 of the normalised value (trimmed, upper case) under the organisation's secret.
    /// Equal values give equal indexes; the index reveals nothing without the secret.
    /// </summary>
    public Hash256 BlindIndex(string value) => BlindIndexWith(_blindIndexKey, value);

    /// <summary>The blind index of <paramref name="value"/> under another organisation's blind-index key (unwrapped from an emergency lookup envelope).</summary>
    public static Hash256 BlindIndexWith(ReadOnlySpan<byte> indexKey, string value) =>
        new(HMACSHA256.HashData(indexKey, System.Text.Encoding.UTF8.GetBytes(value.Trim().ToUpperInvariant())));

    /// <summary>
    /// The blind index of a patient's full name and date of birth under this organisation's blind-index key (exact-match
    /// lookup by name + date of birth without the name on the chain; see <see cref="NameDobIndexWith"/>).
    /// </summary>
    public Hash256 NameDobIndex(string fullName, DateOnly dateOfBirth) => NameDobIndexWith(_blindIndexKey, fullName, dateOfBirth);

    /// <summary>
    /// HMAC-SHA256 under <paramref name="indexKey"/> (this or another organisation's blind-index key) of
    /// <c>"HealthLedger/name-dob/v1\n" + normalised name + "\n" + yyyy-MM-dd</c>. The domain prefix keeps it from ever equalling
    /// an MRN's index (an MRN holds letters, digits and '-' only). See <see cref="NormaliseName"/>.
    /// </summary>
    public static Hash256 NameDobIndexWith(ReadOnlySpan<byte> indexKey, string fullName, DateOnly dateOfBirth) =>
        new(HMACSHA256.HashData(indexKey, System.Text.Encoding.UTF8.GetBytes(
            "HealthLedger/name-dob/v1\n" + NormaliseName(fullName) + "\n" + dateOfBirth.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))));

    /// <summary>
    /// A name as the name + date-of-birth index compares it: Unicode NFC, trimmed, inner whitespace runs collapsed to one
    /// space, case-folded (invariant culture). "  ZOË   van  Dyke " and "Zoë van Dyke" are the same; "Zoe" (no diaeresis) is not.
    /// </summary>
    public static string NormaliseName(string fullName)
    {
        var words = fullName.Normalize(System.Text.NormalizationForm.FormC).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(' ', words).ToLowerInvariant().Normalize(System.Text.NormalizationForm.FormC);
    }

    /// <summary>
    /// The organisation's blind-index key wrapped for <paramref name="recipient"/> (an admitted rescuer organisation in a
    /// declared emergency), bound to <paramref name="aad"/>: lets the rescuer's node find this organisation's patients by MRN.
    /// </summary>
    public Core.Crypto.Envelope WrapBlindIndexKey(Core.Primitives.EncryptionPublicKey recipient, ReadOnlySpan<byte> aad) =>
        Core.Crypto.RecordCrypto.Wrap(_blindIndexKey, recipient, RandomNumberGenerator.GetBytes(32), aad);

    /// <summary>
    /// Seals <paramref name="plaintext"/> for this node's own storage (the category-key cache): AES-256-GCM under a key derived
    /// from the organisation's secret (HKDF-SHA256, info <c>HealthLedger/category-key-cache/v1</c>), a fresh random nonce,
    /// bound to <paramref name="aad"/>. Only a node holding the same organisation key opens it.
    /// </summary>
    public byte[] SealCache(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad) =>
        RecordCrypto.Encrypt(_cacheKey, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), plaintext, aad);

    /// <summary>
    /// <see cref="SealCache(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> into a reused buffer of exactly the plaintext's length
    /// plus 28 bytes (nonce and tag): no allocation per frame of a large cache file.
    /// </summary>
    public void SealCache(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad, Span<byte> output)
    {
        Span<byte> nonce = stackalloc byte[RecordCrypto.NonceLength];
        RandomNumberGenerator.Fill(nonce);
        RecordCrypto.Encrypt(_cacheKey, nonce, plaintext, aad, output);
    }

    /// <summary>Opens what <see cref="SealCache(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> sealed; false when it was sealed by another key, for another aad, or altered.</summary>
    public bool TryOpenCache(ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> aad, out byte[] plaintext) =>
        RecordCrypto.TryDecrypt(_cacheKey, sealedBytes, aad, out plaintext);

    /// <summary>
    /// <see cref="TryOpenCache(ReadOnlySpan{byte}, ReadOnlySpan{byte}, out byte[])"/> into a reused buffer of exactly the sealed
    /// length less 28 bytes (nonce and tag): no allocation per frame of a large cache file.
    /// </summary>
    public bool TryOpenCache(ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> aad, Span<byte> plaintext) =>
        RecordCrypto.TryDecrypt(_cacheKey, sealedBytes, aad, plaintext);

    /// <inheritdoc/>
    public void Dispose()
    {
        Keys.Dispose();
        CryptographicOperations.ZeroMemory(_blindIndexKey);
        CryptographicOperations.ZeroMemory(_cacheKey);
    }
}
