using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The prescriptions of the read model (state <c>rx/&lt;id&gt;</c>), decrypted in memory only; covered by the <c>medication</c> consent category.</summary>
public sealed class PrescriptionStore : SealedRecordStore<PrescriptionView>
{
    /// <inheritdoc/>
    public override string StatePrefix => PrescriptionState.Prefix;

    /// <inheritdoc/>
    protected override ConsentCategories Category => ConsentCategories.Medication;

    /// <inheritdoc/>
    public override IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is PrescribePayload p ? [PrescriptionState.Key(p.PrescriptionId)] : [];

    /// <inheritdoc/>
    protected override Held? Open(byte[] value, RecordOpener opener) =>
        PrescriptionState.TryDecode(value) is { } s && opener.Open<PrescriptionDetails>(s.Id, 1, s.Record) is { } details
            ? new Held(s.Id, new PrescriptionView(s.Id, s.PatientId, s.DoctorId, s.PharmacyId, s.DrugId, s.Quantity, s.Repeats, details, s.Proof), s.PatientId, 1, s.Record)
            : null;

    /// <summary>A prescription, or null.</summary>
    public PrescriptionView? Prescription(string id) => Find(id)?.View;

    /// <summary>A patient's prescriptions, newest first.</summary>
    public IReadOnlyList<PrescriptionView> ForPatient(string patientId) =>
        InGroup(patientId).OrderByDescending(v => v.Proof.Height).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();

    /// <summary>The prescriptions a pharmacy dispenses, oldest first.</summary>
    public IReadOnlyList<PrescriptionView> ForPharmacy(string organisationId) =>
        Select(v => v.PharmacyId == organisationId).OrderBy(v => v.Proof.Height).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();
}
