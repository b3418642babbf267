using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The dispenses of the read model (state <c>dispense/&lt;id&gt;</c>), decrypted in memory only; covered by the <c>medication</c> consent category.</summary>
public sealed class DispenseStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DispenseView View, SealedRecordRef Sealed)> _dispenses = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => DispenseState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is DispensePayload d ? [DispenseState.Key(d.DispenseId)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (DispenseState.TryDecode(value) is not { } s || opener.Open<DispenseDetails>(s.Id, 1, s.Record) is not { } details) continue;
            var view = new DispenseView(s.Id, s.PrescriptionId, s.PatientId, s.PharmacistId, s.Lines, s.ChargeEntryId, details, s.Proof);
            lock (_lock) _dispenses[s.Id] = (view, s.Record);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        lock (_lock)
        {
            return _dispenses.Values.Where(x => x.View.PatientId == patientId)
                .Select(x => new SealedVersion(x.View.Id, 1, x.Sealed, ConsentCategories.Medication)).ToList();
        }
    }

    /// <summary>A dispense, or null.</summary>
    public DispenseView? Dispense(string id)
    {
        lock (_lock) return _dispenses.TryGetValue(id, out var found) ? found.View : null;
    }

    /// <summary>The dispenses of a prescription, oldest first.</summary>
    public IReadOnlyList<DispenseView> ForPrescription(string prescriptionId)
    {
        lock (_lock) return _dispenses.Values.Select(x => x.View).Where(v => v.PrescriptionId == prescriptionId).OrderBy(v => v.Proof.Height).ToList();
    }

    /// <summary>Every dispense that took from one of <paramref name="batchIds"/> (an organisation's), oldest first.</summary>
    public IReadOnlyList<DispenseView> FromBatches(IReadOnlySet<string> batchIds)
    {
        lock (_lock) return _dispenses.Values.Select(x => x.View).Where(v => v.Lines.Any(l => batchIds.Contains(l.BatchId))).OrderBy(v => v.Proof.Height).ToList();
    }
}
