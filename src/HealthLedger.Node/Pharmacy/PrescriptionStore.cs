using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Pharmacy;

/// <summary>The prescriptions of the read model (state <c>rx/&lt;id&gt;</c>), decrypted in memory only; covered by the <c>medication</c> consent category.</summary>
public sealed class PrescriptionStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (PrescriptionView View, SealedRecordRef Sealed)> _prescriptions = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => PrescriptionState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is PrescribePayload p ? [PrescriptionState.Key(p.PrescriptionId)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (PrescriptionState.TryDecode(value) is not { } s || opener.Open<PrescriptionDetails>(s.Id, 1, s.Record) is not { } details) continue;
            var view = new PrescriptionView(s.Id, s.PatientId, s.DoctorId, s.PharmacyId, s.DrugId, s.Quantity, s.Repeats, details, s.Proof);
            lock (_lock) _prescriptions[s.Id] = (view, s.Record);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        lock (_lock)
        {
            return _prescriptions.Values.Where(x => x.View.PatientId == patientId)
                .Select(x => new SealedVersion(x.View.Id, 1, x.Sealed, ConsentCategories.Medication)).ToList();
        }
    }

    /// <summary>A prescription, or null.</summary>
    public PrescriptionView? Prescription(string id)
    {
        lock (_lock) return _prescriptions.TryGetValue(id, out var found) ? found.View : null;
    }

    /// <summary>A patient's prescriptions, newest first.</summary>
    public IReadOnlyList<PrescriptionView> ForPatient(string patientId)
    {
        lock (_lock) return _prescriptions.Values.Select(x => x.View).Where(v => v.PatientId == patientId).OrderByDescending(v => v.Proof.Height).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The prescriptions a pharmacy dispenses, oldest first.</summary>
    public IReadOnlyList<PrescriptionView> ForPharmacy(string organisationId)
    {
        lock (_lock) return _prescriptions.Values.Select(x => x.View).Where(v => v.PharmacyId == organisationId).OrderBy(v => v.Proof.Height).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();
    }
}
