using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Security;

/// <summary>
/// A user's secret keys sealed to their organisation's X25519 key, so that an admin can reset a forgotten password
/// without losing the user's keys (and their access to records already sealed to them).
/// </summary>
public static class KeyEscrow
{
    private static byte[] Aad(string userId) => new CanonicalWriter(64).Raw("HealthLedger/escrow/v1"u8).Text(userId).ToArray();

    /// <summary>Seals <paramref name="secret"/> to <paramref name="organisation"/>.</summary>
    public static byte[] Seal(string userId, ReadOnlySpan<byte> secret, EncryptionPublicKey organisation) => Seal(Aad(userId), secret, organisation);

    /// <summary>Seals <paramref name="secret"/> to <paramref name="organisation"/> with associated data <paramref name="aad"/>.</summary>
    internal static byte[] Seal(byte[] aad, ReadOnlySpan<byte> secret, EncryptionPublicKey organisation)
    {
        var dataKey = RandomNumberGenerator.GetBytes(RecordCrypto.DataKeyLength);
        try
        {
            var ciphertext = RecordCrypto.Encrypt(dataKey, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), secret, aad);
            var w = new CanonicalWriter(256).U8(1);
            RecordCrypto.Wrap(dataKey, organisation, RandomNumberGenerator.GetBytes(32), aad).Write(w);
            return w.Bytes(ciphertext).ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Opens an escrow with the organisation's keys; null when it is not theirs or damaged.</summary>
    public static byte[]? Open(string userId, byte[] escrow, EncryptionKeyPair organisation) => Open(Aad(userId), escrow, organisation);

    /// <summary>Opens what <see cref="Seal(byte[], ReadOnlySpan{byte}, EncryptionPublicKey)"/> sealed; null when not theirs, damaged or bound to other data.</summary>
    internal static byte[]? Open(byte[] aad, byte[] escrow, EncryptionKeyPair organisation)
    {
        var r = new CanonicalReader(escrow);
        if (!r.U8(out var version) || version != 1 || !Envelope.TryRead(ref r, out var envelope)) return null;
        if (!r.Bytes(out var ciphertext, 8192, "escrow") || !r.End()) return null;
        if (!RecordCrypto.TryUnwrap(envelope, organisation, aad, out var dataKey)) return null;
        try
        {
            return RecordCrypto.TryDecrypt(dataKey, ciphertext, aad, out var secret) ? secret : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }
}
