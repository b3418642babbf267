using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The patient ends a doctor's care relationship with them: from this block on the doctor no longer attends them (a
/// grant, if any, still applies). Refused while the patient is admitted under that doctor.
/// </summary>
/// <param name="PatientId">The patient.</param>
/// <param name="DoctorId">The doctor.</param>
public sealed record EndCarePayload(string PatientId, string DoctorId) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.EndCare;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(PatientId).Text(DoctorId);
}

/// <summary>Executes <see cref="EndCarePayload"/>.</summary>
public sealed class EndCareHandler : TxKindHandler<EndCarePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.EndCare;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out EndCarePayload payload)
    {
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.Text(out var doctor, Identifiers.MaxLength, "doctor id");
        payload = new EndCarePayload(patient, doctor);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(EndCarePayload p) =>
        !Identifiers.IsValid(p.PatientId) ? Invalid("patientId", Identifiers.Rule)
        : !Identifiers.IsValid(p.DoctorId) ? Invalid("doctorId", Identifiers.Rule)
        : TxResult.Ok;

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, EndCarePayload p)
    {
        if (context.SignerUser is not { Role: Role.Patient } signer || signer.Id != p.PatientId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only the patient may end a care relationship with them");
        }
        var care = Consent.Care(context.State, p.PatientId, p.DoctorId);
        if (care is null) return TxResult.Reject(TxVerdict.NotFound, $"doctor '{p.DoctorId}' has no care relationship with the patient");
        if (!care.IsActiveAt(context.Timestamp)) return TxResult.Reject(TxVerdict.Conflict, "the care relationship has already ended");
        if (care.Admitted) return TxResult.Reject(TxVerdict.Conflict, "the patient is admitted under this doctor; it ends with the discharge");
        context.State.Set(StateKeys.Care(p.PatientId, p.DoctorId),
            (care with { EndedAt = context.Timestamp, Proof = new RecordProof(tx.Id, context.Height, context.Timestamp) }).Encode());
        return TxResult.Ok;
    }
}
