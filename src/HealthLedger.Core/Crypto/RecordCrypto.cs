using System.Security.Cryptography;
using HealthLedger.Core.Primitives;
using NSec.Cryptography;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// Encryption of records (PHI) and wrapping of their data keys. Pure: the host passes every random input
/// (data keys, nonces, ephemeral secrets).
/// <list type="bullet">
/// <item>ciphertext = nonce (12) · AES-256-GCM(data key, nonce, plaintext, aad) · tag (16);</item>
/// <item>envelope: shared = X25519(ephemeral, recipient); kek = HKDF-SHA256(shared, salt = ephemeral ‖ recipient,
/// info = "HealthLedger/envelope/v1" ‖ aad); wrapped = AES-256-GCM(kek, zero nonce, data key). The kek is unique per
/// envelope (fresh ephemeral key), so the fixed nonce is never reused with one key.</item>
/// </list>
/// </summary>
public static class RecordCrypto
{
    /// <summary>Data key length.</summary>
    public const int DataKeyLength = 32;

    /// <summary>AES-GCM nonce length.</summary>
    public const int NonceLength = 12;

    /// <summary>AES-GCM tag length.</summary>
    public const int TagLength = 16;

    private static readonly byte[] EnvelopeInfo = "HealthLedger/envelope/v1"u8.ToArray();

    /// <summary>Encrypts <paramref name="plaintext"/> with a data key; <paramref name="aad"/> binds it to its record.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad)
    {
        var output = new byte[NonceLength + plaintext.Length + TagLength];
        Encrypt(dataKey, nonce, plaintext, aad, output);
        return output;
    }

    /// <summary>
    /// <see cref="Encrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> into a caller's
    /// buffer of exactly the plaintext's length plus the nonce (12) and the tag (16) bytes: nonce, ciphertext, tag.
    /// </summary>
    /// <exception cref="ArgumentException">The nonce is not 12 bytes, or <paramref name="output"/> is not of that length.</exception>
    public static void Encrypt(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad, Span<byte> output)
    {
        if (nonce.Length != NonceLength) throw new ArgumentException("Nonce must be 12 bytes.", nameof(nonce));
        if (output.Length != NonceLength + plaintext.Length + TagLength) throw new ArgumentException($"The output buffer holds {output.Length} bytes, not {NonceLength + plaintext.Length + TagLength}.", nameof(output));
        nonce.CopyTo(output);
        using var aes = new AesGcm(dataKey, TagLength);
        aes.Encrypt(nonce, plaintext, output.Slice(NonceLength, plaintext.Length), output[(NonceLength + plaintext.Length)..], aad);
    }

    /// <summary>Decrypts; false when the key, the aad or any byte is wrong.</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> aad, out byte[] plaintext)
    {
        plaintext = [];
        if (ciphertext.Length < NonceLength + TagLength) return false;
        var output = new byte[ciphertext.Length - NonceLength - TagLength];
        if (!TryDecrypt(dataKey, ciphertext, aad, output)) return false;
        plaintext = output;
        return true;
    }

    /// <summary>
    /// <see cref="TryDecrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ReadOnlySpan{byte}, out byte[])"/> into a caller's buffer
    /// (reused across many decryptions: no allocation per call), which must be exactly the ciphertext's length less the nonce
    /// (12) and the tag (16) bytes; false when the key, the aad or any byte is wrong (the buffer then holds no plaintext).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="plaintext"/> is not of that length.</exception>
    public static bool TryDecrypt(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> aad, Span<byte> plaintext)
    {
        if (ciphertext.Length < NonceLength + TagLength || dataKey.Length != DataKeyLength) return false;
        var length = ciphertext.Length - NonceLength - TagLength;
        if (plaintext.Length != length) throw new ArgumentException($"The plaintext buffer holds {plaintext.Length} bytes, the ciphertext {length}.", nameof(plaintext));
        try
        {
            using var aes = new AesGcm(dataKey, TagLength);
            aes.Decrypt(ciphertext[..NonceLength], ciphertext.Slice(NonceLength, length), ciphertext[^TagLength..], plaintext, aad);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false; // AesGcm has cleared the buffer
        }
        return true;
    }

