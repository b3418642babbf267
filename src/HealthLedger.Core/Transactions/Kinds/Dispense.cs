using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A pharmacist dispenses a supply of a prescription, and the charge goes to the patient's account in the same transaction.
/// Enforced at the block's time, so concurrent dispenses can never oversell: at most the prescription's quantity per supply,
/// never more than quantity × (1 + repeats) in all, never from an expired batch, never below zero on hand. Without a batch
/// the units are taken first expiry first out (<see cref="Pharmacy.Allocate"/>), spilling into the next batch; with one,
/// from that batch only. The dispensing record is sealed under the patient's medication key, the charge (an account
/// entry, <c>entry/&lt;id&gt;</c>) under their account key.
/// </summary>
/// <param name="DispenseId">The new dispense's id.</param>
/// <param name="PrescriptionId">The prescription.</param>
/// <param name="Quantity">Units to dispense (1..<see cref="Pharmacy.MaxQuantity"/>).</param>
/// <param name="BatchId">The batch to take them from, or empty for first expiry first out.</param>
/// <param name="Record">The sealed dispensing record (medication category).</param>
/// <param name="ChargeEntryId">The id of the charge entry.</param>
/// <param name="Charge">The sealed charge (account category).</param>
public sealed record DispensePayload(string DispenseId, string PrescriptionId, int Quantity, string BatchId, SealedRecordRef Record, string ChargeEntryId, SealedRecordRef Charge) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Dispense;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record, Charge];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(DispenseId).Text(PrescriptionId).VarUInt((ulong)Quantity).Text(BatchId);
        Record.Write(writer);
        writer.Text(ChargeEntryId);
        Charge.Write(writer);
    }
}

/// <summary>Executes <see cref="DispensePayload"/>.</summary>
public sealed class DispenseHandler : TxKindHandler<DispensePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Dispense;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out DispensePayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "dispense id");
        r.Text(out var rx, Identifiers.MaxLength, "prescription id");
        r.VarInt32(out var quantity, int.MaxValue, "quantity");
        r.Text(out var batch, Identifiers.MaxLength, "batch id");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        r.Text(out var chargeId, Identifiers.MaxLength, "charge entry id");
        if (!SealedRecordRef.TryRead(ref r, out var charge)) return false;
        payload = new DispensePayload(id, rx, quantity, batch, record, chargeId, charge);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(DispensePayload p)
    {
        if (!Identifiers.IsValid(p.DispenseId)) return Invalid("dispenseId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PrescriptionId)) return Invalid("prescriptionId", Identifiers.Rule);
        if (p.Quantity is < 1 or > Pharmacy.MaxQuantity) return Invalid("quantity", $"must be 1 to {Pharmacy.MaxQuantity}");
        if (p.BatchId.Length > 0 && !Identifiers.IsValid(p.BatchId)) return Invalid("batchId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.ChargeEntryId)) return Invalid("chargeEntryId", Identifiers.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, DispensePayload p)
    {
        var rx = context.State.TryGet(PrescriptionState.Key(p.PrescriptionId), out var bytes) ? PrescriptionState.TryDecode(bytes) : null;
        if (rx is null) return TxResult.Reject(TxVerdict.NotFound, $"prescription '{p.PrescriptionId}' does not exist");
        var signer = context.SignerUser;
        if (signer is not { Role: Role.Pharmacist } || signer.OrganisationId != rx.PharmacyId)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"only a pharmacist of organisation '{rx.PharmacyId}' may dispense this prescription");
        }
        if (context.State.Contains(DispenseState.Key(p.DispenseId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"dispense id '{p.DispenseId}' is taken");
        if (context.State.Contains(StateKeys.Entry(p.ChargeEntryId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"entry id '{p.ChargeEntryId}' is taken");
        if (p.Quantity > rx.Quantity)
        {
            return TxResult.Reject(TxVerdict.InvalidField, $"quantity: one supply of this prescription is at most {rx.Quantity}");
        }
        var (filled, supplies) = Pharmacy.Filled(context.State, rx.Id);
        if (filled + p.Quantity > rx.Authorised)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"quantity: {filled} of {rx.Authorised} prescribed units (repeats included) were dispensed; at most {rx.Authorised - filled} remain");
        }
        var today = Pharmacy.Day(context.Timestamp);
        IReadOnlyList<DispenseLine> lines;
        if (p.BatchId.Length > 0)
        {
            var batch = context.State.TryGet(StockBatchState.Key(p.BatchId), out var b) ? StockBatchState.TryDecode(b) : null;
            if (batch is null || batch.DrugId != rx.DrugId) return TxResult.Reject(TxVerdict.InvalidField, $"batchId: batch '{p.BatchId}' is not a batch of the prescribed drug");
            if (Pharmacy.IsExpired(batch.ExpiryDay, today)) return TxResult.Reject(TxVerdict.InvalidField, $"batchId: batch '{p.BatchId}' has expired");
            var onHand = Pharmacy.OnHand(context.State, batch.Id);
            if (onHand < p.Quantity) return TxResult.Reject(TxVerdict.Conflict, $"quantity: batch '{p.BatchId}' has {onHand} on hand");
            lines = [new DispenseLine(batch.Id, p.Quantity)];
        }
        else
        {
            var allocated = Pharmacy.Allocate(context.State, rx.DrugId, p.Quantity, today);
            if (allocated is null)
            {
                return TxResult.Reject(TxVerdict.Conflict, $"quantity: {Pharmacy.Available(context.State, rx.DrugId, today)} units of the drug are in stock and not expired");
            }
            lines = allocated;
        }
        var patient = context.GetPatient(rx.PatientId)!;
        var org = context.GetOrganisation(patient.OrganisationId)!;
        var patientKey = context.GetUser(rx.PatientId)?.EncryptionKey;
        if (CategoryKeyRules.RequireReaders(context, tx, p.Record, rx.PatientId, ConsentCategories.Medication, org, patientKey) is { } missing) return missing;
        if (CategoryKeyRules.RequireReaders(context, tx, p.Charge, rx.PatientId, ConsentCategories.Account, org, patientKey) is { } missingCharge) return missingCharge;

        foreach (var line in lines) context.State.Set(Pharmacy.OnHandKey(line.BatchId), Pharmacy.EncodeOnHand(Pharmacy.OnHand(context.State, line.BatchId) - line.Quantity));
        context.State.Set(Pharmacy.FilledKey(rx.Id), Pharmacy.EncodeFilled(filled + p.Quantity, supplies + 1));
        var proof = new RecordProof(tx.Id, context.Height, context.Timestamp);
        context.State.Set(DispenseState.Key(p.DispenseId), new DispenseState(p.DispenseId, rx.Id, rx.PatientId, signer.Id, lines, p.ChargeEntryId, p.Record, proof).Encode());
        context.State.Set(StateKeys.Entry(p.ChargeEntryId), new EntryState(p.ChargeEntryId, rx.PatientId, EntryType.Charge, "", "", signer.Id, p.Charge, proof).Encode());
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    public override string? PatientOfRecord(TxContext context, string recordId, int version) =>
        version == 1 && context.State.TryGet(DispenseState.Key(recordId), out var bytes) ? DispenseState.TryDecode(bytes)?.PatientId : null;
}
