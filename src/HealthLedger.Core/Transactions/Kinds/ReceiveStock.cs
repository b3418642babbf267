using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// Stock in: a new batch of a formulary drug received from a supplier (quantity, expiry date; supplier, lot number and cost
/// sealed for the organisation). Signed by a pharmacist or an admin of the drug's organisation. A batch already expired at
/// the block's time is refused.
/// </summary>
/// <param name="BatchId">The new batch's id.</param>
/// <param name="DrugId">The drug (of the signer's organisation).</param>
/// <param name="ExpiryDay">Expiry date, days since 1970-01-01 (UTC).</param>
/// <param name="Quantity">Units received (1..<see cref="Pharmacy.MaxQuantity"/>).</param>
/// <param name="Record">The sealed receipt, with an envelope for the organisation.</param>
public sealed record ReceiveStockPayload(string BatchId, string DrugId, int ExpiryDay, int Quantity, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ReceiveStock;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(BatchId).Text(DrugId).VarUInt((ulong)ExpiryDay).VarUInt((ulong)Quantity);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="ReceiveStockPayload"/>.</summary>
public sealed class ReceiveStockHandler : TxKindHandler<ReceiveStockPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.ReceiveStock;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out ReceiveStockPayload payload)
    {
        payload = null!;
        r.Text(out var batch, Identifiers.MaxLength, "batch id");
        r.Text(out var drug, Identifiers.MaxLength, "drug id");
        r.VarInt32(out var expiry, int.MaxValue, "expiry day");
        r.VarInt32(out var quantity, int.MaxValue, "quantity");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new ReceiveStockPayload(batch, drug, expiry, quantity, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(ReceiveStockPayload p)
    {
        if (!Identifiers.IsValid(p.BatchId)) return Invalid("batchId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.DrugId)) return Invalid("drugId", Identifiers.Rule);
        if (p.ExpiryDay is < 1 or > Pharmacy.MaxDay) return Invalid("expiresOn", "not a date");
        if (p.Quantity is < 1 or > Pharmacy.MaxQuantity) return Invalid("quantity", $"must be 1 to {Pharmacy.MaxQuantity}");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, ReceiveStockPayload p)
    {
        var drug = context.State.TryGet(DrugState.Key(p.DrugId), out var bytes) ? DrugState.TryDecode(bytes) : null;
        if (drug is null) return TxResult.Reject(TxVerdict.NotFound, $"drugId: drug '{p.DrugId}' is not in a formulary");
        if (PharmacyStaff.Require(context, drug.OrganisationId, "receive its stock") is { } denied) return denied;
        if (context.State.Contains(StockBatchState.Key(p.BatchId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"batch id '{p.BatchId}' is taken");
        if (Pharmacy.IsExpired(p.ExpiryDay, Pharmacy.Day(context.Timestamp))) return TxResult.Reject(TxVerdict.InvalidField, "expiresOn: the batch has already expired");
        var batches = IdList.Read(context.State, DrugState.BatchesKey(p.DrugId), Pharmacy.MaxBatches);
        if (batches.Count >= Pharmacy.MaxBatches) return TxResult.Reject(TxVerdict.Conflict, $"drugId: drug '{p.DrugId}' already has {Pharmacy.MaxBatches} batches");
        var org = context.GetOrganisation(drug.OrganisationId)!;
        if (TxContext.RequireEnvelopes(p.Record, ("the organisation", org.EncryptionKey)) is { } missing) return missing;
        var signer = context.SignerUser!;
        context.State.Set(StockBatchState.Key(p.BatchId), new StockBatchState(p.BatchId, drug.OrganisationId, p.DrugId, p.ExpiryDay, p.Quantity, signer.Id, p.Record,
            new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        context.State.Set(Pharmacy.OnHandKey(p.BatchId), Pharmacy.EncodeOnHand(p.Quantity));
        context.State.Set(DrugState.BatchesKey(p.DrugId), IdList.Encode([.. batches, p.BatchId]));
        return TxResult.Ok;
    }
}
