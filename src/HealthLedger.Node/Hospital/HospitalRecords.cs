using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Hospital;

/// <summary>
/// The decrypted read model of the organisation's records (patients, doctors, entries), held in memory only: rebuilt
/// from the world state and the ciphertext store at start with the organisation's key, then kept current from every
/// committed block. Nothing here is written to disk.
/// </summary>
public sealed class HospitalRecords
{
    private readonly LedgerNode _node;
    private readonly OrganisationKeys _organisation;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, PatientView> _patients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DoctorView> _doctors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EntryView> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _entriesByPatient = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ReportView>> _reports = new(StringComparer.Ordinal);

    public HospitalRecords(LedgerNode node, OrganisationKeys organisation)
    {
        _node = node;
        _organisation = organisation;
        foreach (var (key, value) in node.ScanState("doctor/")) LoadDoctor(DoctorState.TryDecode(value), null);
        foreach (var (key, value) in node.ScanState("patient/")) LoadPatient(PatientState.TryDecode(value), null);
        var entries = node.ScanState("entry/").Select(e => EntryState.TryDecode(e.Value)).OfType<EntryState>().OrderBy(e => e.Proof.Height);
        foreach (var entry in entries) LoadEntry(entry, null);
        foreach (var (_, value) in node.ScanState("reportv/")) LoadReport(ReportState.TryDecode(value), null);
        node.BlockCommitted += Apply;
    }

    private void Apply(CandidateBlock candidate)
    {
        var built = candidate.Built;
        for (var i = 0; i < built.Block.Transactions.Count; i++)
        {
            if (built.Execution.Receipts[i].Verdict != TxVerdict.Ok) continue;
            switch (built.Block.Transactions[i].Payload)
            {
                case RegisterPatientPayload p:
                    LoadPatient(ReadState(StateKeys.Patient(p.PatientId), b => PatientState.TryDecode(b)), candidate.Blobs);
                    break;
                case UpdateRecordPayload { Subject: RecordSubject.Patient } u:
                    LoadPatient(ReadState(StateKeys.Patient(u.Id), b => PatientState.TryDecode(b)), candidate.Blobs);
                    break;
                case RegisterDoctorPayload d:
                    LoadDoctor(ReadState(StateKeys.Doctor(d.DoctorId), b => DoctorState.TryDecode(b)), candidate.Blobs);
                    break;
                case UpdateRecordPayload { Subject: RecordSubject.Doctor } u:
                    LoadDoctor(ReadState(StateKeys.Doctor(u.Id), b => DoctorState.TryDecode(b)), candidate.Blobs);
                    break;
                case AddEntryPayload e:
                    LoadEntry(ReadState(StateKeys.Entry(e.EntryId), b => EntryState.TryDecode(b)), candidate.Blobs);
                    break;
                case AddReportPayload r:
                    LoadReport(ReadState(StateKeys.ReportVersion(r.ReportId, r.Version), b => ReportState.TryDecode(b)), candidate.Blobs);
                    break;
            }
        }
    }

    private T? ReadState<T>(string key, Func<byte[], T?> decode) where T : class => _node.GetState(key) is { } bytes ? decode(bytes) : null;

    private T? Open<T>(string id, int version, SealedRecordRef reference, IReadOnlyDictionary<Core.Primitives.Hash256, byte[]>? blobs) where T : class
    {
        if (!reference.HasEnvelopeFor(_organisation.EncryptionKey)) return null;
        var ciphertext = blobs is not null && blobs.TryGetValue(reference.CiphertextHash, out var b) ? b : _node.Store.ReadBlob(reference.CiphertextHash);
        return ciphertext is null ? null : RecordSealer.Open<T>(id, version, reference, ciphertext, _organisation.Keys.Encryption);
    }

    private void LoadPatient(PatientState? state, IReadOnlyDictionary<Core.Primitives.Hash256, byte[]>? blobs)
    {
        if (state is null || Open<PatientDetails>(state.Id, state.Version, state.Record, blobs) is not { } details) return;
        lock (_lock) _patients[state.Id] = new PatientView(state.Id, state.OrganisationId, state.Version, details, state.Proof);
    }

