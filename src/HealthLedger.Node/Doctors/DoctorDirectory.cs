using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Doctors;

/// <summary>The doctor directory of the read model (state <c>doctor/&lt;id&gt;</c>, current version), decrypted in memory only. Not a patient's record.</summary>
public sealed class DoctorDirectory : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DoctorView> _doctors = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string StatePrefix => "doctor/";

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload switch
    {
        RegisterDoctorPayload d => [StateKeys.Doctor(d.DoctorId)],
        UpdateRecordPayload { Subject: RecordSubject.Doctor } u => [StateKeys.Doctor(u.Id)],
        _ => [],
    };

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (DoctorState.TryDecode(value) is not { } state || opener.Open<DoctorDetails>(state.Id, state.Version, state.Record) is not { } details) continue;
            lock (_lock) _doctors[state.Id] = new DoctorView(state.Id, state.OrganisationId, state.Version, details, state.Proof);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId) => [];

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId) => [];

    /// <summary>A doctor, or null.</summary>
    public DoctorView? Doctor(string id)
    {
        lock (_lock) return _doctors.GetValueOrDefault(id);
    }

    /// <summary>Every doctor whose entry this node opened: its organisation's, and other members' sealed for it too.</summary>
    public IReadOnlyList<DoctorView> AllDoctors()
    {
        lock (_lock) return _doctors.Values.ToList();
    }

    /// <summary>The doctors of one organisation.</summary>
    public IReadOnlyList<DoctorView> Doctors(string organisationId)
    {
        lock (_lock) return _doctors.Values.Where(d => d.OrganisationId == organisationId).ToList();
    }
}
