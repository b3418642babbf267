using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>
/// A set of vital signs taken of a patient (state <c>vitals/&lt;id&gt;</c>): who took it and the sealed measurements.
/// Never changed or deleted; a wrong set is followed by a new one.
/// </summary>
/// <param name="Id">Observation id.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="AuthorId">The user who signed it (an admin of the patient's organisation or an attending doctor).</param>
/// <param name="Record">The sealed measurements.</param>
/// <param name="Proof">Where it was written.</param>
public sealed record VitalSignsState(string Id, string PatientId, string AuthorId, SealedRecordRef Record, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>The state key prefix of vital-sign observations.</summary>
    public const string Prefix = "vitals/";

    /// <summary>The state key of observation <paramref name="id"/>.</summary>
    public static string Key(string id) => Prefix + id;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(512).U8(FormatVersion).Text(Id).Text(PatientId).Text(AuthorId);
        Record.Write(w);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when it is not one.</summary>
    public static VitalSignsState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, 64, "id");
        r.Text(out var patient, 64, "patient");
        r.Text(out var author, 64, "author");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return null;
        return r.End() ? new VitalSignsState(id, patient, author, record, proof) : null;
    }
}
