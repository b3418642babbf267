using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A doctor orders laboratory tests for a patient (the tests, priority and clinical note are sealed in category
/// laboratory; the chain sees ids only). The doctor must reach the patient's laboratory data (attending, or a grant that
/// covers it); the laboratory is the patient's own organisation, or another member organisation that holds the patient's
/// active grant covering laboratory (so it reads the order through the patient's category key); it must have a catalogue.
/// </summary>
/// <param name="OrderId">The new order's id (also the record id of its steps).</param>
/// <param name="PatientId">The patient.</param>
/// <param name="LabOrganisationId">The laboratory's organisation.</param>
/// <param name="Record">The sealed order (record <paramref name="OrderId"/>, version 1).</param>
public sealed record PlaceLabOrderPayload(string OrderId, string PatientId, string LabOrganisationId, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.PlaceLabOrder;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(OrderId).Text(PatientId).Text(LabOrganisationId);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="PlaceLabOrderPayload"/>.</summary>
public sealed class PlaceLabOrderHandler : TxKindHandler<PlaceLabOrderPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.PlaceLabOrder;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out PlaceLabOrderPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "order id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.Text(out var lab, Identifiers.MaxLength, "laboratory id");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new PlaceLabOrderPayload(id, patient, lab, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(PlaceLabOrderPayload p)
    {
        if (!Identifiers.IsValid(p.OrderId)) return Invalid("orderId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.LabOrganisationId)) return Invalid("laboratoryId", Identifiers.Rule);
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, PlaceLabOrderPayload p)
    {
        var patient = context.GetPatient(p.PatientId);
        if (patient is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.PatientId}' does not exist");
        var signer = context.SignerUser;
        if (signer is not { Role: Role.Doctor } || !Consent.DoctorMay(context.State, p.PatientId, signer, ConsentCategories.Laboratory, context.Timestamp))
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only a doctor who attends the patient or holds their grant for laboratory data may order tests");
        }
        if (context.State.Contains(LabOrderState.Key(p.OrderId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"lab order id '{p.OrderId}' is taken");
        if (context.GetOrganisation(p.LabOrganisationId) is not { Status: OrganisationStatus.Active })
        {
            return TxResult.Reject(TxVerdict.NotFound, $"laboratory '{p.LabOrganisationId}' is not an active member organisation");
        }
        if (p.LabOrganisationId != patient.OrganisationId
            && Consent.CurrentGrant(context.State, p.PatientId, GranteeKind.Organisation, p.LabOrganisationId)?.Allows(ConsentCategories.Laboratory, context.Timestamp) != true)
        {
            return TxResult.Reject(TxVerdict.Unauthorized, $"laboratoryId: the patient has not granted laboratory '{p.LabOrganisationId}' access to their laboratory data");
        }
        if (!context.State.Contains(LabCatalogueState.Key(p.LabOrganisationId)))
        {
            return TxResult.Reject(TxVerdict.NotFound, $"laboratory '{p.LabOrganisationId}' has no test catalogue");
        }
        if (LabRules.RequireReaders(context, tx, p.Record, p.PatientId) is { } missing) return missing;
        var order = new LabOrderState(p.OrderId, p.PatientId, p.LabOrganisationId, signer.Id, "", "",
            [new LabStep(LabOrderStatus.Ordered, signer.Id, p.Record, new RecordProof(tx.Id, context.Height, context.Timestamp))]);
        context.State.Set(LabOrderState.Key(p.OrderId), order.Encode());
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    public override string? PatientOfRecord(TxContext context, string recordId, int version) => LabRules.PatientOfRecord(context, recordId, version);
}
