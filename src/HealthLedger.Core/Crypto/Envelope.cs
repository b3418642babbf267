using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// A data key wrapped for one recipient: X25519(ephemeral, recipient) → HKDF-SHA256 → AES-256-GCM over the data key
/// (a sealed box in the manner of HPKE's base mode). Only the holder of the recipient's private key can open it.
/// </summary>
/// <param name="Recipient">The recipient's X25519 public key.</param>
/// <param name="Ephemeral">The one-time X25519 public key of the sender.</param>
/// <param name="WrappedKey">The encrypted 32-byte data key with its 16-byte tag.</param>
public sealed record Envelope(EncryptionPublicKey Recipient, EncryptionPublicKey Ephemeral, byte[] WrappedKey)
{
    /// <summary>Length of <see cref="WrappedKey"/>.</summary>
    public const int WrappedLength = RecordCrypto.DataKeyLength + 16;

    /// <summary>Writes the envelope.</summary>
    public void Write(CanonicalWriter w) => w.Key(Recipient).Key(Ephemeral).Raw(WrappedKey);

    /// <summary>Reads an envelope.</summary>
    public static bool TryRead(ref CanonicalReader r, out Envelope envelope)
    {
        envelope = null!;
        if (!r.Key(out EncryptionPublicKey recipient, "envelope recipient") || !r.Key(out EncryptionPublicKey ephemeral, "envelope ephemeral key")) return false;
        if (!r.FixedBytes(WrappedLength, "wrapped key", out var wrapped)) return false;
        envelope = new Envelope(recipient, ephemeral, wrapped);
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(Envelope? other) =>
        other is not null && Recipient == other.Recipient && Ephemeral == other.Ephemeral && WrappedKey.AsSpan().SequenceEqual(other.WrappedKey);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Recipient, Ephemeral);
}
