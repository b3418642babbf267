using HealthLedger.Core.Primitives;
using NSec.Cryptography;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// An Ed25519 key pair made from a 32-byte seed. The seed comes from the host (which owns randomness);
/// signing is deterministic, so the same seed and message always give the same signature.
/// </summary>
public sealed class SigningKeyPair : IDisposable
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private SigningKeyPair(Key key)
    {
        _key = key;
        PublicKey = new SigningPublicKey(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The public half.</summary>
    public SigningPublicKey PublicKey { get; }

    /// <summary>Makes the key pair for a 32-byte seed.</summary>
    public static SigningKeyPair FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed));
        }
        var key = Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        return new SigningKeyPair(key);
    }

    /// <summary>The 32-byte seed; the caller must wipe it after use.</summary>
    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    /// <summary>Signs <paramref name="message"/>.</summary>
    public Signature64 Sign(ReadOnlySpan<byte> message)
    {
        Span<byte> signature = stackalloc byte[Signature64.Length];
        Algorithm.Sign(_key, message, signature);
        return new Signature64(signature);
    }

    /// <summary>Checks an Ed25519 signature. Malformed keys simply do not verify.</summary>
    public static bool Verify(SigningPublicKey signer, ReadOnlySpan<byte> message, Signature64 signature)
    {
        Span<byte> keyBytes = stackalloc byte[32];
        signer.CopyTo(keyBytes);
        if (!NSec.Cryptography.PublicKey.TryImport(Algorithm, keyBytes, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
        {
            return false;
        }
        Span<byte> sig = stackalloc byte[Signature64.Length];
        signature.CopyTo(sig);
        return Algorithm.Verify(publicKey, message, sig);
    }

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}
