using System.Security.Cryptography;

namespace HealthLedger.Core.Crypto;

/// <summary>A user's (or organisation's) two key pairs: Ed25519 to sign, X25519 to receive data keys.</summary>
public sealed class UserKeys : IDisposable
{
    /// <summary>Length of the exported secret: the signing seed followed by the encryption secret.</summary>
    public const int SecretLength = 64;

    private UserKeys(SigningKeyPair signing, EncryptionKeyPair encryption)
    {
        Signing = signing;
        Encryption = encryption;
    }

    /// <summary>The signing key pair.</summary>
    public SigningKeyPair Signing { get; }

    /// <summary>The encryption key pair.</summary>
    public EncryptionKeyPair Encryption { get; }

    /// <summary>Makes the keys from 64 secret bytes (host-supplied randomness or an unsealed secret).</summary>
    public static UserKeys FromSecret(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretLength) throw new ArgumentException($"Expected {SecretLength} bytes.", nameof(secret));
        return new UserKeys(SigningKeyPair.FromSeed(secret[..32]), EncryptionKeyPair.FromSecret(secret[32..]));
    }

    /// <summary>The 64 secret bytes; the caller must wipe them after use.</summary>
    public byte[] ExportSecret()
    {
        var seed = Signing.ExportSeed();
        var secret = Encryption.ExportSecret();
        try
        {
            return [.. seed, .. secret];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Signing.Dispose();
        Encryption.Dispose();
    }
}
