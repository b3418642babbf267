using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A doctor's structured prescription: a drug of the pharmacy's formulary, the quantity per supply and the repeats in
/// plaintext (so the state machine can refuse dispensing more), and dose, route, frequency, duration and any allergy override
/// reason sealed under the patient's medication category key. The doctor must attend the patient or hold a grant covering
/// medication; the pharmacy is the patient's organisation (dispensing at another member is a later step).
/// </summary>
/// <param name="PrescriptionId">The new prescription's id.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="PharmacyId">The organisation whose pharmacy dispenses it.</param>
/// <param name="DrugId">The drug of that pharmacy's formulary.</param>
/// <param name="Quantity">Units per supply (1..<see cref="Pharmacy.MaxQuantity"/>).</param>
/// <param name="Repeats">Further supplies after the first (0..<see cref="Pharmacy.MaxRepeats"/>).</param>
/// <param name="Record">The sealed prescription (medication category).</param>
public sealed record PrescribePayload(string PrescriptionId, string PatientId, string PharmacyId, string DrugId, int Quantity, int Repeats, SealedRecordRef Record) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Prescribe;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(PrescriptionId).Text(PatientId).Text(PharmacyId).Text(DrugId).VarUInt((ulong)Quantity).VarUInt((ulong)Repeats);
        Record.Write(writer);
    }
}

/// <summary>Executes <see cref="PrescribePayload"/>.</summary>
public sealed class PrescribeHandler : TxKindHandler<PrescribePayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.Prescribe;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out PrescribePayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "prescription id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.Text(out var pharmacy, Identifiers.MaxLength, "pharmacy id");
        r.Text(out var drug, Identifiers.MaxLength, "drug id");
        r.VarInt32(out var quantity, int.MaxValue, "quantity");
        r.VarInt32(out var repeats, int.MaxValue, "repeats");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        payload = new PrescribePayload(id, patient, pharmacy, drug, quantity, repeats, record);
        return true;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(PrescribePayload p)
    {
        if (!Identifiers.IsValid(p.PrescriptionId)) return Invalid("prescriptionId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PharmacyId)) return Invalid("pharmacyId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.DrugId)) return Invalid("drugId", Identifiers.Rule);
        if (p.Quantity is < 1 or > Pharmacy.MaxQuantity) return Invalid("quantity", $"must be 1 to {Pharmacy.MaxQuantity}");
        if (p.Repeats is < 0 or > Pharmacy.MaxRepeats) return Invalid("repeats", $"must be 0 to {Pharmacy.MaxRepeats}");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, PrescribePayload p)
    {
        var patient = context.GetPatient(p.PatientId);
        if (patient is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.PatientId}' does not exist");
        var signer = context.SignerUser;
        if (signer is not { Role: Role.Doctor } || !Consent.DoctorMay(context.State, p.PatientId, signer, ConsentCategories.Medication, context.Timestamp))
        {
            return TxResult.Reject(TxVerdict.Unauthorized, "only a doctor who attends the patient or holds a grant for their medication may prescribe");
        }
        if (context.State.Contains(PrescriptionState.Key(p.PrescriptionId))) return TxResult.Reject(TxVerdict.AlreadyExists, $"prescription id '{p.PrescriptionId}' is taken");
        if (p.PharmacyId != patient.OrganisationId) return TxResult.Reject(TxVerdict.InvalidField, "pharmacyId: the pharmacy must be the patient's organisation's");
        var drug = context.State.TryGet(DrugState.Key(p.DrugId), out var bytes) ? DrugState.TryDecode(bytes) : null;
        if (drug is null || drug.OrganisationId != p.PharmacyId) return TxResult.Reject(TxVerdict.NotFound, $"drugId: drug '{p.DrugId}' is not in the pharmacy's formulary");
        var org = context.GetOrganisation(patient.OrganisationId)!;
        if (CategoryKeyRules.RequireReaders(context, tx, p.Record, p.PatientId, ConsentCategories.Medication, org, context.GetUser(p.PatientId)?.EncryptionKey) is { } missing)
        {
            return missing;
        }
        context.State.Set(PrescriptionState.Key(p.PrescriptionId), new PrescriptionState(p.PrescriptionId, p.PatientId, signer.Id, p.PharmacyId, p.DrugId, p.Quantity, p.Repeats,
            p.Record, new RecordProof(tx.Id, context.Height, context.Timestamp)).Encode());
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    public override string? PatientOfRecord(TxContext context, string recordId, int version) =>
        version == 1 && context.State.TryGet(PrescriptionState.Key(recordId), out var bytes) ? PrescriptionState.TryDecode(bytes)?.PatientId : null;
}
