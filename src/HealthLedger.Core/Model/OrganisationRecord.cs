using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Model;

/// <summary>A member organisation (hospital, lab, pharmacy).</summary>
/// <param name="Id">Organisation id.</param>
/// <param name="Name">Display name (an institution's name, not PHI).</param>
/// <param name="SigningKey">The organisation's Ed25519 key.</param>
/// <param name="EncryptionKey">The organisation's X25519 key (custodian envelopes).</param>
public sealed record OrganisationRecord(string Id, string Name, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey)
{
    private const byte Version = 1;

    /// <summary>Longest display name in bytes.</summary>
    public const int MaxNameBytes = 200;

    /// <summary>Writes the fields (no version byte).</summary>
    public void Write(CanonicalWriter w) => w.Text(Id).Text(Name).Key(SigningKey).Key(EncryptionKey);

    /// <summary>Reads the fields written by <see cref="Write"/>.</summary>
    public static bool TryRead(ref CanonicalReader r, out OrganisationRecord record)
    {
        r.Text(out var id, Identifiers.MaxLength, "organisation id");
        r.Text(out var name, MaxNameBytes, "organisation name");
        r.Key(out SigningPublicKey signing, "organisation signing key");
        r.Key(out EncryptionPublicKey encryption, "organisation encryption key");
        record = new OrganisationRecord(id, name, signing, encryption);
        return r.Error is null;
    }

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter().U8(Version);
        Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static OrganisationRecord? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != Version) return null;
        TryRead(ref r, out var record);
        return r.End() ? record : null;
    }
}
