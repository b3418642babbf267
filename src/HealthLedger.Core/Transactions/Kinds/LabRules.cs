using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>The state machine's rules shared by the lab order kinds (40–44).</summary>
public static class LabRules
{
    /// <summary>The order, or null.</summary>
    public static LabOrderState? GetOrder(TxContext context, string orderId) =>
        context.State.TryGet(LabOrderState.Key(orderId), out var bytes) ? LabOrderState.TryDecode(bytes) : null;

    /// <summary>True when <paramref name="user"/> is laboratory staff (technician or pathologist) of <paramref name="organisationId"/>.</summary>
    public static bool IsLabStaffOf(UserRecord? user, string organisationId) =>
        user is { Role: Role.LabTechnician or Role.Pathologist } && user.OrganisationId == organisationId;

    /// <summary>
    /// The order and its next step's checks: it exists, <paramref name="version"/> is its next version (so a step is never
    /// applied twice or out of order), and it is in one of <paramref name="allowed"/>. Null rejection when all pass.
    /// </summary>
    public static (LabOrderState? Order, TxResult? Refused) NextStep(TxContext context, string orderId, int version, string action, params LabOrderStatus[] allowed)
    {
        var order = GetOrder(context, orderId);
        if (order is null) return (null, TxResult.Reject(TxVerdict.NotFound, $"lab order '{orderId}' does not exist"));
        if (version != order.NextVersion) return (null, TxResult.Reject(TxVerdict.Conflict, $"version: the order is at step {order.Steps.Count}; the next step is version {order.NextVersion}"));
        if (order.Steps.Count >= LabOrderState.MaxSteps) return (null, TxResult.Reject(TxVerdict.Conflict, $"version: an order has at most {LabOrderState.MaxSteps} steps"));
        if (!allowed.Contains(order.Status))
        {
            return (null, TxResult.Reject(TxVerdict.Conflict, $"status: the order is {order.Status.ToString().ToLowerInvariant()}; to {action} it must be {string.Join(" or ", allowed.Select(a => a.ToString().ToLowerInvariant()))}"));
        }
        return (order, null);
    }

    /// <summary>The category-key rule for a step's sealed record (category laboratory, custodian = the patient's organisation).</summary>
    public static TxResult? RequireReaders(TxContext context, Transaction tx, SealedRecordRef record, string patientId)
    {
        var patient = context.GetPatient(patientId);
        if (patient is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{patientId}' does not exist");
        var org = context.GetOrganisation(patient.OrganisationId)!;
        return CategoryKeyRules.RequireReaders(context, tx, record, patientId, ConsentCategories.Laboratory, org, context.GetUser(patientId)?.EncryptionKey);
    }

    /// <summary>Appends a step and writes the order.</summary>
    public static void Append(TxContext context, Transaction tx, LabOrderState order, LabOrderStatus step, SealedRecordRef record, string? specimenId = null, string? chargeEntryId = null)
    {
        var next = order with
        {
            SpecimenId = specimenId ?? order.SpecimenId,
            ChargeEntryId = chargeEntryId ?? order.ChargeEntryId,
            Steps = [.. order.Steps, new LabStep(step, context.SignerUser!.Id, record, new RecordProof(tx.Id, context.Height, context.Timestamp))],
        };
        context.State.Set(LabOrderState.Key(order.OrderId), next.Encode());
    }

    /// <summary>The patient whose lab order <paramref name="recordId"/> holds step <paramref name="version"/>, or null.</summary>
    public static string? PatientOfRecord(TxContext context, string recordId, int version) =>
        GetOrder(context, recordId) is { } order && version >= 1 && version <= order.Steps.Count ? order.PatientId : null;
}
