using System.Security.Cryptography;
using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Node.Hospital;

/// <summary>Serialises record content to JSON and seals it (fresh data key per version), or opens it again.</summary>
public static class RecordSealer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Seals <paramref name="content"/> as version <paramref name="version"/> of <paramref name="recordId"/> for the recipients.</summary>
    public static (SealedRecordRef Ref, byte[] Ciphertext) Seal<T>(string recordId, int version, T content, params EncryptionPublicKey[] recipients)
    {
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(content, Json);
        var dataKey = RandomNumberGenerator.GetBytes(RecordCrypto.DataKeyLength);
        try
        {
            var aad = SealedRecordRef.Aad(recordId, version);
            var ciphertext = RecordCrypto.Encrypt(dataKey, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), plaintext, aad);
            var envelopes = recipients.Distinct().Select(r => RecordCrypto.Wrap(dataKey, r, RandomNumberGenerator.GetBytes(32), aad)).ToList();
            return (new SealedRecordRef(Hashing.Sha256(ciphertext), ciphertext.Length, envelopes), ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(plaintext);
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
