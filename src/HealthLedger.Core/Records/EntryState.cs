using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>A patient entry (encounter or account line) as the world state holds it. Entries are never changed or deleted; a correction is a new entry.</summary>
/// <param name="Id">Entry id.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="Type">Entry type.</param>
/// <param name="DoctorId">Attending doctor, or empty.</param>
/// <param name="CorrectsId">The entry this one corrects, or empty.</param>
/// <param name="AuthorId">The user who signed it.</param>
/// <param name="Record">The sealed entry content.</param>
/// <param name="Proof">Where it was written.</param>
public sealed record EntryState(string Id, string PatientId, EntryType Type, string DoctorId, string CorrectsId, string AuthorId, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(PatientId).U8((byte)Type).Text(DoctorId).Text(CorrectsId).Text(AuthorId);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static EntryState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var patient, 64, "patient");
        r.U8(out var type);
        r.Text(out var doctor, 64, "doctor");
        r.Text(out var corrects, 64, "corrects");
        r.Text(out var author, 64, "author");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new EntryState(id, patient, (EntryType)type, doctor, corrects, author, record, proof) : null;
    }
}
