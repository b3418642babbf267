using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// The decrypted read model of the organisation's records, held in memory only: at start every registered
/// <see cref="IRecordKind"/> is loaded from the world state and the ciphertext store with the organisation's key; after
/// every committed block (before its submitters are answered) each kind reloads the state entries the block's accepted
/// transactions wrote. Nothing decrypted is written to disk.
/// </summary>
public sealed class RecordReadModel
{
    private readonly LedgerNode _node;
    private readonly OrganisationKeys _organisation;
    private readonly CategoryKeyring _keyring;
    private readonly IReadOnlyList<IRecordKind> _kinds;
    private readonly TimeProvider _clock;
    private readonly Lock _loading = new();

    // The height at which each grantee's records of other organisations' patients were last opened with their keys.
    private readonly Dictionary<string, ulong> _openedFor = new(StringComparer.Ordinal);

    /// <summary>Loads every kind and follows the chain from now on.</summary>
    public RecordReadModel(LedgerNode node, OrganisationKeys organisation, CategoryKeyring keyring, IEnumerable<IRecordKind> kinds, TimeProvider clock,
        NodeOptions options)
    {
        _node = node;
        _clock = clock;
        _organisation = organisation;
        _keyring = keyring;
        _kinds = kinds.ToList();
        // A kind that kept its records at a clean stop at a block of this chain takes them without its state entries being
        // read, then the blocks committed since are applied to it.
        var tip = node.Tip;
        var kept = _kinds.Select(k => k.KeptFor(tip, StateRootAt)).ToList();
        var scans = _kinds.Select((k, i) => kept[i] is null ? node.ScanState(k.StatePrefix) : []).ToList();
        var opener = new RecordOpener(node, organisation, keyring, null)
        {
            ScanFrom = options.ScanCiphertextsFrom,
            RecordsInState = scans.Sum(s => (long)s.Count) + kept.Sum(k => (long)(k?.Count ?? 0)),
        };
        for (var i = 0; i < _kinds.Count; i++) _kinds[i].Load(scans[i], opener);
        CatchUp(kept, tip.Height, opener);
        foreach (var kind in _kinds) kind.StartLoaded();
        keyring.SaveCache(); // the category keys opened by this load, for the next start (nothing when none was opened)
        node.BlockCommitted += Apply;
    }

    /// <summary>
    /// How many blocks a kind's kept records may be behind the start's block and still be taken (the blocks since are read and
    /// their writes applied); further behind, the kind's state is read instead.
    /// </summary>
    public const ulong MaxCatchUpBlocks = 10_000;

    // The state root a stored block's header names, or null (none stored at that height, or undecodable).
    private Hash256? StateRootAt(ulong height) =>
        _node.Store.ReadBlock(height) is { } stored && BlockHeader.TryDecode(stored.Header, out var header, out _) && header!.Height == height
            ? header.StateRoot : null;

    // The blocks after a kind's kept records, up to the start's, applied to it as committed blocks are (each accepted
    // transaction's writes, in order; an entry's state is written once, so the state's value now is the one the block wrote).
    private void CatchUp(List<KeptRecords?> kept, ulong tip, RecordOpener opener)
    {
        var behind = kept.Select((k, i) => (Kept: k, Kind: _kinds[i])).Where(k => k.Kept is { } r && r.Height < tip).ToList();
        if (behind.Count == 0) return;
        foreach (var stored in _node.Store.ReadBlocks(behind.Min(k => k.Kept!.Height) + 1, tip))
        {
            for (var i = 0; i < stored.Transactions.Count && i < stored.Receipts.Count; i++)
            {
                if (!Receipt.TryDecode(stored.Receipts[i], out var receipt, out _) || receipt!.Verdict != TxVerdict.Ok) continue;
                if (!Transaction.TryDecode(stored.Transactions[i].Body, int.MaxValue, out var tx).IsOk || tx is null) continue;
                foreach (var (_, kind) in behind.Where(k => k.Kept!.Height < stored.Height)) LoadWrites(kind, tx.Payload, _node.GetState, opener);
            }
        }
    }

    /// <summary>The registered kinds.</summary>
    public IReadOnlyList<IRecordKind> Kinds => _kinds;

    /// <summary>Every sealed version of a patient's records in the given categories, from every registered kind.</summary>
    public IEnumerable<SealedVersion> SealedVersions(string patientId, ConsentCategories categories) =>
        _kinds.SelectMany(k => k.SealedVersions(patientId)).Where(v => (categories & v.Category) == v.Category && v.Category != ConsentCategories.None);

    /// <summary>
    /// A patient's versions in the given categories sealed with their own data key rather than under a category key, from
    /// every registered kind (<see cref="IRecordKind.DataKeyedVersions"/>): looked up per patient, usually none.
    /// </summary>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId, ConsentCategories categories) =>
        _kinds.SelectMany(k => k.DataKeyedVersions(patientId)).Where(v => (categories & v.Category) == v.Category && v.Category != ConsentCategories.None);

