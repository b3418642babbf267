using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A lab order's specimen: <see cref="LabOrderStatus.Collected"/> (by the laboratory's staff or the ordering doctor; the
/// specimen id, printed on its label, is new on the chain) or <see cref="LabOrderStatus.Received"/> at the laboratory (by
/// its staff; the id scanned from the label must be the order's). Collection time, collector and remarks are sealed.
/// </summary>
/// <param name="OrderId">The order.</param>
/// <param name="Version">The order's next step version.</param>
/// <param name="Step">Collected or Received.</param>
/// <param name="SpecimenId">The specimen's id (its label).</param>
/// <param name="Record">The sealed step (record <paramref name="OrderId"/>, version <paramref name="Version"/>).</param>
public sealed record RecordLabSpecimenPayload(string OrderId, int Version, LabOrderStatus Step, string SpecimenId, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordLabSpecimen;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(OrderId).VarUInt((ulong)Version).U8((byte)Step).Text(SpecimenId);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="RecordLabSpecimenPayload"/>.</summary>
public sealed class RecordLabSpecimenHandler : TxKindHandler<RecordLabSpecimenPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordLabSpecimen;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RecordLabSpecimenPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "order id");
        r.VarInt32(out var version, LabOrderState.MaxSteps + 1, "version");
        r.U8(out var step);
        r.Text(out var specimen, Identifiers.MaxLength, "specimen id");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new RecordLabSpecimenPayload(id, version, (LabOrderStatus)step, specimen, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RecordLabSpecimenPayload p)
    {
        if (!Identifiers.IsValid(p.OrderId)) return Invalid("orderId", Identifiers.Rule);
        if (p.Version < 2) return Invalid("version", "must be 2 or more");
        if (p.Step is not (LabOrderStatus.Collected or LabOrderStatus.Received)) return Invalid("step", "must be collected or received");
        if (!Identifiers.IsValid(p.SpecimenId)) return Invalid("specimenId", Identifiers.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RecordLabSpecimenPayload p)
    {
        var collecting = p.Step == LabOrderStatus.Collected;
        var (order, refused) = LabRules.NextStep(context, p.OrderId, p.Version, collecting ? "collect its specimen" : "receive its specimen",
            collecting ? LabOrderStatus.Ordered : LabOrderStatus.Collected);
        if (refused is { } no) return no;
        var signer = context.SignerUser;
        var staff = LabRules.IsLabStaffOf(signer, order!.LabOrganisationId);
        if (collecting ? !staff && signer?.Id != order.DoctorId : !staff)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, collecting
                ? "only the laboratory's staff or the ordering doctor may record the specimen's collection"
                : "only the laboratory's staff may receive the specimen");
        }
        if (collecting && context.State.Contains(LabOrderState.SpecimenKey(p.SpecimenId)))
        {
            return TxResult.Reject(TxVerdict.AlreadyExists, $"specimen id '{p.SpecimenId}' is taken");
        }
        if (!collecting && p.SpecimenId != order.SpecimenId)
        {
            return TxResult.Reject(TxVerdict.InvalidField, $"specimenId: '{p.SpecimenId}' is not the specimen of order '{p.OrderId}'");
        }
        if (LabRules.RequireReaders(context, tx, p.Record, order.PatientId) is { } missing) return missing;
        if (collecting) context.State.Set(LabOrderState.SpecimenKey(p.SpecimenId), new CanonicalWriter(72).Text(p.OrderId).ToArray());
        LabRules.Append(context, tx, order, p.Step, p.Record, specimenId: collecting ? p.SpecimenId : null);
        return TxResult.Ok;
    }
}
