using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Records a set of vital signs of a patient (temperature, pulse, blood pressure, respiratory rate, SpO₂, weight — sealed;
/// the chain sees only ids and hashes). An admin of the patient's organisation, or a doctor who attends the patient, may
/// record them; the sealed content must carry envelopes for the organisation and the patient.
/// </summary>
/// <param name="ObservationId">The new observation's id.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="Record">The sealed measurements.</param>
public sealed record RecordVitalSignsPayload(string ObservationId, string PatientId, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordVitalSigns;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(ObservationId).Text(PatientId);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="RecordVitalSignsPayload"/>.</summary>
public sealed class RecordVitalSignsHandler : TxKindHandler<RecordVitalSignsPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordVitalSigns;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RecordVitalSignsPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "observation id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new RecordVitalSignsPayload(id, patient, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RecordVitalSignsPayload p)
    {
        if (!Identifiers.IsValid(p.ObservationId)) return Invalid("observationId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RecordVitalSignsPayload p)
    {
        var patient = context.GetPatient(p.PatientId);
        if (patient is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.PatientId}' does not exist");
        var signer = context.SignerUser;
        var isAdmin = signer is { Role: Role.Admin } && signer.OrganisationId == patient.OrganisationId;
        var isAttendingDoctor = signer is { Role: Role.Doctor } && Consent.Attends(context.State, signer.Id, p.PatientId, context.Timestamp);
        if (!isAdmin && !isAttendingDoctor)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only an admin of the patient's organisation or a doctor who attends the patient may record vital signs");
        }
        if (context.State.Contains(VitalSignsState.Key(p.ObservationId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"observation id '{p.ObservationId}' is taken");
        var org = context.GetOrganisation(patient.OrganisationId)!;
        if (CategoryKeyRules.RequireReaders(context, tx, p.Record, p.PatientId, ConsentCategories.Encounters, org, context.GetUser(p.PatientId)?.EncryptionKey) is { } missing)
        {
            return missing;
        }
        context.State.Set(VitalSignsState.Key(p.ObservationId),
            new VitalSignsState(p.ObservationId, p.PatientId, signer!.Id, p.Record, new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    public override string? PatientOfRecord(TxContext context, string recordId, int version) =>
        version == 1 && context.State.TryGet(VitalSignsState.Key(recordId), out var bytes) ? VitalSignsState.TryDecode(bytes)?.PatientId : null;
}
