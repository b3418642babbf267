using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Patients;

/// <summary>The patients of the read model (state <c>patient/&lt;id&gt;</c>, current version of the demographics), decrypted in memory only.</summary>
public sealed class PatientDirectory : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PatientView> _patients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PatientState> _states = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => "patient/";

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload switch
    {
        RegisterPatientPayload p => [StateKeys.Patient(p.PatientId)],
        UpdateRecordPayload { Subject: RecordSubject.Patient } u => [StateKeys.Patient(u.Id)],
        _ => [],
    };

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (PatientState.TryDecode(value) is not { } state) continue;
            var details = opener.Open<PatientDetails>(state.Id, state.Version, state.Record);
            lock (_lock)
            {
                _states[state.Id] = state;
                if (details is not null) _patients[state.Id] = new PatientView(state.Id, state.OrganisationId, state.Version, details, state.Proof);
            }
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        lock (_lock)
        {
            return _states.TryGetValue(patientId, out var state) ? [new SealedVersion(patientId, state.Version, state.Record, ConsentCategories.Demographics)] : [];
        }
    }

    /// <summary>A patient, or null.</summary>
    public PatientView? Patient(string id)
    {
        lock (_lock) return _patients.GetValueOrDefault(id);
    }

    /// <summary>All patients of an organisation.</summary>
    public IReadOnlyList<PatientView> Patients(string organisationId)
    {
        lock (_lock) return _patients.Values.Where(p => p.OrganisationId == organisationId).ToList();
    }
}