    private void LoadDoctor(DoctorState? state, IReadOnlyDictionary<Core.Primitives.Hash256, byte[]>? blobs)
    {
        if (state is null || Open<DoctorDetails>(state.Id, state.Version, state.Record, blobs) is not { } details) return;
        lock (_lock) _doctors[state.Id] = new DoctorView(state.Id, state.OrganisationId, state.Version, details, state.Proof);
    }

    private void LoadEntry(EntryState? state, IReadOnlyDictionary<Core.Primitives.Hash256, byte[]>? blobs)
    {
        if (state is null || Open<EntryDetails>(state.Id, 1, state.Record, blobs) is not { } details) return;
        lock (_lock)
        {
            _entries[state.Id] = new EntryView(state.Id, state.PatientId, state.Type, state.DoctorId, state.CorrectsId, state.AuthorId, details, state.Proof);
            if (!_entriesByPatient.TryGetValue(state.PatientId, out var list)) _entriesByPatient[state.PatientId] = list = [];
            list.Add(state.Id);
            if (state.CorrectsId.Length > 0 && _entries.TryGetValue(state.CorrectsId, out var corrected))
            {
                _entries[state.CorrectsId] = corrected with { CorrectedBy = state.Id };
            }
        }
    }

    private void LoadReport(ReportState? state, IReadOnlyDictionary<Core.Primitives.Hash256, byte[]>? blobs)
    {
        if (state is null || Open<ReportContent>(state.Id, state.Version, state.Record, blobs) is not { } content) return;
        lock (_lock)
        {
            if (!_reports.TryGetValue(state.Id, out var versions)) _reports[state.Id] = versions = [];
            versions.RemoveAll(v => v.Version == state.Version);
            versions.Add(new ReportView(state, content));
            versions.Sort((a, b) => a.Version.CompareTo(b.Version));
        }
    }

    /// <summary>Every version of a report, oldest first (empty when unknown).</summary>
    public IReadOnlyList<ReportView> ReportVersions(string reportId)
    {
        lock (_lock) return _reports.TryGetValue(reportId, out var v) ? v.ToList() : [];
    }

    /// <summary>The latest version of each of a patient's reports, newest first.</summary>
    public IReadOnlyList<ReportView> Reports(string patientId)
    {
        lock (_lock) return _reports.Values.Select(v => v[^1]).Where(r => r.PatientId == patientId).OrderByDescending(r => r.Proof.Height).ToList();
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

    /// <summary>A doctor, or null.</summary>
    public DoctorView? Doctor(string id)
    {
        lock (_lock) return _doctors.GetValueOrDefault(id);
    }

    /// <summary>All doctors of an organisation.</summary>
    public IReadOnlyList<DoctorView> Doctors(string organisationId)
    {
        lock (_lock) return _doctors.Values.Where(d => d.OrganisationId == organisationId).ToList();
    }

    /// <summary>An entry, or null.</summary>
    public EntryView? Entry(string id)
    {
        lock (_lock) return _entries.GetValueOrDefault(id);
    }

    /// <summary>A patient's entries in the order they were written.</summary>
    public IReadOnlyList<EntryView> Entries(string patientId)
    {
        lock (_lock) return _entriesByPatient.TryGetValue(patientId, out var ids) ? ids.Select(i => _entries[i]).ToList() : [];
    }

    /// <summary>Every entry of an organisation's patients.</summary>
    public IReadOnlyList<EntryView> AllEntries(string organisationId)
    {
        lock (_lock) return _entries.Values.Where(e => _patients.TryGetValue(e.PatientId, out var p) && p.OrganisationId == organisationId).ToList();
    }

    /// <summary>True when the MRN's blind index is already taken in the organisation.</summary>
    public bool MrnTaken(string mrn) => _node.GetState(StateKeys.Mrn(_organisation.Id, _organisation.BlindIndex(mrn))) is not null;
}
