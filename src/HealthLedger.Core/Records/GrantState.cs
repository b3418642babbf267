using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>A patient's consent grant as the world state holds it.</summary>
/// <param name="Id">Grant id.</param>
/// <param name="PatientId">The patient who granted it.</param>
/// <param name="Grantee">Doctor or organisation.</param>
/// <param name="GranteeId">Their id.</param>
/// <param name="Categories">What it covers.</param>
/// <param name="ExpiresAt">Unix ms when it stops by itself, or 0 for no expiry.</param>
/// <param name="GrantedAt">Block time of the grant.</param>
/// <param name="RevokedAt">Block time of the revocation, or 0.</param>
/// <param name="Proof">Where it was granted.</param>
public sealed record GrantState(string Id, string PatientId, GranteeKind Grantee, string GranteeId, ConsentCategories Categories,
    ulong ExpiresAt, ulong GrantedAt, ulong RevokedAt, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>True when neither revoked nor expired at <paramref name="now"/> (Unix ms).</summary>
    public bool IsActiveAt(ulong now) => RevokedAt == 0 && (ExpiresAt == 0 || now < ExpiresAt);

    /// <summary>True when active at <paramref name="now"/> and covering <paramref name="category"/>.</summary>
    public bool Allows(ConsentCategories category, ulong now) => IsActiveAt(now) && (Categories & category) == category;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(160).U8(FormatVersion).Text(Id).Text(PatientId).U8((byte)Grantee).Text(GranteeId).U8((byte)Categories)
            .VarUInt(ExpiresAt).VarUInt(GrantedAt).VarUInt(RevokedAt);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static GrantState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var patient, 64, "patient");
        r.U8(out var kind);
        r.Text(out var grantee, 64, "grantee");
        r.U8(out var categories);
        r.VarUInt(out var expires);
        r.VarUInt(out var granted);
        r.VarUInt(out var revoked);
        if (!RecordProof.TryRead(ref r, out var proof) || !r.End()) return null;
        return new GrantState(id, patient, (GranteeKind)kind, grantee, (ConsentCategories)categories, expires, granted, revoked, proof);
    }
}
