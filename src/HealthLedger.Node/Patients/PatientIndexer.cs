using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Patients;

/// <summary>
/// Keeps the name + date-of-birth blind index of this node's organisation's patients current: at start and after each
/// committed block, for every patient of the organisation whose current demographics (decrypted in memory by
/// <see cref="PatientDirectory"/>) give another index than the state holds (<see cref="PatientIndexState"/>) — a new
/// registration, a changed name or date of birth, or a patient registered before the index existed — it commits a
/// node-signed <see cref="IndexPatientPayload"/> with the new index (at most 64 at a time, in one block when they fit).
/// Exact-match lookups by name and date of birth (the break-glass search, <c>BreakGlassService.Find</c>) read that index.
/// </summary>
/// <remarks>
/// The first round looks at every patient of the organisation; later rounds only at the patients that committed blocks
/// touched since (a registration, a new version of the demographics, an index entry) and those whose hold was released, so
/// a round costs what the blocks changed, not the size of the patient directory (scale study, docs/benchmarks.md). A
/// patient whose newer version is not in the read model yet stays due for the next round.
/// </remarks>
public sealed partial class PatientIndexer : BlockSweeper
{
    private const int Batch = 64;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _due = new(StringComparer.Ordinal);
    private readonly PatientDirectory _directory;
    private readonly OrganisationKeys _organisation;
    private readonly ILogger<PatientIndexer> _logger;
    private volatile bool _sweptAll;

    /// <summary>Keeps the name index of <paramref name="organisation"/>'s patients in <paramref name="directory"/> current on <paramref name="node"/>.</summary>
    public PatientIndexer(LedgerNode node, PatientDirectory directory, OrganisationKeys organisation, TimeProvider clock, ILogger<PatientIndexer> logger)
        : base(node, clock)
    {
        _directory = directory;
        _organisation = organisation;
        _logger = logger;
        node.BlockCommitted += Touched;
    }

    // The patients whose index a committed block may have made stale (or set): looked at in the next round.
    private void Touched(CandidateBlock candidate)
    {
        foreach (var tx in candidate.Built.Block.Transactions)
        {
            var patientId = tx.Payload switch
            {
                RegisterPatientPayload p => p.PatientId,
                UpdateRecordPayload { Subject: RecordSubject.Patient } u => u.Id,
                IndexPatientPayload i => i.PatientId,
                _ => null,
            };
            if (patientId is not null) _due[patientId] = 0;
        }
    }

    /// <summary>
    /// Leaves <paramref name="patientId"/> to the caller until the returned handle is disposed: <see cref="PatientService"/>
    /// indexes a patient it registers or updates itself, right after that commits, so the sweep does not race it with a
    /// second transaction of its own.
    /// </summary>
    public IDisposable Hold(string patientId)
    {
        _held.AddOrUpdate(patientId, 1, (_, n) => n + 1);
        return new Release(() =>
        {
            if (_held.AddOrUpdate(patientId, 0, (_, n) => n - 1) <= 0) _held.TryRemove(new KeyValuePair<string, int>(patientId, 0));
            _due[patientId] = 0; // the holder may not have indexed it: the next round looks
        });
    }

    /// <summary>Index entries this node committed since it started (tests, diagnostics).</summary>
    public int Indexed { get; private set; }

    /// <inheritdoc/>
    protected override void SweepFailed(Exception error)
    {
        _sweptAll = false; // what the failed round took is looked at again
        IndexFailed(_logger, error);
    }

    /// <summary>The patients whose name index is missing or out of date now, with the index they should have (every patient of the organisation).</summary>
    public IReadOnlyList<IndexPatientPayload> Stale()
    {
        var stale = new List<IndexPatientPayload>();
        foreach (var patient in _directory.Patients(_organisation.Id)) Check(patient, stale);
        return stale;
    }

    // Adds the patient's index when it is missing or out of date; false when the read model does not hold the version the
    // state holds yet (look again later).
    private bool Check(PatientView patient, List<IndexPatientPayload> stale)
    {
        if (patient.OrganisationId != _organisation.Id || patient.Details.FullName.Length == 0 || _held.ContainsKey(patient.Id)) return true;
        // Only the version the state holds: a newer version not yet in the read model is indexed on the next sweep.
        if (Node.GetState(StateKeys.Patient(patient.Id)) is not { } bytes || PatientState.TryDecode(bytes)?.Version != patient.Version) return false;
        var index = _organisation.NameDobIndex(patient.Details.FullName, patient.Details.DateOfBirth);
        if ((Node.GetState(PatientIndexState.Key(patient.Id)) is { } entry ? PatientIndexState.TryDecode(entry) : null)?.NameIndex != index) stale.Add(new IndexPatientPayload(patient.Id, index, null));
        return true;
    }

    // The first round (and one after a failed round) looks at every patient; later ones at those blocks touched since.
    private List<IndexPatientPayload> Due()
    {
        if (!_sweptAll)
        {
            _due.Clear();
            _sweptAll = true;
            return [.. Stale()];
        }
        var stale = new List<IndexPatientPayload>();
        foreach (var id in _due.Keys)
        {
            _due.TryRemove(id, out _);
            if (_directory.Patient(id) is { } patient ? !Check(patient, stale) : Ours(id)) _due[id] = 0;
        }
        return stale;
    }

    // A patient of this organisation that the read model does not hold yet (its block is being applied).
    private bool Ours(string patientId) =>
        Node.GetState(StateKeys.Patient(patientId)) is { } bytes && PatientState.TryDecode(bytes)?.OrganisationId == _organisation.Id;

    /// <summary>Commits whatever index is missing or out of date now.</summary>
    public override async Task SweepAsync(CancellationToken ct)
    {
        var stale = Due();
        for (var i = 0; i < stale.Count; i += Batch)
        {
            var committed = await Task.WhenAll(stale.Skip(i).Take(Batch).Select(p => Node.SubmitAsNodeAsync(p, ct)));
            foreach (var refused in committed.Where(c => c.Receipt.Verdict != TxVerdict.Ok)) IndexRefused(_logger, refused.Receipt.Reason);
            var ok = committed.Count(c => c.Receipt.Verdict == TxVerdict.Ok);
            Indexed += ok;
            if (ok > 0) PatientsIndexed(_logger, ok);
        }
    }

    private sealed class Release(Action release) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) release();
        }
    }


    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Indexed {Count} patient(s) by name and date of birth")]
    private static partial void PatientsIndexed(ILogger logger, int count);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "The ledger refused a patient's name index: {Reason}")]
    private static partial void IndexRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Indexing patients failed; retrying in 5 s")]
    private static partial void IndexFailed(ILogger logger, Exception exception);
}
