using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.VitalSigns;

/// <summary>The vital signs of the read model (state <c>vitals/&lt;id&gt;</c>), decrypted in memory only; covered by the <c>encounters</c> consent category.</summary>
public sealed class VitalSignsStore : IRecordKind
{
    private readonly Lock _lock = new();
    // Per patient, by observation id: a new observation is added without walking the patient's earlier ones.
    private readonly Dictionary<string, Dictionary<string, (VitalSignsView View, SealedRecordRef Sealed)>> _byPatient = new(StringComparer.Ordinal);
    private readonly DataKeyedVersions _dataKeyed = new();

    /// <inheritdoc/>
    public string StatePrefix => VitalSignsState.Prefix;

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is RecordVitalSignsPayload v ? [VitalSignsState.Key(v.ObservationId)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (VitalSignsState.TryDecode(value) is not { } state || opener.Open<VitalSignsDetails>(state.Id, 1, state.Record) is not { } details) continue;
            lock (_lock)
            {
                if (!_byPatient.TryGetValue(state.PatientId, out var held)) _byPatient[state.PatientId] = held = new(StringComparer.Ordinal);
                held[state.Id] = (new VitalSignsView(state.Id, state.PatientId, state.AuthorId, details, state.Proof), state.Record);
                _dataKeyed.Note(state.PatientId, state.Id, 1, state.Record, ConsentCategories.Encounters);
            }
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        lock (_lock)
        {
            return _byPatient.TryGetValue(patientId, out var list)
                ? list.Values.Select(x => new SealedVersion(x.View.Id, 1, x.Sealed, ConsentCategories.Encounters)).ToList()
                : [];
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId) => _dataKeyed.Of(patientId);

    /// <summary>A patient's vital signs, latest taken first.</summary>
    public IReadOnlyList<VitalSignsView> ForPatient(string patientId)
    {
        lock (_lock)
        {
            return _byPatient.TryGetValue(patientId, out var list)
                ? list.Values.Select(x => x.View).OrderByDescending(v => v.Details.TakenAt).ThenByDescending(v => v.Proof.Height).ThenByDescending(v => v.Id, StringComparer.Ordinal).ToList()
                : [];
        }
    }

    /// <summary>One observation, or null.</summary>
    public VitalSignsView? Find(string patientId, string id)
    {
        lock (_lock) return _byPatient.TryGetValue(patientId, out var list) ? list.GetValueOrDefault(id).View : null;
    }
}
