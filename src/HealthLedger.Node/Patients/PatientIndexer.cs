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
public sealed partial class PatientIndexer(LedgerNode node, PatientDirectory directory, OrganisationKeys organisation, TimeProvider clock,
    ILogger<PatientIndexer> logger) : BlockSweeper(node, clock)
{
    private const int Batch = 64;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _held = new(StringComparer.Ordinal);

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
        });
    }

    /// <summary>Index entries this node committed since it started (tests, diagnostics).</summary>
    public int Indexed { get; private set; }

    /// <inheritdoc/>
    protected override void SweepFailed(Exception error) => IndexFailed(logger, error);

    /// <summary>The patients whose name index is missing or out of date now, with the index they should have.</summary>
    public IReadOnlyList<IndexPatientPayload> Stale()
    {
        var stale = new List<IndexPatientPayload>();
        foreach (var patient in directory.Patients(organisation.Id))
        {
            if (patient.Details.FullName.Length == 0 || _held.ContainsKey(patient.Id)) continue;
            // Only the version the state holds: a newer version not yet in the read model is indexed on the next sweep.
            if (Node.GetState(StateKeys.Patient(patient.Id)) is not { } bytes || PatientState.TryDecode(bytes)?.Version != patient.Version) continue;
            var index = organisation.NameDobIndex(patient.Details.FullName, patient.Details.DateOfBirth);
            if ((Node.GetState(PatientIndexState.Key(patient.Id)) is { } entry ? PatientIndexState.TryDecode(entry) : null)?.NameIndex != index) stale.Add(new IndexPatientPayload(patient.Id, index, null));
        }
        return stale;
    }

    /// <summary>Commits whatever index is missing or out of date now.</summary>
    public override async Task SweepAsync(CancellationToken ct)
    {
        var stale = Stale();
        for (var i = 0; i < stale.Count; i += Batch)
        {
            var committed = await Task.WhenAll(stale.Skip(i).Take(Batch).Select(p => Node.SubmitAsNodeAsync(p, ct)));
            foreach (var refused in committed.Where(c => c.Receipt.Verdict != TxVerdict.Ok)) IndexRefused(logger, refused.Receipt.Reason);
            var ok = committed.Count(c => c.Receipt.Verdict == TxVerdict.Ok);
            Indexed += ok;
            if (ok > 0) PatientsIndexed(logger, ok);
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
