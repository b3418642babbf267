using System.Security.Cryptography;
using NSec.Cryptography;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// Seals and opens secrets (users' private keys) with a password. Pure: the host passes the random salt and nonce.
/// </summary>
public static class PasswordSealing
{
    private static readonly byte[] VerifierInfo = "HealthLedger/password-verifier/v1"u8.ToArray();
    private static readonly byte[] KekInfo = "HealthLedger/key-encryption-key/v1"u8.ToArray();

    /// <summary>Salt length required by Argon2id in libsodium.</summary>
    public const int SaltLength = 16;

    /// <summary>AES-GCM nonce length.</summary>
    public const int NonceLength = 12;

    /// <summary>Seals <paramref name="secret"/> under <paramref name="password"/>; <paramref name="context"/> is bound as associated data.</summary>
    public static SealedSecret Seal(string password, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> context,
        ReadOnlySpan<byte> salt, ReadOnlySpan<byte> nonce, Argon2Parameters parameters)
    {
        if (salt.Length != SaltLength) throw new ArgumentException("Salt must be 16 bytes.", nameof(salt));
        if (nonce.Length != NonceLength) throw new ArgumentException("Nonce must be 12 bytes.", nameof(nonce));
        Span<byte> verifier = stackalloc byte[32];
        Span<byte> kek = stackalloc byte[32];
        Derive(password, salt, parameters, verifier, kek);
        var ciphertext = new byte[secret.Length + 16];
        using (var aes = new AesGcm(kek, 16))
        {
            aes.Encrypt(nonce, secret, ciphertext.AsSpan(0, secret.Length), ciphertext.AsSpan(secret.Length), context);
        }
        CryptographicOperations.ZeroMemory(kek);
        return new SealedSecret(parameters, salt.ToArray(), verifier.ToArray(), nonce.ToArray(), ciphertext);
    }

    /// <summary>True when <paramref name="password"/> is the one <paramref name="sealedSecret"/> was sealed with.</summary>
    public static bool CheckPassword(string password, SealedSecret sealedSecret) => TryOpen(password, sealedSecret, default, out _, verifyOnly: true);

    /// <summary>Opens a sealed secret. False when the password is wrong or the data was altered.</summary>
    public static bool TryOpen(string password, SealedSecret sealedSecret, ReadOnlySpan<byte> context, out byte[] secret) =>
        TryOpen(password, sealedSecret, context, out secret, verifyOnly: false);

    private static bool TryOpen(string password, SealedSecret sealedSecret, ReadOnlySpan<byte> context, out byte[] secret, bool verifyOnly)
    {
        secret = [];
        if (sealedSecret.Salt.Length != SaltLength || sealedSecret.Nonce.Length != NonceLength || sealedSecret.Ciphertext.Length < 16)
        {
            return false;
        }
        Span<byte> verifier = stackalloc byte[32];
        Span<byte> kek = stackalloc byte[32];
        try
        {
            Derive(password, sealedSecret.Salt, sealedSecret.Parameters, verifier, kek);
            if (!CryptographicOperations.FixedTimeEquals(verifier, sealedSecret.Verifier)) return false;
            if (verifyOnly) return true;
            var length = sealedSecret.Ciphertext.Length - 16;
            var plain = new byte[length];
            using var aes = new AesGcm(kek, 16);
            aes.Decrypt(sealedSecret.Nonce, sealedSecret.Ciphertext.AsSpan(0, length), sealedSecret.Ciphertext.AsSpan(length), plain, context);
            secret = plain;
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private static void Derive(string password, ReadOnlySpan<byte> salt, Argon2Parameters parameters, Span<byte> verifier, Span<byte> kek)
    {
        var argon = PasswordBasedKeyDerivationAlgorithm.Argon2id(new NSec.Cryptography.Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = parameters.MemoryKiB,
            NumberOfPasses = parameters.Passes,
        });
        Span<byte> master = stackalloc byte[32];
        var passwordBytes = System.Text.Encoding.UTF8.GetBytes(password);
        try
        {
            argon.DeriveBytes(passwordBytes, salt, master);
            HKDF.Expand(HashAlgorithmName.SHA256, master, verifier, VerifierInfo);
            HKDF.Expand(HashAlgorithmName.SHA256, master, kek, KekInfo);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }
}
