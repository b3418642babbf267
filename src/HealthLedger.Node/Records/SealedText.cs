using System.Security.Cryptography;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Records;

/// <summary>
/// A short free text (a referral's reason, a break-glass justification) sealed for a few readers: a fresh 256-bit key,
/// AES-256-GCM over the UTF-8 text with a random nonce, and one X25519 envelope of that key per reader
/// (<see cref="RecordCrypto"/>), all bound to <c>aad</c> (which names what the text belongs to). The node's side of the sealed
/// texts the chain stores as ciphertext and envelopes.
/// </summary>
public static class SealedText
{
    /// <summary>The ciphertext and one envelope per reader, in the readers' order.</summary>
    public static (byte[] Ciphertext, IReadOnlyList<Envelope> Envelopes) Seal(string text, byte[] aad, IEnumerable<EncryptionPublicKey> readers)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(readers);
        var key = RandomNumberGenerator.GetBytes(RecordCrypto.DataKeyLength);
        try
        {
            var ciphertext = RecordCrypto.Encrypt(key, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), Encoding.UTF8.GetBytes(text), aad);
            return (ciphertext, readers.Select(r => RecordCrypto.Wrap(key, r, RandomNumberGenerator.GetBytes(32), aad)).ToList());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The text opened with <paramref name="reader"/>'s key, or null when it is not sealed for them or does not open.</summary>
    public static string? Open(byte[] ciphertext, IReadOnlyList<Envelope> envelopes, byte[] aad, EncryptionKeyPair reader)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        ArgumentNullException.ThrowIfNull(reader);
        if (envelopes.FirstOrDefault(e => e.Recipient == reader.PublicKey) is not { } envelope || !RecordCrypto.TryUnwrap(envelope, reader, aad, out var key)) return null;
        try
        {
            return RecordCrypto.TryDecrypt(key, ciphertext, aad, out var text) ? Encoding.UTF8.GetString(text) : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
