using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Records;

/// <summary>One version of a medical report as the world state holds it.</summary>
/// <param name="Id">Report id (the same for all versions).</param>
/// <param name="PatientId">The patient.</param>
/// <param name="Version">1 for the original, then one per amendment.</param>
/// <param name="Type">Report type.</param>
/// <param name="AuthorId">The doctor who signed this version.</param>
/// <param name="ContentHash">SHA-256 of the report's plaintext: the attached file when there is one, else the sealed content.</param>
/// <param name="Record">The sealed report content (structured fields and file description).</param>
/// <param name="Document">The encrypted attached file, if any.</param>
/// <param name="Proof">Where this version was written (its date stamp).</param>
public sealed record ReportState(string Id, string PatientId, int Version, ReportType Type, string AuthorId, Hash256 ContentHash,
    SealedRecordRef Record, DocumentRef? Document, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(PatientId).VarUInt((ulong)Version).U8((byte)Type).Text(AuthorId).Hash(ContentHash);
        Record.Write(w);
        w.Bool(Document is not null);
        Document?.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static ReportState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var patient, 64, "patient");
        r.VarInt32(out var version, int.MaxValue, "version");
        r.U8(out var type);
        r.Text(out var author, 64, "author");
        r.Hash(out var contentHash, "content hash");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return null;
        DocumentRef? document = null;
        if (r.Bool(out var hasDocument) && hasDocument && DocumentRef.TryRead(ref r, out var d)) document = d;
        if (!RecordProof.TryRead(ref r, out var proof) || !r.End()) return null;
        return new ReportState(id, patient, version, (ReportType)type, author, contentHash, record, document, proof);
    }
}
