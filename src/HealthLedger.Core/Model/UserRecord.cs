using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Model;

/// <summary>A registered user. Holds no PHI: the id is an opaque login name chosen by the organisation.</summary>
/// <param name="Id">User id (login name).</param>
/// <param name="Role">Role.</param>
/// <param name="OrganisationId">The organisation the user belongs to.</param>
/// <param name="SigningKey">Ed25519 key that signs the user's transactions.</param>
/// <param name="EncryptionKey">X25519 key to which the user's data keys are wrapped.</param>
/// <param name="RegisteredAt">Timestamp of the block that registered the user (Unix ms).</param>
public sealed record UserRecord(string Id, Role Role, string OrganisationId, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey, ulong RegisteredAt)
{
    private const byte Version = 1;

    /// <summary>State encoding.</summary>
    public byte[] Encode() => new CanonicalWriter(128).U8(Version).Text(Id).U8((byte)Role).Text(OrganisationId)
        .Key(SigningKey).Key(EncryptionKey).VarUInt(RegisteredAt).ToArray();

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static UserRecord? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != Version) return null;
        r.Text(out var id, Identifiers.MaxLength, "user id");
        r.U8(out var role);
        r.Text(out var org, Identifiers.MaxLength, "organisation id");
        r.Key(out SigningPublicKey signing, "signing key");
        r.Key(out EncryptionPublicKey encryption, "encryption key");
        r.VarUInt(out var registeredAt);
        return r.End() && Enum.IsDefined((Role)role) ? new UserRecord(id, (Role)role, org, signing, encryption, registeredAt) : null;
    }
}
