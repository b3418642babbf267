using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Records;

/// <summary>
/// A care relationship between a doctor and a patient as the world state holds it: the doctor attends the patient, and
/// so reaches their whole record, from <see cref="Since"/> while <see cref="Admitted"/> (an inpatient stay under them)
/// and otherwise until <see cref="Until"/>, unless the patient ended it (<see cref="EndedAt"/>).
/// </summary>
/// <param name="PatientId">The patient.</param>
/// <param name="DoctorId">The doctor.</param>
/// <param name="Since">Block time it began (or began again after it had ended).</param>
/// <param name="Until">Block time it ends when not admitted (Unix ms); 0 while admitted with no end set yet.</param>
/// <param name="Admitted">True while the patient is admitted under the doctor (the patient cannot end it then).</param>
/// <param name="EndedAt">Block time the patient ended it, or 0.</param>
/// <param name="Proof">Where it last changed.</param>
public sealed record CareState(string PatientId, string DoctorId, ulong Since, ulong Until, bool Admitted, ulong EndedAt, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>True when the relationship gives the doctor access at <paramref name="now"/> (Unix ms).</summary>
    public bool IsActiveAt(ulong now) => EndedAt == 0 && (Admitted || now < Until);

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(128).U8(FormatVersion).Text(PatientId).Text(DoctorId).VarUInt(Since).VarUInt(Until).Bool(Admitted).VarUInt(EndedAt);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static CareState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var patient, 64, "patient");
        r.Text(out var doctor, 64, "doctor");
        r.VarUInt(out var since);
        r.VarUInt(out var until);
        r.Bool(out var admitted);
        r.VarUInt(out var ended);
        if (!RecordProof.TryRead(ref r, out var proof) || !r.End()) return null;
        return new CareState(patient, doctor, since, until, admitted, ended, proof);
    }
}
