using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A pathologist of the laboratory validates (signs off) a lab order's current results; they may not have entered them.
/// The sealed content is the report (flags, comment). The first validation posts the order's charge to the patient's
/// account in the same transaction: an account entry (type charge, sealed in category account) that the account reads
/// like any other; later validations (after amendments) post none.
/// </summary>
/// <param name="OrderId">The order.</param>
/// <param name="Version">The order's next step version.</param>
/// <param name="Record">The sealed report (record <paramref name="OrderId"/>, version <paramref name="Version"/>).</param>
/// <param name="ChargeEntryId">The new charge entry's id, or empty for none.</param>
/// <param name="Charge">The sealed charge entry (record <paramref name="ChargeEntryId"/>, version 1), or null for none.</param>
public sealed record ValidateLabResultsPayload(string OrderId, int Version, SealedRecordRef Record, string ChargeEntryId, SealedRecordRef? Charge) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ValidateLabResults;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => Charge is null ? [Record] : [Record, Charge];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(OrderId).VarUInt((ulong)Version);
        Record.Write(writer);
        writer.Text(ChargeEntryId).Bool(Charge is not null);
        Charge?.Write(writer);
    }
}

/// <summary>Executes <see cref="ValidateLabResultsPayload"/>.</summary>
public sealed class ValidateLabResultsHandler : TxKindHandler<ValidateLabResultsPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ValidateLabResults;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ValidateLabResultsPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "order id");
        r.VarInt32(out var version, LabOrderState.MaxSteps + 1, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        r.Text(out var chargeId, Identifiers.MaxLength, "charge entry id");
        if (!r.Bool(out var hasCharge)) return false;
        SealedRecordRef? charge = null;
        if (hasCharge)
        {
            if (!SealedRecordRef.TryRead(ref r, out var c)) return false;
            charge = c;
        }
        payload = new ValidateLabResultsPayload(id, version, record, chargeId, charge);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ValidateLabResultsPayload p)
    {
        if (!Identifiers.IsValid(p.OrderId)) return Invalid("orderId", Identifiers.Rule);
        if (p.Version < 2) return Invalid("version", "must be 2 or more");
        if ((p.ChargeEntryId.Length > 0) != (p.Charge is not null)) return Invalid("chargeEntryId", "a charge needs both its entry id and its sealed entry");
        if (p.ChargeEntryId.Length > 0 && !Identifiers.IsValid(p.ChargeEntryId)) return Invalid("chargeEntryId", Identifiers.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ValidateLabResultsPayload p)
    {
        var (order, refused) = LabRules.NextStep(context, p.OrderId, p.Version, "validate its results", LabOrderStatus.Resulted);
        if (refused is { } no) return no;
        var signer = context.SignerUser;
        if (signer is not { Role: Role.Pathologist } || signer.OrganisationId != order!.LabOrganisationId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only a pathologist of the laboratory may validate results");
        }
        if (signer.Id == order.ResultsAuthorId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "validatedBy: results must be validated by a pathologist other than the one who entered them");
        }
        if (LabRules.RequireReaders(context, tx, p.Record, order.PatientId) is { } missing) return missing;
        if (p.Charge is { } charge)
        {
            if (order.ChargeEntryId.Length > 0) return TxResult.Reject(TxVerdict.Conflict, $"chargeEntryId: the order was already charged by entry '{order.ChargeEntryId}'");
            if (context.State.Contains(StateKeys.Entry(p.ChargeEntryId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"entry id '{p.ChargeEntryId}' is taken");
            var patient = context.GetPatient(order.PatientId)!;
            var custodian = context.GetOrganisation(patient.OrganisationId)!;
            if (CategoryKeyRules.RequireReaders(context, tx, charge, order.PatientId, ConsentCategories.Account, custodian, context.GetUser(order.PatientId)?.EncryptionKey) is { } noKey)
            {
                return noKey;
            }
            context.State.Set(StateKeys.Entry(p.ChargeEntryId), new EntryState(p.ChargeEntryId, order.PatientId, EntryType.Charge, "", "", signer.Id, charge,
                new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        }
        LabRules.Append(context, tx, order, LabOrderStatus.Validated, p.Record, chargeEntryId: p.Charge is null ? null : p.ChargeEntryId);
        return TxResult.Ok;
    }
}
