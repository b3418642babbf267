using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.MedicalReports;

/// <summary>The medical reports of the read model (state <c>reportv/&lt;id&gt;/&lt;version&gt;</c>: every version), decrypted in memory only.</summary>
public sealed class ReportStore : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<ReportView>> _reports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byPatient = new(StringComparer.Ordinal); // report ids
    private readonly DataKeyedVersions _dataKeyed = new();

    /// <inheritdoc/>
    public string StatePrefix => "reportv/";

    /// <inheritdoc/>
    public IEnumerable<string> KeysWrittenBy(TxPayload payload) => payload is AddReportPayload r ? [StateKeys.ReportVersion(r.ReportId, r.Version)] : [];

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        foreach (var (_, value) in entries)
        {
            if (ReportState.TryDecode(value) is not { } state || opener.Open<ReportContent>(state.Id, state.Version, state.Record) is not { } content) continue;
            lock (_lock)
            {
                if (!_reports.TryGetValue(state.Id, out var versions)) _reports[state.Id] = versions = [];
                versions.RemoveAll(v => v.Version == state.Version);
                versions.Add(new ReportView(state, content));
                versions.Sort((a, b) => a.Version.CompareTo(b.Version));
                if (!_byPatient.TryGetValue(state.PatientId, out var ids)) _byPatient[state.PatientId] = ids = new(StringComparer.Ordinal);
                ids.Add(state.Id);
            }
            _dataKeyed.Note(state.PatientId, state.Id, state.Version, state.Record, ConsentCategories.Reports);
        }
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId) =>
        Reports(patientId).SelectMany(r => ReportVersions(r.Id)).Select(v => new SealedVersion(v.Id, v.Version, v.State.Record, ConsentCategories.Reports)).ToList();

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId) => _dataKeyed.Of(patientId);

    /// <summary>Every version of a report, oldest first (empty when unknown).</summary>
    public IReadOnlyList<ReportView> ReportVersions(string reportId)
    {
        lock (_lock) return _reports.TryGetValue(reportId, out var v) ? v.ToList() : [];
    }

    /// <summary>The latest version of each of a patient's reports, newest first.</summary>
    public IReadOnlyList<ReportView> Reports(string patientId)
    {
        lock (_lock) return _byPatient.TryGetValue(patientId, out var ids) ? ids.Select(id => _reports[id][^1]).OrderByDescending(r => r.Proof.Height).ThenByDescending(r => r.Id, StringComparer.Ordinal).ToList() : [];
    }
}
