using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Model;

/// <summary>A member organisation (hospital, laboratory, pharmacy, clinic, rescue service).</summary>
/// <param name="Id">Organisation id.</param>
/// <param name="Name">Display name (an institution's name, not PHI).</param>
/// <param name="SigningKey">The organisation's Ed25519 key.</param>
/// <param name="EncryptionKey">The organisation's X25519 key (custodian envelopes).</param>
/// <param name="Type">What kind of member it is.</param>
/// <param name="Contact">How to reach the organisation's administrators (a phone number, a mailbox; an institution's, not PHI).</param>
/// <param name="Status">Active, suspended or removed (changed only by consortium proposals).</param>
/// <remarks>
/// Its admins are the users with <see cref="Role.Admin"/> of the organisation (<see cref="UserRecord"/>); its nodes are
/// the <see cref="NodeRecord"/>s naming it, listed under <see cref="StateKeys.OrganisationNodes"/>.
/// </remarks>
public sealed record OrganisationRecord(string Id, string Name, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey,
    OrganisationType Type = OrganisationType.Hospital, string Contact = "", OrganisationStatus Status = OrganisationStatus.Active)
{
    // 2: type, contact and status (governance). Version 1 had id, name and the keys only.
    private const byte Version = 2;

    /// <summary>Longest display name in bytes.</summary>
    public const int MaxNameBytes = 200;

    /// <summary>Longest contact text in bytes.</summary>
    public const int MaxContactBytes = 200;

    /// <summary>Writes the fields (no version byte).</summary>
    public void Write(CanonicalWriter w) =>
        w.Text(Id).Text(Name).Key(SigningKey).Key(EncryptionKey).U8((byte)Type).Text(Contact).U8((byte)Status);

    /// <summary>Reads the fields written by <see cref="Write"/>.</summary>
    public static bool TryRead(ref CanonicalReader r, out OrganisationRecord record)
    {
        r.Text(out var id, Identifiers.MaxLength, "organisation id");
        r.Text(out var name, MaxNameBytes, "organisation name");
        r.Key(out SigningPublicKey signing, "organisation signing key");
        r.Key(out EncryptionPublicKey encryption, "organisation encryption key");
        r.U8(out var type);
        r.Text(out var contact, MaxContactBytes, "organisation contact");
        r.U8(out var status);
        record = new OrganisationRecord(id, name, signing, encryption, (OrganisationType)type, contact, (OrganisationStatus)status);
        if (r.Error is not null) return false;
        if (!Enum.IsDefined(record.Type)) return r.Fail($"organisation type {type} is not hospital (1), laboratory (2), pharmacy (3), clinic (4) or rescuer (5)");
        if (!Enum.IsDefined(record.Status)) return r.Fail($"organisation status {status} is not active (1), suspended (2) or removed (3)");
        return true;
    }

    /// <summary>Why the fields of a new member are not acceptable (prefixed by <paramref name="field"/>), or null.</summary>
    public string? NewMemberProblem(string field)
    {
        if (!Identifiers.IsValid(Id)) return $"{field}.id: {Identifiers.Rule}";
        if (string.IsNullOrWhiteSpace(Name)) return $"{field}.name: must not be empty";
        if (Contact.Any(char.IsControl)) return $"{field}.contact: must be one line of text";
        return Status == OrganisationStatus.Active ? null : $"{field}.status: a new member is active";
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
