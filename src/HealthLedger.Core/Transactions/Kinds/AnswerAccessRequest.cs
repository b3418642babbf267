using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The patient answers a doctor's access request (<see cref="RequestAccessPayload"/>), once. An approval carries the grant
/// itself — the same <see cref="GrantAccessPayload"/> fields, category-key wraps and checks as <see cref="TxKind.GrantAccess"/>
/// (one path: <see cref="GrantAccessHandler"/>) — to the requesting doctor, for the categories asked (or fewer). Its
/// <see cref="GrantAccessPayload.ExpiresAt"/> is 0 in the payload: the state machine sets it to the approving block's time
/// plus the requested duration, so the grant lasts exactly what was asked whatever the clocks. A decline carries no grant.
/// Answer and grant are one transaction: either both happen or neither.
/// </summary>
/// <param name="PatientId">The patient: the signer.</param>
/// <param name="RequestId">The request answered.</param>
/// <param name="Approve">True to approve (with <paramref name="Grant"/>), false to decline (without).</param>
/// <param name="Grant">The grant an approval makes; null when declining.</param>
public sealed record AnswerAccessRequestPayload(string PatientId, string RequestId, bool Approve, GrantAccessPayload? Grant) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.AnswerAccessRequest;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(PatientId).Text(RequestId).Bool(Approve);
        if (Approve) Grant!.Write(writer);
    }
}

/// <summary>
/// Executes <see cref="AnswerAccessRequestPayload"/>. Refused: a signer who is not the patient (Unauthorized); an unknown
/// request (NotFound); one already answered or expired (Conflict); an approval whose grant is not to the requesting doctor or
/// covers a category not asked for (InvalidField); and whatever <see cref="GrantAccessHandler"/> refuses for the grant.
/// </summary>
public sealed class AnswerAccessRequestHandler : TxKindHandler<AnswerAccessRequestPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.AnswerAccessRequest;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out AnswerAccessRequestPayload payload)
    {
        payload = null!;
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.Text(out var id, Identifiers.MaxLength, "request id");
        if (!r.Bool(out var approve)) return false;
        GrantAccessPayload? grant = null;
        if (approve && !GrantAccessHandler.ReadFields(ref r, out grant)) return false;
        payload = new AnswerAccessRequestPayload(patient, id, approve, grant);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(AnswerAccessRequestPayload p)
    {
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.RequestId)) return Invalid("requestId", Identifiers.Rule);
        if (!p.Approve) return p.Grant is null ? TxResult.Ok : Invalid("grant", "a decline carries no grant");
        if (p.Grant is not { } grant) return Invalid("grant", "an approval carries the grant");
        if (grant.PatientId != p.PatientId) return Invalid("grant", "the grant is of another patient");
        if (grant.Grantee != GranteeKind.Doctor) return Invalid("grant", "the grant is to the requesting doctor");
        if (grant.ExpiresAt != 0) return Invalid("grant", "the expiry is set from the request's duration: leave it 0");
        return GrantAccessHandler.ValidateFields(grant);
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, AnswerAccessRequestPayload p)
    {
        if (context.SignerUser is not { Role: Role.Patient } signer || signer.Id != p.PatientId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only the patient answers requests for access to their records");
        }
        if (AccessRequestState.Get(context.State, p.PatientId, p.RequestId) is not { } request)
        {
            return TxResult.Reject(TxVerdict.NotFound, $"request '{p.RequestId}' does not exist");
        }
        if (request.Status != AccessRequestStatus.Pending)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"requestId: the request was already {request.Status.ToString().ToLowerInvariant()}");
        }
        if (context.Timestamp >= request.ExpiresAt) return TxResult.Reject(TxVerdict.Conflict, "requestId: the request has expired");
        var answered = request with { AnsweredAt = context.Timestamp, Status = p.Approve ? AccessRequestStatus.Approved : AccessRequestStatus.Declined };
        if (p.Grant is { } grant)
        {
            if (grant.GranteeId != request.DoctorId) return TxResult.Reject(TxVerdict.InvalidField, $"grant: the grant is to '{grant.GranteeId}', not the requesting doctor '{request.DoctorId}'");
            if ((grant.Categories & ~request.Categories) != 0) return TxResult.Reject(TxVerdict.InvalidField, "grant: the grant covers a category the doctor did not ask for");
            var timed = grant with { ExpiresAt = context.Timestamp + (ulong)request.DurationDays * AccessRequestState.DayMs };
            var granted = GrantAccessHandler.Apply(context, tx, timed);
            if (!granted.IsOk) return granted;
            answered = answered with { GrantId = grant.GrantId };
        }
        context.State.Set(StateKeys.AccessRequest(p.PatientId, p.RequestId), answered.Encode());
        return TxResult.Ok;
    }
}
