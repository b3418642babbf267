using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>A patient as the world state holds it: ids, the MRN's blind index and the sealed demographics.</summary>
/// <param name="Id">Patient id, also the patient's login user id (opaque).</param>
/// <param name="OrganisationId">The registering organisation.</param>
/// <param name="MrnIndex">HMAC-SHA256 of the normalised MRN with the organisation's secret (uniqueness without disclosure).</param>
/// <param name="Version">Demographics version (1 at registration).</param>
/// <param name="Record">The sealed demographics.</param>
/// <param name="Proof">Where this version was written.</param>
public sealed record PatientState(string Id, string OrganisationId, Hash256 MrnIndex, int Version, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(OrganisationId).Hash(MrnIndex).VarUInt((ulong)Version);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static PatientState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var org, 64, "organisation");
        r.Hash(out var mrn, "mrn index");
        r.VarInt32(out var version, int.MaxValue, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new PatientState(id, org, mrn, version, record, proof) : null;
    }
}
