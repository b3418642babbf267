using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The dispenses of the read model (state <c>dispense/&lt;id&gt;</c>), decrypted in memory only; covered by the <c>medication</c> consent category.</summary>
public sealed class DispenseStore : SealedRecordStore<DispenseView>
{
    /// <inheritdoc/>
    public override string StatePrefix => DispenseState.Prefix;

    /// <inheritdoc/>
    protected override ConsentCategories Category => ConsentCategories.Medication;

    /// <inheritdoc/>
    public override IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is DispensePayload d ? [DispenseState.Key(d.DispenseId)] : [];

    /// <inheritdoc/>
    protected override Held? Open(byte[] value, RecordOpener opener) =>
        DispenseState.TryDecode(value) is { } s && opener.Open<DispenseDetails>(s.Id, 1, s.Record) is { } details
            ? new Held(s.Id, new DispenseView(s.Id, s.PrescriptionId, s.PatientId, s.PharmacistId, s.Lines, s.ChargeEntryId, details, s.Proof), s.PatientId, 1, s.Record)
            : null;

    /// <summary>Dispenses are listed by the prescription they fill.</summary>
    protected override string? Group(Held held) => held.View.PrescriptionId;

    /// <summary>A dispense, or null.</summary>
    public DispenseView? Dispense(string id) => Find(id)?.View;

    /// <summary>The dispenses of a prescription, oldest first.</summary>
    public IReadOnlyList<DispenseView> ForPrescription(string prescriptionId) =>
        InGroup(prescriptionId).OrderBy(v => v.Proof.Height).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();

    /// <summary>Every dispense that took from one of <paramref name="batchIds"/> (an organisation's), oldest first.</summary>
    public IReadOnlyList<DispenseView> FromBatches(IReadOnlySet<string> batchIds) =>
        Select(v => v.Lines.Any(l => batchIds.Contains(l.BatchId))).OrderBy(v => v.Proof.Height).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();
}