    /// <summary>Wraps <paramref name="dataKey"/> for <paramref name="recipient"/> with a host-supplied 32-byte ephemeral secret.</summary>
    /// <remarks>
    /// The ephemeral key lives only here, so it is used on the stack (<see cref="X25519"/>) rather than as an NSec key in
    /// guarded memory; the result is the same X25519 and HKDF (RFC 7748, RFC 5869), and the secret and shared value are wiped.
    /// </remarks>
    /// <exception cref="ArgumentException">The ephemeral secret is not 32 bytes, or the recipient key gives an all-zero shared value.</exception>
    public static Envelope Wrap(ReadOnlySpan<byte> dataKey, EncryptionPublicKey recipient, ReadOnlySpan<byte> ephemeralSecret, ReadOnlySpan<byte> aad)
    {
        if (ephemeralSecret.Length != X25519.Length) throw new ArgumentException("An X25519 secret is 32 bytes.", nameof(ephemeralSecret));
        Span<byte> ephemeralPublic = stackalloc byte[X25519.Length];
        Span<byte> recipientBytes = stackalloc byte[X25519.Length];
        Span<byte> shared = stackalloc byte[X25519.Length];
        Span<byte> kek = stackalloc byte[32];
        var wrapped = new byte[Envelope.WrappedLength];
        try
        {
            X25519.PublicKey(ephemeralSecret, ephemeralPublic);
            recipient.CopyTo(recipientBytes);
            if (!X25519.Agree(ephemeralSecret, recipientBytes, shared))
            {
                throw new ArgumentException("The recipient key is not a valid X25519 public key.", nameof(recipient));
            }
            var ephemeral = new EncryptionPublicKey(ephemeralPublic);
            Kek(shared, ephemeral, recipient, aad, kek);
            using var aes = new AesGcm(kek, TagLength);
            aes.Encrypt(stackalloc byte[NonceLength], dataKey, wrapped.AsSpan(0, DataKeyLength), wrapped.AsSpan(DataKeyLength), aad);
            return new Envelope(recipient, ephemeral, wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>Opens an envelope addressed to <paramref name="recipient"/>; false when it is not theirs or was altered.</summary>
    public static bool TryUnwrap(Envelope envelope, EncryptionKeyPair recipient, ReadOnlySpan<byte> aad, out byte[] dataKey)
    {
        dataKey = [];
        if (envelope.Recipient != recipient.PublicKey || envelope.WrappedKey.Length != Envelope.WrappedLength) return false;
        Span<byte> kek = stackalloc byte[32];
        if (!DeriveKek(recipient.Key, envelope.Ephemeral, envelope.Ephemeral, envelope.Recipient, aad, kek)) return false;
        var key = new byte[DataKeyLength];
        try
        {
            using var aes = new AesGcm(kek, TagLength);
            aes.Decrypt(stackalloc byte[NonceLength], envelope.WrappedKey.AsSpan(0, DataKeyLength), envelope.WrappedKey.AsSpan(DataKeyLength), key, aad);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
        dataKey = key;
        return true;
    }

    private static bool DeriveKek(Key privateKey, EncryptionPublicKey peer, EncryptionPublicKey ephemeral, EncryptionPublicKey recipient, ReadOnlySpan<byte> aad, Span<byte> kek)
    {
        Span<byte> peerBytes = stackalloc byte[32];
        peer.CopyTo(peerBytes);
        if (!NSec.Cryptography.PublicKey.TryImport(KeyAgreementAlgorithm.X25519, peerBytes, KeyBlobFormat.RawPublicKey, out var peerKey) || peerKey is null) return false;
        using var shared = KeyAgreementAlgorithm.X25519.Agree(privateKey, peerKey);
        if (shared is null) return false;
        Span<byte> salt = stackalloc byte[64];
        ephemeral.CopyTo(salt);
        recipient.CopyTo(salt[32..]);
        KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(shared, salt, [.. EnvelopeInfo, .. aad], kek);
        return true;
    }

    // HKDF-SHA256 (RFC 5869) as DeriveKek's, from a shared value held in a span.
    private static void Kek(ReadOnlySpan<byte> shared, EncryptionPublicKey ephemeral, EncryptionPublicKey recipient, ReadOnlySpan<byte> aad, Span<byte> kek)
    {
        Span<byte> salt = stackalloc byte[64];
        ephemeral.CopyTo(salt);
        recipient.CopyTo(salt[32..]);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, kek, salt, [.. EnvelopeInfo, .. aad]);
    }
}
