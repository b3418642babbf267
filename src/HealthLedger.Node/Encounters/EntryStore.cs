using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Encounters;

/// <summary>
/// The entries of the read model (state <c>entry/&lt;id&gt;</c>: encounters and account lines), decrypted in memory only,
/// with each corrected entry linked to the entry that corrects it.
/// </summary>
public sealed class EntryStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, EntryView> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SealedRecordRef> _sealed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byPatient = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => "entry/";

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload switch
    {
        AddEntryPayload e => [StateKeys.Entry(e.EntryId)],
        ValidateLabResultsPayload { Charge: not null } v => [StateKeys.Entry(v.ChargeEntryId)], // the lab order's charge, posted with its validation
        PostLabChargePayload c => [StateKeys.Entry(c.ChargeEntryId)], // the patient's organisation's charge for another laboratory's order
        DispensePayload d => [StateKeys.Entry(d.ChargeEntryId)], // the pharmacy's charge, posted with the dispense
        _ => [],
    };

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        var loaded = new List<EntryState>();
        var states = entries.Select(e => EntryState.TryDecode(e.Value)).OfType<EntryState>().OrderBy(e => e.Proof.Height).ToList();
        var opened = opener.OpenAll<EntryDetails>(states.Select(s => (s.Id, 1, s.Record, s.PatientId)).ToList());
        for (var i = 0; i < states.Count; i++)
        {
            var state = states[i];
            if (opened[i] is not { } details) continue;
            loaded.Add(state);
            lock (_lock)
            {
                if (!_entries.ContainsKey(state.Id))
                {
                    if (!_byPatient.TryGetValue(state.PatientId, out var list)) _byPatient[state.PatientId] = list = [];
                    list.Add(state.Id);
                }
                _entries[state.Id] = new EntryView(state.Id, state.PatientId, state.Type, state.DoctorId, state.CorrectsId, state.AuthorId, details, state.Proof);
                _sealed[state.Id] = state.Record;
            }
        }
        // Link corrections once the whole batch is in (a correction may share a block with the entry it corrects).
        lock (_lock)
        {
            foreach (var state in loaded.Where(s => s.CorrectsId.Length > 0))
            {
                if (_entries.TryGetValue(state.CorrectsId, out var corrected)) _entries[state.CorrectsId] = corrected with { CorrectedBy = state.Id };
            }
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        lock (_lock)
        {
            return _byPatient.TryGetValue(patientId, out var ids)
                ? ids.Select(id => new SealedVersion(id, 1, _sealed[id], _entries[id].Type.ConsentCategory())).ToList()
                : [];
        }
    }

    /// <summary>An entry, or null.</summary>
    public EntryView? Entry(string id)
    {
        lock (_lock) return _entries.GetValueOrDefault(id);
    }

    /// <summary>A patient's entries in the order they were written.</summary>
    public IReadOnlyList<EntryView> Entries(string patientId)
    {
        lock (_lock) return _byPatient.TryGetValue(patientId, out var ids) ? ids.Select(i => _entries[i]).ToList() : [];
    }

    /// <summary>Every entry of the given patients (e.g. an organisation's).</summary>
    public IReadOnlyList<EntryView> Entries(IReadOnlySet<string> patientIds)
    {
        lock (_lock) return _entries.Values.Where(e => patientIds.Contains(e.PatientId)).ToList();
    }
}