    /// <summary>
    /// Care across organisations: opens, with the grantee's own keys (their session at this node), the records of patients
    /// of other organisations who granted <paramref name="actor"/> (a doctor) or the actor's organisation access now — the
    /// ciphertexts and the category-key envelopes replicated to this node, so the read is served here even when the
    /// patient's own organisation's node is down. Done again after each new block (new records, new epochs); nothing when
    /// no such grant is active. Whether the actor may read is still the <see cref="AccessPolicy"/>'s decision at each read.
    /// </summary>
    public void OpenGrantedTo(UserSession actor)
    {
        if (actor.Role != Role.Doctor) return;
        var now = (ulong)_clock.GetUtcNow().ToUnixTimeMilliseconds();
        var byDoctor = false;
        var byOrganisation = false;
        var granted = new HashSet<string>(StringComparer.Ordinal);
        // The current-grant keys (grantee/<patient>/<kind>/<grantee>: one per grantee, however many grants and revocations
        // there were) are matched by their end, so only this doctor's and their organisation's grants are read and decoded.
        var doctorEnd = $"/{(byte)GranteeKind.Doctor}/{actor.UserId}";
        var organisationEnd = $"/{(byte)GranteeKind.Organisation}/{actor.OrganisationId}";
        foreach (var (key, id) in _node.ScanState("grantee/"))
        {
            var toDoctor = key.EndsWith(doctorEnd, StringComparison.Ordinal);
            var toOrganisation = !toDoctor && key.EndsWith(organisationEnd, StringComparison.Ordinal);
            if (!toDoctor && !toOrganisation) continue;
            var patientId = key["grantee/".Length..^(toDoctor ? doctorEnd : organisationEnd).Length];
            if (_node.GetState(StateKeys.Grant(patientId, System.Text.Encoding.UTF8.GetString(id))) is not { } bytes
                || GrantState.TryDecode(bytes) is not { } grant || !grant.IsActiveAt(now)
                || grant.PatientId != patientId || Custodian(patientId) == _organisation.Id) continue;
            byDoctor |= toDoctor;
            byOrganisation |= toOrganisation;
            granted.Add(patientId);
        }
        if (!byDoctor && !byOrganisation) return;
        lock (_loading)
        {
            var height = _node.Tip.Height;
            if (_openedFor.TryGetValue(actor.UserId, out var opened) && opened == height) return;
            // The organisation's own key opens what was granted to the organisation; the doctor's what was granted to them.
            var openers = new List<RecordOpener>();
            if (byOrganisation) openers.Add(new RecordOpener(_node, _organisation, _keyring, null));
            if (byDoctor) openers.Add(new RecordOpener(_node, _organisation, _keyring, null, actor.Keys.Encryption));
            foreach (var kind in _kinds)
            {
                var states = GrantedStates(kind, granted);
                foreach (var opener in openers) kind.Load(states, opener);
            }
            _openedFor[actor.UserId] = height;
        }
    }

    // A kind's state entries for a grantee's load: those of the granted patients when the kind tells a value's patient, picked
    // as they are read (the entries' values come from the store: not copied whole), every entry otherwise.
    private IReadOnlyList<KeyValuePair<string, byte[]>> GrantedStates(IRecordKind kind, HashSet<string> granted)
    {
        if (kind.PatientOfState is not { } patientOf) return _node.ScanState(kind.StatePrefix);
        var found = new SortedDictionary<string, byte[]>(StringComparer.Ordinal); // a pass made again after a commit sees a key twice
        _node.VisitState(kind.StatePrefix, (key, value) =>
        {
            if (patientOf(value) is { } patient && granted.Contains(patient)) found[key] = value;
        });
        return [.. found];
    }

    private string? Custodian(string patientId) =>
        _node.GetState(StateKeys.Patient(patientId)) is { } p ? PatientState.TryDecode(p)?.OrganisationId : null;

    private void Apply(CandidateBlock candidate)
    {
        lock (_loading) ApplyBlock(candidate);
    }

    private void ApplyBlock(CandidateBlock candidate)
    {
        var built = candidate.Built;
        var opener = new RecordOpener(_node, _organisation, _keyring, candidate.Blobs);
        // The values the block wrote, from the block (the state does not hold the entries' values: LedgerNode.OnDemandPrefixes).
        var written = new Dictionary<string, byte[]?>(built.Execution.Changes.Count, StringComparer.Ordinal);
        foreach (var (key, value) in built.Execution.Changes.Entries) written[key] = value;
        for (var i = 0; i < built.Block.Transactions.Count; i++)
        {
            if (built.Execution.Receipts[i].Verdict != TxVerdict.Ok) continue;
            var payload = built.Block.Transactions[i].Payload;
            foreach (var kind in _kinds) LoadWrites(kind, payload, key => written.TryGetValue(key, out var value) ? value : _node.GetState(key), opener);
        }
    }

    // Loads into a kind the state entries an accepted transaction wrote of it, each value as valueOf reads it (deleted ones skipped).
    private static void LoadWrites(IRecordKind kind, TxPayload payload, Func<string, byte[]?> valueOf, RecordOpener opener)
    {
        var entries = kind.KeysWrittenBy(payload).Select(key => (Key: key, Value: valueOf(key)))
            .Where(e => e.Value is not null).Select(e => KeyValuePair.Create(e.Key, e.Value!)).ToList();
        if (entries.Count > 0) kind.Load(entries, opener);
    }
}
