using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>A doctor's directory entry as the world state holds it.</summary>
/// <param name="Id">Doctor id, also the doctor's login user id.</param>
/// <param name="OrganisationId">The organisation.</param>
/// <param name="Version">Directory entry version.</param>
/// <param name="Record">The sealed directory entry.</param>
/// <param name="Proof">Where this version was written.</param>
public sealed record DoctorState(string Id, string OrganisationId, int Version, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(OrganisationId).VarUInt((ulong)Version);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static DoctorState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var org, 64, "organisation");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new DoctorState(id, org, version, record, proof) : null;
    }
}
