using HealthLedger.Core.Primitives;
using NSec.Cryptography;

namespace HealthLedger.Core.Crypto;

/// <summary>An X25519 key pair made from a 32-byte secret supplied by the host.</summary>
public sealed class EncryptionKeyPair : IDisposable
{
    private static readonly KeyAgreementAlgorithm Algorithm = KeyAgreementAlgorithm.X25519;

    private EncryptionKeyPair(Key key)
    {
        Key = key;
        PublicKey = new EncryptionPublicKey(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The public half.</summary>
    public EncryptionPublicKey PublicKey { get; }

    internal Key Key { get; }

    /// <summary>Makes the key pair for a 32-byte secret.</summary>
    public static EncryptionKeyPair FromSecret(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != 32)
        {
            throw new ArgumentException("An X25519 secret is 32 bytes.", nameof(secret));
        }
        return new EncryptionKeyPair(NSec.Cryptography.Key.Import(Algorithm, secret, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>The 32-byte secret; the caller must wipe it after use.</summary>
    public byte[] ExportSecret() => Key.Export(KeyBlobFormat.RawPrivateKey);

    /// <inheritdoc/>
    public void Dispose() => Key.Dispose();
}
