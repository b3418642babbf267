using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Node.Security;

/// <summary>
/// A user's login as the organisation's nodes share it on the chain (<see cref="Core.Transactions.Kinds.SealLoginPayload"/>):
/// the password-sealed keys (Argon2id + AES-256-GCM, exactly as in <c>keystore.db</c>), the must-change flag and the
/// organisation escrow (for resets at any of its nodes), encrypted under a random key wrapped for the organisation's X25519
/// key, with the user id and the version as associated data. Another organisation's node cannot open the wrapper; the
/// organisation's own nodes still need the user's password to open the keys.
/// </summary>
/// <param name="Keys">The keys sealed by the password.</param>
/// <param name="MustChangePassword">The password is a one-time one.</param>
/// <param name="Escrow">The keys sealed to the organisation (<see cref="KeyEscrow"/>), or null.</param>
/// <param name="Version">The login version: the newest wins.</param>
public sealed record ReplicatedLogin(SealedSecret Keys, bool MustChangePassword, byte[]? Escrow, ulong Version)
{
    private static byte[] Aad(string userId, ulong version) => new CanonicalWriter(64).Raw("HealthLedger/login/v1"u8).Text(userId).VarUInt(version).ToArray();

    /// <summary>Wraps the login for <paramref name="organisation"/>.</summary>
    public byte[] Wrap(string userId, EncryptionPublicKey organisation)
    {
        var plain = new CanonicalWriter(512).U8(1).Bytes(Keys.Encode()).U8(MustChangePassword ? (byte)1 : (byte)0).Bytes(Escrow ?? []).ToArray();
        return KeyEscrow.Seal(Aad(userId, Version), plain, organisation);
    }

    /// <summary>Opens a wrapped login with the organisation's keys; null when it is another organisation's, damaged or of another user or version.</summary>
    public static ReplicatedLogin? Open(string userId, ulong version, byte[] wrapped, EncryptionKeyPair organisation)
    {
        if (KeyEscrow.Open(Aad(userId, version), wrapped, organisation) is not { } plain) return null;
        var r = new CanonicalReader(plain);
        if (!r.U8(out var v) || v != 1 || !r.Bytes(out var keys, 4096, "keys") || !r.U8(out var mustChange) || !r.Bytes(out var escrow, 4096, "escrow") || !r.End()) return null;
        if (!SealedSecret.TryDecode(keys, out var sealedKeys)) return null;
        return new ReplicatedLogin(sealedKeys!, mustChange == 1, escrow.IsEmpty ? null : escrow.ToArray(), version);
    }
}
