using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// The patient's organisation (the custodian, which ordered the tests) bills the patient for a lab order that a laboratory
/// of another member organisation validated, as a hospital bills for the tests it sends to a reference laboratory: an
/// account entry (type charge, sealed in category <c>account</c> under the patient's account key, which the laboratory does
/// not hold) priced from the laboratory's validated report. Accepted only from a node of the patient's organisation (its
/// background writer) or an admin of it, for an order of another organisation's laboratory that has been validated at least
/// once and carries no charge yet; the order is marked charged (<see cref="LabOrderState.ChargeEntryId"/>) without a new
/// step, so a second charge is refused (Conflict) whichever node sends it.
/// </summary>
/// <param name="OrderId">The validated lab order.</param>
/// <param name="ChargeEntryId">The new charge entry's id (<c>entry/&lt;id&gt;</c>).</param>
/// <param name="Charge">The sealed charge entry (record <paramref name="ChargeEntryId"/>, version 1, category account).</param>
public sealed record PostLabChargePayload(string OrderId, string ChargeEntryId, SealedRecordRef Charge) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.PostLabCharge;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Charge];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(OrderId).Text(ChargeEntryId);
        Charge.Write(writer);
    }
}

/// <summary>Executes <see cref="PostLabChargePayload"/>.</summary>
public sealed class PostLabChargeHandler : TxKindHandler<PostLabChargePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.PostLabCharge;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out PostLabChargePayload payload)
    {
        payload = null!;
        r.Text(out var order, Identifiers.MaxLength, "order id");
        r.Text(out var entry, Identifiers.MaxLength, "charge entry id");
        if (!SealedRecordRef.TryRead(ref r, out var charge)) return false;
        payload = new PostLabChargePayload(order, entry, charge);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(PostLabChargePayload p)
    {
        if (!Identifiers.IsValid(p.OrderId)) return Invalid("orderId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.ChargeEntryId)) return Invalid("chargeEntryId", Identifiers.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, PostLabChargePayload p)
    {
        if (LabRules.GetOrder(context, p.OrderId) is not { } order) return TxResult.Reject(TxVerdict.NotFound, $"lab order '{p.OrderId}' does not exist");
        if (context.GetPatient(order.PatientId) is not { } patient) return TxResult.Reject(TxVerdict.NotFound, $"patient '{order.PatientId}' does not exist");
        var custodianId = patient.OrganisationId;
        var signerId = context.SignerNode is { } node && node.OrganisationId == custodianId ? node.Id
            : context.SignerUser is { Role: Role.Admin } admin && admin.OrganisationId == custodianId ? admin.Id
            : null;
        if (signerId is null)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"only a node or an admin of the patient's organisation '{custodianId}' posts the charge of a lab order");
        }
        if (order.LabOrganisationId == custodianId)
        {
            return TxResult.Reject(TxVerdict.Conflict, $"orderId: lab order '{order.OrderId}' is of the patient's own organisation's laboratory, whose validation posts its charge");
        }
        if (!order.Steps.Any(s => s.Step == LabOrderStatus.Validated))
        {
            return TxResult.Reject(TxVerdict.Conflict, $"status: lab order '{order.OrderId}' is {order.Status.ToString().ToLowerInvariant()}; it is charged once validated");
        }
        if (order.ChargeEntryId.Length > 0) return TxResult.Reject(TxVerdict.Conflict, $"chargeEntryId: the order was already charged by entry '{order.ChargeEntryId}'");
        if (context.State.Contains(StateKeys.Entry(p.ChargeEntryId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"entry id '{p.ChargeEntryId}' is taken");
        var custodian = context.GetOrganisation(custodianId)!;
        if (CategoryKeyRules.RequireReaders(context, tx, p.Charge, order.PatientId, ConsentCategories.Account, custodian, context.GetUser(order.PatientId)?.EncryptionKey) is { } noKey)
        {
            return noKey;
        }
        context.State.Set(StateKeys.Entry(p.ChargeEntryId), new EntryState(p.ChargeEntryId, order.PatientId, EntryType.Charge, "", "", signerId, p.Charge,
            new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        context.State.Set(LabOrderState.Key(order.OrderId), (order with { ChargeEntryId = p.ChargeEntryId }).Encode());
        return TxResult.Ok;
    }
}
