using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Records;

/// <summary>
/// A doctor's request for access to a patient's records (a referral), as the world state holds it at
/// <see cref="StateKeys.AccessRequest"/>: asked by <see cref="Transactions.TxKind.RequestAccess"/>, answered once by the
/// patient with <see cref="Transactions.TxKind.AnswerAccessRequest"/>.
/// </summary>
/// <param name="Id">Request id.</param>
/// <param name="PatientId">The patient asked.</param>
/// <param name="DoctorId">The doctor asking (the signer of the request).</param>
/// <param name="DoctorOrganisationId">The doctor's organisation when they asked.</param>
/// <param name="Categories">The consent categories asked for.</param>
/// <param name="DurationDays">How long the grant lasts once approved, in days from the approving block's time.</param>
/// <param name="Reason">The reason, sealed for the patient and the doctor.</param>
/// <param name="RequestedAt">Block time of the request (Unix ms).</param>
/// <param name="ExpiresAt">Block time from which it can no longer be answered (Unix ms).</param>
/// <param name="Status">Pending, approved or declined.</param>
/// <param name="AnsweredAt">Block time of the answer (Unix ms), or 0.</param>
/// <param name="GrantId">The grant an approval made, or "".</param>
/// <param name="Proof">Where it was asked.</param>
public sealed record AccessRequestState(string Id, string PatientId, string DoctorId, string DoctorOrganisationId, ConsentCategories Categories, int DurationDays,
    SealedReason Reason, ulong RequestedAt, ulong ExpiresAt, AccessRequestStatus Status, ulong AnsweredAt, string GrantId, RecordProof Proof)
{
    private const byte FormatVersion = 1;

    /// <summary>How long a request waits for its answer: 14 days of block time.</summary>
    public const ulong LifetimeMs = 14UL * 24 * 60 * 60 * 1000;

    /// <summary>One day in milliseconds.</summary>
    public const ulong DayMs = 24UL * 60 * 60 * 1000;

    /// <summary>Longest duration a doctor may ask for, in days.</summary>
    public const int MaxDurationDays = 365;

    /// <summary>True when pending and not yet expired at <paramref name="now"/> (Unix ms): it can be answered.</summary>
    public bool IsOpenAt(ulong now) => Status == AccessRequestStatus.Pending && now < ExpiresAt;

    /// <summary>The request <paramref name="requestId"/> of <paramref name="patientId"/>, or null.</summary>
    public static AccessRequestState? Get(IStateReader state, string patientId, string requestId) =>
        state.TryGet(StateKeys.AccessRequest(patientId, requestId), out var bytes) ? TryDecode(bytes) : null;

    /// <summary>The doctor's latest request to the patient (open or not), or null.</summary>
    public static AccessRequestState? Latest(IStateReader state, string patientId, string doctorId) =>
        state.TryGet(StateKeys.LatestAccessRequest(patientId, doctorId), out var id) ? Get(state, patientId, System.Text.Encoding.UTF8.GetString(id)) : null;

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter(256).U8(FormatVersion).Text(Id).Text(PatientId).Text(DoctorId).Text(DoctorOrganisationId).U8((byte)Categories)
            .VarUInt((ulong)DurationDays);
        Reason.Write(w);
        w.VarUInt(RequestedAt).VarUInt(ExpiresAt).U8((byte)Status).VarUInt(AnsweredAt).Text(GrantId);
        Proof.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static AccessRequestState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != FormatVersion) return null;
        r.Text(out var id, Identifiers.MaxLength, "id");
        r.Text(out var patient, Identifiers.MaxLength, "patient");
        r.Text(out var doctor, Identifiers.MaxLength, "doctor");
        r.Text(out var organisation, Identifiers.MaxLength, "organisation");
        r.U8(out var categories);
        r.VarInt32(out var days, MaxDurationDays, "duration");
        if (!SealedReason.TryRead(ref r, out var reason)) return null;
        r.VarUInt(out var requested);
        r.VarUInt(out var expires);
        r.U8(out var status);
        r.VarUInt(out var answered);
        r.Text(out var grant, Identifiers.MaxLength, "grant");
        if (!RecordProof.TryRead(ref r, out var proof) || !r.End()) return null;
        return new AccessRequestState(id, patient, doctor, organisation, (ConsentCategories)categories, days, reason, requested, expires,
            (AccessRequestStatus)status, answered, grant, proof);
    }
}
