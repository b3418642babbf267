using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A doctor of any member organisation asks a patient (of any member organisation) for access to chosen consent categories
/// for <see cref="DurationDays"/> days: a referral. Signed by the doctor themself. The reason is PHI and travels sealed for
/// the patient and the doctor only (<see cref="SealedReason"/>, aad <see cref="SealedReason.Aad"/>). The patient answers
/// once, within <see cref="AccessRequestState.LifetimeMs"/> of block time, with <see cref="AnswerAccessRequestPayload"/>.
/// </summary>
/// <param name="RequestId">New request id (<see cref="Identifiers.Rule"/>).</param>
/// <param name="PatientId">The patient asked.</param>
/// <param name="DoctorId">The doctor asking: the signer.</param>
/// <param name="Categories">One or more consent categories.</param>
/// <param name="DurationDays">1 to <see cref="AccessRequestState.MaxDurationDays"/> days, counted from the approval's block time.</param>
/// <param name="Reason">Why, sealed for the patient and the doctor.</param>
public sealed record RequestAccessPayload(string RequestId, string PatientId, string DoctorId, ConsentCategories Categories, int DurationDays, SealedReason Reason) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RequestAccess;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(RequestId).Text(PatientId).Text(DoctorId).U8((byte)Categories).VarUInt((ulong)DurationDays);
        Reason.Write(writer);
    }
}

/// <summary>
/// Executes <see cref="RequestAccessPayload"/>. Refused: a signer who is not that doctor (Unauthorized); an unknown patient
/// or one without a login (NotFound); a patient's or the doctor's organisation that is not an active member (Conflict); a
/// request id in use (AlreadyExists); an open request of the same doctor to the same patient (Conflict); a reason not
/// sealed for exactly the patient and the doctor (InvalidField).
/// </summary>
public sealed class RequestAccessHandler : TxKindHandler<RequestAccessPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RequestAccess;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RequestAccessPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "request id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.Text(out var doctor, Identifiers.MaxLength, "doctor id");
        r.U8(out var categories);
        if (!r.VarInt32(out var days, 1_000_000, "duration")) return false;
        if (!SealedReason.TryRead(ref r, out var reason)) return false;
        payload = new RequestAccessPayload(id, patient, doctor, (ConsentCategories)categories, days, reason);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RequestAccessPayload p)
    {
        if (!Identifiers.IsValid(p.RequestId)) return Invalid("requestId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.DoctorId)) return Invalid("doctorId", Identifiers.Rule);
        if (p.Categories == ConsentCategories.None || (p.Categories & ~ConsentCategories.All) != 0) return Invalid("categories", "choose at least one category");
        if (p.DurationDays is < 1 or > AccessRequestState.MaxDurationDays) return Invalid("durationDays", $"1 to {AccessRequestState.MaxDurationDays} days");
        if (p.Reason.Ciphertext.Length <= Crypto.RecordCrypto.NonceLength + Crypto.RecordCrypto.TagLength) return Invalid("reason", "give a reason");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RequestAccessPayload p)
    {
        if (context.SignerUser is not { Role: Role.Doctor } doctor || doctor.Id != p.DoctorId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only a doctor asks for access, in their own name");
        }
        if (InactiveMember(context, doctor.OrganisationId, "the doctor's") is { } doctorOut) return doctorOut;
        if (context.GetPatient(p.PatientId) is not { } patientRecord || context.GetUser(p.PatientId) is not { Role: Role.Patient } patient)
        {
            return TxResult.Reject(TxVerdict.NotFound, $"patientId: patient '{p.PatientId}' does not exist");
        }
        if (InactiveMember(context, patientRecord.OrganisationId, "the patient's") is { } patientOut) return patientOut;
        if (context.State.Contains(StateKeys.AccessRequest(p.PatientId, p.RequestId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"request id '{p.RequestId}' is taken");
        if (AccessRequestState.Latest(context.State, p.PatientId, p.DoctorId) is { } open && open.IsOpenAt(context.Timestamp))
        {
            return TxResult.Reject(TxVerdict.Conflict, $"patientId: the doctor's request '{open.Id}' to this patient is still waiting for an answer");
        }
        if (p.Reason.Envelopes.Count != 2 || !p.Reason.IsSealedFor(patient.EncryptionKey) || !p.Reason.IsSealedFor(doctor.EncryptionKey))
        {
            return TxResult.Reject(TxVerdict.InvalidField, "reason: the reason must be sealed for the patient and the doctor, and no one else");
        }
        var request = new AccessRequestState(p.RequestId, p.PatientId, p.DoctorId, doctor.OrganisationId, p.Categories, p.DurationDays, p.Reason,
            context.Timestamp, context.Timestamp + AccessRequestState.LifetimeMs, AccessRequestStatus.Pending, 0, "", new RecordProof(tx.Id, context.Height, context.Timestamp));
        context.State.Set(StateKeys.AccessRequest(p.PatientId, p.RequestId), request.Encode());
        context.State.Set(StateKeys.LatestAccessRequest(p.PatientId, p.DoctorId), System.Text.Encoding.UTF8.GetBytes(p.RequestId));
        context.State.Set(StateKeys.DoctorAccessRequest(p.DoctorId, p.RequestId), System.Text.Encoding.UTF8.GetBytes(p.PatientId));
        return TxResult.Ok;
    }

    private static TxResult? InactiveMember(TxContext context, string organisationId, string whose) =>
        context.GetOrganisation(organisationId) is not { Status: OrganisationStatus.Active }
            ? TxResult.Reject(TxVerdict.Conflict, $"{(whose == "the patient's" ? "patientId" : "doctorId")}: {whose} organisation '{organisationId}' is not an active member of the consortium")
            : null;
}
