using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Crypto;

/// <summary>
/// A secret sealed by a password: Argon2id(password, salt) gives a master key; HKDF-SHA256 splits it into a
/// password verifier and a key-encryption key; AES-256-GCM seals the secret with the latter.
/// Nothing here reveals the password or the secret without the password.
/// </summary>
/// <param name="Parameters">Argon2id cost used.</param>
/// <param name="Salt">16-byte Argon2 salt.</param>
/// <param name="Verifier">32-byte password verifier (an HKDF output of the Argon2id hash).</param>
/// <param name="Nonce">12-byte AES-GCM nonce.</param>
/// <param name="Ciphertext">The sealed secret followed by the 16-byte tag.</param>
public sealed record SealedSecret(Argon2Parameters Parameters, byte[] Salt, byte[] Verifier, byte[] Nonce, byte[] Ciphertext)
{
    private const byte Version = 1;

    /// <summary>Canonical encoding.</summary>
    public byte[] Encode() => new CanonicalWriter()
        .U8(Version)
        .VarUInt((ulong)Parameters.MemoryKiB).VarUInt((ulong)Parameters.Passes)
        .Bytes(Salt).Bytes(Verifier).Bytes(Nonce).Bytes(Ciphertext)
        .ToArray();

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out SealedSecret? value)
    {
        value = null;
        var r = new CanonicalReader(data);
        if (!r.U8(out var version) || version != Version) return false;
        if (!r.VarInt32(out var memory, 4 * 1024 * 1024, "memory") || !r.VarInt32(out var passes, 64, "passes")) return false;
        if (!r.Bytes(out var salt, 16, "salt") || !r.Bytes(out var verifier, 32, "verifier") || !r.Bytes(out var nonce, 12, "nonce")) return false;
        if (!r.Bytes(out var ciphertext, 1 << 20, "ciphertext") || !r.End()) return false;
        value = new SealedSecret(new Argon2Parameters(memory, passes), salt.ToArray(), verifier.ToArray(), nonce.ToArray(), ciphertext.ToArray());
        return true;
    }
}
