using System.Security.Cryptography;
using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Node.Records;

/// <summary>Serialises record content to JSON and seals it (fresh data key per version), or opens it again.</summary>
public static class RecordSealer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Seals <paramref name="content"/> as version <paramref name="version"/> of <paramref name="recordId"/> for the recipients.</summary>
    public static (SealedRecordRef Ref, byte[] Ciphertext) Seal<T>(string recordId, int version, T content, params EncryptionPublicKey[] recipients)
    {
        var dataKey = RandomNumberGenerator.GetBytes(RecordCrypto.DataKeyLength);
        try
        {
            return Seal(recordId, version, content, dataKey, recipients);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>As <see cref="Seal{T}(string, int, T, EncryptionPublicKey[])"/> with a data key chosen by the caller (a report shares its key with its file).</summary>
    public static (SealedRecordRef Ref, byte[] Ciphertext) Seal<T>(string recordId, int version, T content, byte[] dataKey, IEnumerable<EncryptionPublicKey> recipients)
    {
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(content, Json);
        try
        {
            var aad = SealedRecordRef.Aad(recordId, version);
            var ciphertext = RecordCrypto.Encrypt(dataKey, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), plaintext, aad);
            var envelopes = recipients.Distinct().Select(r => RecordCrypto.Wrap(dataKey, r, RandomNumberGenerator.GetBytes(32), aad)).ToList();
            return (new SealedRecordRef(Hashing.Sha256(ciphertext), ciphertext.Length, envelopes), ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Seals <paramref name="content"/> with <paramref name="dataKey"/> and no per-reader envelope: <paramref name="wrap"/>
    /// wraps the data key under the patient's category key (<see cref="CategoryKeyring"/>).
    /// </summary>
    public static (SealedRecordRef Ref, byte[] Ciphertext) SealUnder<T>(string recordId, int version, T content, byte[] dataKey, Func<byte[], CategoryKeyWrap> wrap)
    {
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(content, Json);
        try
        {
            var ciphertext = RecordCrypto.Encrypt(dataKey, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), plaintext, SealedRecordRef.Aad(recordId, version));
            return (new SealedRecordRef(Hashing.Sha256(ciphertext), ciphertext.Length, [], wrap(dataKey)), ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Decrypts a record with its data key; null when it does not open.</summary>
    public static T? Decrypt<T>(string recordId, int version, SealedRecordRef reference, byte[] ciphertext, byte[] dataKey) where T : class
    {
        if (DecryptBytes(recordId, version, reference, ciphertext, dataKey) is not { } plaintext) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(plaintext, Json);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Decrypts a record with its data key to its plaintext bytes (the caller wipes them); null when it does not open.</summary>
    public static byte[]? DecryptBytes(string recordId, int version, SealedRecordRef reference, byte[] ciphertext, byte[] dataKey) =>
        Hashing.Sha256(ciphertext) == reference.CiphertextHash && RecordCrypto.TryDecrypt(dataKey, ciphertext, SealedRecordRef.Aad(recordId, version), out var plaintext)
            ? plaintext : null;

    /// <summary>The SHA-256 of the plaintext <see cref="Seal{T}(string, int, T, EncryptionPublicKey[])"/> would encrypt.</summary>
    public static Hash256 PlaintextHash<T>(T content) => Hashing.Sha256(JsonSerializer.SerializeToUtf8Bytes(content, Json));

    /// <summary>Unwraps a record's data key for one of its recipients; null when not addressed to them.</summary>
    public static byte[]? OpenDataKey(string recordId, int version, SealedRecordRef reference, EncryptionKeyPair recipient)
    {
        var envelope = reference.Envelopes.FirstOrDefault(e => e.Recipient == recipient.PublicKey);
        return envelope is not null && RecordCrypto.TryUnwrap(envelope, recipient, SealedRecordRef.Aad(recordId, version), out var key) ? key : null;
    }

    /// <summary>The associated data of a report's file (distinct from its content's).</summary>
    public static byte[] FileAad(string reportId, int version) => SealedRecordRef.Aad(reportId + "/file", version);

    /// <summary>Opens a sealed record to its plaintext bytes (the caller wipes them); null when it cannot.</summary>
    public static byte[]? OpenBytes(string recordId, int version, SealedRecordRef reference, byte[] ciphertext, EncryptionKeyPair recipient)
    {
        if (Hashing.Sha256(ciphertext) != reference.CiphertextHash) return null;
        var dataKey = OpenDataKey(recordId, version, reference, recipient);
        if (dataKey is null) return null;
        try
        {
            return RecordCrypto.TryDecrypt(dataKey, ciphertext, SealedRecordRef.Aad(recordId, version), out var plaintext) ? plaintext : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Opens a sealed record with the key pair of one of its recipients; null when it cannot.</summary>
    public static T? Open<T>(string recordId, int version, SealedRecordRef reference, byte[] ciphertext, EncryptionKeyPair recipient) where T : class
    {
        var envelope = reference.Envelopes.FirstOrDefault(e => e.Recipient == recipient.PublicKey);
        if (envelope is null || Hashing.Sha256(ciphertext) != reference.CiphertextHash) return null;
        var aad = SealedRecordRef.Aad(recordId, version);
        if (!RecordCrypto.TryUnwrap(envelope, recipient, aad, out var dataKey)) return null;
        try
        {
            if (!RecordCrypto.TryDecrypt(dataKey, ciphertext, aad, out var plaintext)) return null;
            try
            {
                return JsonSerializer.Deserialize<T>(plaintext, Json);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}
