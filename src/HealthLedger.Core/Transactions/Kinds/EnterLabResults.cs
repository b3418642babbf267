using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A version of a lab order's results, entered by the laboratory's staff (technician or pathologist): the first once the
/// specimen was received, a correction while not yet validated, or an amendment after sign-off (the sealed content then
/// carries the reason; the order goes back to resulted and needs a new validation). Values and units are sealed; the
/// node's door checks them against the catalogue (possible range, unit) before signing.
/// </summary>
/// <param name="OrderId">The order.</param>
/// <param name="Version">The order's next step version.</param>
/// <param name="Record">The sealed results (record <paramref name="OrderId"/>, version <paramref name="Version"/>).</param>
public sealed record EnterLabResultsPayload(string OrderId, int Version, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.EnterLabResults;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(OrderId).VarUInt((ulong)Version);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="EnterLabResultsPayload"/>.</summary>
public sealed class EnterLabResultsHandler : TxKindHandler<EnterLabResultsPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.EnterLabResults;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out EnterLabResultsPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "order id");
        r.VarInt32(out var version, LabOrderState.MaxSteps + 1, "version");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new EnterLabResultsPayload(id, version, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(EnterLabResultsPayload p)
    {
        if (!Identifiers.IsValid(p.OrderId)) return Invalid("orderId", Identifiers.Rule);
        if (p.Version < 2) return Invalid("version", "must be 2 or more");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, EnterLabResultsPayload p)
    {
        var (order, refused) = LabRules.NextStep(context, p.OrderId, p.Version, "enter results",
            LabOrderStatus.Received, LabOrderStatus.Resulted, LabOrderStatus.Validated);
        if (refused is { } no) return no;
        if (!LabRules.IsLabStaffOf(context.SignerUser, order!.LabOrganisationId))
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only the laboratory's technicians and pathologists may enter results");
        }
        if (LabRules.RequireReaders(context, tx, p.Record, order.PatientId) is { } missing) return missing;
        LabRules.Append(context, tx, order, LabOrderStatus.Resulted, p.Record);
        return TxResult.Ok;
    }
}
