using System.Collections.Concurrent;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Encounters;

/// <summary>
/// The entries of the read model (state <c>entry/&lt;id&gt;</c>: encounters and account lines), with each corrected entry
/// linked to the entry that corrects it. Bounded: for every entry it keeps only a head (ids, type, proof) and a
/// <em>summary</em> of its content — when it happened, ward and bed, quantity, unit price, amount, deposit: what the
/// organisation's lists and aggregates need. The rest of the content (reason, notes, diagnosis, summary, service, method) is
/// opened again from the ciphertext store when a patient's entries are read (<see cref="Entries(string)"/>,
/// <see cref="Entry"/>), and kept in a cache of recently read patients of at most <see cref="NodeOptions.EntryCacheEntries"/>
/// entries (least recently read patient out first). Entries opened with a grantee's keys (care across organisations) stay
/// whole in memory: the organisation's key cannot open them again. An entry's sealed reference (ciphertext hash, wrapped
/// data key, a new key epoch's readers) is not held: it is read from the world state when the entry is opened again or a
/// grant re-wraps it (an entry's state is written once, by the transaction that adds it). The ids a head repeats (patient,
/// doctor, author) and ward and bed names are held once. Nothing decrypted is written to disk.
/// </summary>
public sealed class EntryStore(NodeOptions options, EntrySummaryCache? summaryFile = null) : IRecordKind
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, EntryView> _heads = new(StringComparer.Ordinal); // Details: the summary only
    private readonly Dictionary<string, List<string>> _byPatient = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EntryDetails> _pinned = new(StringComparer.Ordinal); // opened with a grantee's keys
    private readonly Dictionary<string, string> _shared = new(StringComparer.Ordinal); // ids and ward and bed names, held once
    private readonly DetailsCache _cache = new(Math.Max(0, options.EntryCacheEntries));
    private readonly DataKeyedVersions _dataKeyed = new();
    private RecordOpener? _reader;
    private RecordOpener? _states; // reads the entries' sealed references from the world state
    private bool _started; // the load at start is done (later loads are a block's entries)
    private bool _summariesStale; // entries were added since the summaries file was read or written
    private KeptEntryHeads? _kept; // the file's heads, read by KeptFor until the load at start
    private bool _keptWhole; // the file's heads stand for the entries at a block of this chain: the load at start takes them as they are
    private ulong _keptHeight; // that block (the blocks after it, up to the start's, are applied next)
    private int _caughtUp; // entries of those blocks opened
    private EntryHeadsStamp? _startStamp; // the block the node started at
    private EntryHeadsStamp? _fileStamp; // the block the file was made at, as read or last written
    private readonly Lock _writing = new(); // one write of the file at a time (the start's, beside the node, and a stop's)
    private int _fileWrites; // writes of the file done: the start's is skipped once a stop's was done first

    /// <summary>How many times entries were opened again from the store for a read (a patient's missing entries in one go).</summary>
    public long Reopenings => Interlocked.Read(ref _reopenings);

    private long _reopenings;

    /// <summary>
    /// What the load at start did: how many entries' heads came from the heads file (<see cref="EntrySummaryCache"/>) and how
    /// many entries were opened from their ciphertexts (those the file lacked, or those of the blocks committed after it was made
    /// when it was taken whole).
    /// </summary>
    public (int FromFile, int Opened) LoadedAtStart
    {
        get
        {
            lock (_lock) return (_loadedAtStart.FromFile, _loadedAtStart.Opened + _caughtUp);
        }
    }

    private (int FromFile, int Opened) _loadedAtStart;

    /// <summary>
    /// Whether the load at start took the heads file whole (<see cref="KeptFor"/>: made at a clean stop at a block of this chain
    /// at or below the start's, the blocks since applied after it), without reading the entries' state.
    /// </summary>
    public bool KeptWholeAtStart
    {
        get
        {
            lock (_lock) return _keptWhole && _started;
        }
    }

    /// <summary>
    /// Whether the start found a heads file that did not open (another organisation's or network's, altered, truncated, of an
    /// older format): every entry was then opened from its ciphertext, and the file written anew.
    /// </summary>
    public bool KeptFileNotOpened { get; private set; }

    /// <summary>
    /// Called once the load at start is done, the blocks committed after the kept heads' block included: a start that applied
    /// such blocks (after a crash) writes the heads file at once, stamped with the start's block, so that another crash does not
    /// make the next start apply them again (<see cref="SavedAtStart"/>). Nothing otherwise.
    /// </summary>
    public void StartLoaded()
    {
        bool behind;
        lock (_lock) behind = _keptWhole && summaryFile is not null && _fileStamp != _startStamp;
        if (behind) SaveAtStart();
    }

    /// <summary>How many entries' full contents are held now (the cache and the entries opened with a grantee's keys).</summary>
    public int HeldDetails
    {
        get
        {
            lock (_lock) return _cache.Count + _pinned.Count;
        }
    }

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

    // Room in the heads' table for more entries (caller holds _lock): one table for a start's 2 million entries, not 20
    // doublings; a block's few more grow it by a quarter when it is full. EnsureCapacity(Count + n) on every block made a
    // table of exactly that size (the next prime), so every block that added entries copied the whole 2-million-entry table
    // (a large-object-heap array of ~50 MB) on the commit path (docs/benchmarks.md, "The state tree in buckets; what the
    // node allocates under load").
    private void GrowHeads(int more)
    {
        var needed = _heads.Count + more;
        if (needed > _heads.EnsureCapacity(0)) _heads.EnsureCapacity(Math.Max(needed, _heads.Count + _heads.Count / 4));
    }

    /// <inheritdoc/>
    public Func<byte[], string?> PatientOfState { get; } = static value => EntryState.TryDecode(value)?.PatientId;

    /// <summary>
    /// Reads the heads file (<see cref="EntrySummaryCache"/>): when it was made at <paramref name="tip"/> or at an earlier block of
    /// this chain (its stamp's state root the one <paramref name="stateRootAt"/> gives for its height), at most
    /// <see cref="RecordReadModel.MaxCatchUpBlocks"/> behind, the load at start takes its heads as they are and the entries'
    /// state is not read (returns how many, and the block); else null, and the load at start uses the file's heads one by one
    /// for the entries they were made from.
    /// </summary>
    public KeptRecords? KeptFor(HealthLedger.Core.Ledger.BlockHeader tip, Func<ulong, Hash256?> stateRootAt)
    {
        ArgumentNullException.ThrowIfNull(tip);
        ArgumentNullException.ThrowIfNull(stateRootAt);
        lock (_lock)
        {
            if (_started || summaryFile is null) return null;
            _startStamp = new EntryHeadsStamp(tip.Height, tip.StateRoot);
            _kept = summaryFile.Load(out var opened);
            KeptFileNotOpened = !opened;
            _fileStamp = _kept?.At;
            _keptWhole = _kept?.At is { } at && (at == _startStamp
                || (at.Height < tip.Height && tip.Height - at.Height <= RecordReadModel.MaxCatchUpBlocks && stateRootAt(at.Height) == at.StateRoot));
            if (!_keptWhole) return null;
            _keptHeight = _kept!.At!.Height;
            return new KeptRecords(_kept.Heads.Count, _keptHeight);
        }
    }

    /// <inheritdoc/>
    public void Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, RecordOpener opener)
    {
        bool atStart;
        lock (_lock)
        {
            if (!opener.ForGrantee) _reader ??= opener.WithoutBlobs();
            _states ??= opener.WithoutBlobs(); // not a block's ciphertexts: only its state reads are used
            atStart = !_started && !opener.ForGrantee;
            if (atStart) _started = true;
        }
        if (atStart && _keptWhole)
        {
            LoadKept();
            return;
        }
        // Kept while the heads are built: not each entry's sealed reference (envelopes, a new key epoch's readers: most of what
        // decoding allocates, 2 million entries' worth at start), only its ciphertext hash and, for the few sealed with their own
        // data key, the reference DataKeyedVersions keeps. An entry to open is decoded again for its reference.
        // The ids the heads repeat (patient, doctor, author) are held once from the decode on: at start the 2 million Decoded
        // live until the heads are built, and each decoded copy of those ids was about half of the load's peak beside them.
        var ids = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var states = RecordOpener.DecodeAll(entries, (bytes, index) => EntryState.TryDecode(bytes) is { } s ? new Decoded(index, s, ids) : null)
            .OfType<Decoded>().OrderBy(e => e.Proof.Height).ToList();
        // At start, the heads kept across restarts stand in for opening the entries they were made from (the same id and proof:
        // an entry's state is written once, by the transaction the proof names); the rest are opened from their ciphertexts.
        var kept = atStart ? KeptById() : [];
        var fromFile = new EntryDetails?[states.Count];
        var toOpen = new List<int>(kept.Count == 0 ? states.Count : 0);
        for (var i = 0; i < states.Count; i++)
        {
            if (kept.TryGetValue(states[i].Id, out var head) && head.Proof == states[i].Proof) fromFile[i] = head.Details;
            else toOpen.Add(i);
        }
        kept.Clear();
        var openedNow = opener.OpenAll<EntryDetails>(toOpen
            .Select(i => (states[i].Id, 1, EntryState.TryDecode(entries[states[i].Index].Value)!.Record, states[i].PatientId)).ToList());
        var opened = new EntryDetails?[states.Count];
        for (var j = 0; j < toOpen.Count; j++) opened[toOpen[j]] = openedNow[j];
        var loaded = new List<Decoded>(states.Count);
        lock (_lock) GrowHeads(states.Count);
        for (var i = 0; i < states.Count; i++)
        {
            var state = states[i];
            if ((opened[i] ?? fromFile[i]) is not { } details) continue;
            loaded.Add(state);
            lock (_lock)
            {
                var known = _heads.TryGetValue(state.Id, out var previous);
                var patientId = Shared(state.PatientId);
                if (!known)
                {
                    if (!_byPatient.TryGetValue(patientId, out var list)) _byPatient[patientId] = list = [];
                    list.Add(state.Id);
                }
                // A summary from the file is one already (SummaryOf keeps it rather than copying it); an opened entry's is made here.
                _heads[state.Id] = new EntryView(state.Id, patientId, state.Type, Shared(state.DoctorId), state.CorrectsId, Shared(state.AuthorId),
                    fromFile[i] is not null ? SummaryOf(details) : Summary(details), state.Proof, previous?.CorrectedBy);
                if (state.DataKeyed is { } reference) _dataKeyed.Note(state.PatientId, state.Id, 1, reference, state.Type.ConsentCategory());
                else _dataKeyed.NoteUnderCategoryKey(state.PatientId, state.Id, 1);
                if (opener.ForGrantee)
                {
                    // Held whole only when the organisation's key did not open it (it would open it again on demand).
                    if (!known || _pinned.ContainsKey(state.Id)) _pinned[state.Id] = details;
                }
                else
                {
                    _pinned.Remove(state.Id);
                    if (_keptWhole && !atStart && state.Proof.Height > _keptHeight && state.Proof.Height <= _startStamp!.Height && fromFile[i] is null) _caughtUp++;
                    _summariesStale |= fromFile[i] is null;
                    if (fromFile[i] is null) _cache.AddIfHeld(state.PatientId, state.Id, details); // a patient being read sees the new entry without opening it again
                }
            }
        }
        if (atStart)
        {
            lock (_lock) _loadedAtStart = (fromFile.Count(d => d is not null), toOpen.Count(i => opened[i] is not null));
        }
        // Link corrections once the whole batch is in (a correction may share a block with the entry it corrects).
        lock (_lock)
        {
            foreach (var state in loaded.Where(s => s.CorrectsId.Length > 0))
            {
                if (_heads.TryGetValue(state.CorrectsId, out var corrected)) _heads[state.CorrectsId] = corrected with { CorrectedBy = state.Id };
            }
        }
        // A start that had to open entries from their ciphertexts (no file yet, or entries committed after it was written), or
        // whose file was made at another block, writes the file at once, stamped with the start's block: the next start, even
        // after a crash, does not open them again, and one at this block takes the heads whole.
        if (atStart && summaryFile is not null && (toOpen.Any(i => opened[i] is not null) || _fileStamp != _startStamp)) SaveAtStart();
    }

    // The file's heads by entry id (as KeptFor read it), for the load at start that cannot take them whole.
    private Dictionary<string, EntryView> KeptById()
    {
        KeptEntryHeads? file;
        lock (_lock) (file, _kept) = (_kept, null);
        var byId = new Dictionary<string, EntryView>(file?.Heads.Count ?? 0, StringComparer.Ordinal);
        foreach (var kept in file?.Heads ?? []) byId[kept.Head.Id] = kept.Head;
        return byId;
    }

    // The load at start from a heads file made at the start's block: its heads as they are, in the order they were added (the
    // readers that show an order sort by block and id: Entries), the ids and names they repeat held once; the entries sealed with
    // their own data key have their references read from the world state (a few). Nothing is decoded or opened.
    private void LoadKept()
    {
        KeptEntryHeads file;
        lock (_lock) (file, _kept) = (_kept!, null);
        var dataKeyed = new List<EntryView>();
        lock (_lock)
        {
            GrowHeads(file.Heads.Count);
            foreach (var (kept, keyed) in file.Heads)
            {
                var head = kept;
                var (patientId, doctorId, authorId) = (Shared(head.PatientId), Shared(head.DoctorId), Shared(head.AuthorId));
                var summary = SummaryOf(head.Details);
                // The file reads each id and name once, so these are the strings held already unless a head repeats an entry.
                if (!ReferenceEquals(patientId, head.PatientId) || !ReferenceEquals(doctorId, head.DoctorId) || !ReferenceEquals(authorId, head.AuthorId)
                    || !ReferenceEquals(summary, head.Details))
                {
                    head = head with { PatientId = patientId, DoctorId = doctorId, AuthorId = authorId, Details = summary };
                }
                if (!_heads.TryAdd(head.Id, head)) continue; // the file holds each entry once
                if (!_byPatient.TryGetValue(patientId, out var list)) _byPatient[patientId] = list = [];
                list.Add(head.Id);
                if (keyed) dataKeyed.Add(head);
            }
            _loadedAtStart = (_heads.Count, 0);
            _summariesStale = false;
        }
        foreach (var head in dataKeyed)
        {
            if (Sealed(head.Id) is { } reference) _dataKeyed.Note(head.PatientId, head.Id, 1, reference, head.Type.ConsentCategory());
        }
    }

    // An entry's state as the load keeps it while it builds the heads (see Load).
    private sealed record Decoded(int Index, string Id, string PatientId, EntryType Type, string DoctorId, string CorrectsId, string AuthorId,
        RecordProof Proof, SealedRecordRef? DataKeyed)
    {
        public Decoded(int index, EntryState state, ConcurrentDictionary<string, string> ids)
            : this(index, state.Id, Once(state.PatientId, ids), state.Type, Once(state.DoctorId, ids), state.CorrectsId, Once(state.AuthorId, ids),
                state.Proof, state.Record.KeyWrap is null ? state.Record : null)
        {
        }

        private static string Once(string id, ConcurrentDictionary<string, string> ids) =>
            id.Length == 0 ? "" : ids.GetOrAdd(id, id);
    }

    /// <summary>
    /// Writes the heads file (<see cref="EntrySummaryCache"/>) when entries were added since it was read or written, or it was
    /// made at another block: every entry the organisation's key opens, stamped with <paramref name="at"/>, the block the node
    /// has applied to this store (null when not known: the next start then uses the heads one by one). Called when the node
    /// stops, after consensus has; <paramref name="at"/> must be read before this call (a head added after it is then in a file
    /// stamped below it, and the next start applies its block again, which changes nothing; never a stamp that claims heads the
    /// file lacks). Returns how many heads were
    /// written (0: nothing to write, or no file). An I/O failure is the caller's to report: the next start then opens the
    /// entries the file lacks from their ciphertexts.
    /// </summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    public int SaveSummaries(EntryHeadsStamp? at)
    {
        List<KeptEntryHead> heads;
        lock (_lock)
        {
            if (summaryFile is null || (!_summariesStale && at == _fileStamp)) return 0;
            heads = KeptHeads();
            _summariesStale = false; // entries committed from here on set it again
        }
        lock (_writing)
        {
            summaryFile.Save(at, heads);
            lock (_lock) (_fileStamp, _fileWrites) = (at, _fileWrites + 1);
        }
        return heads.Count;
    }

    // The heads the file keeps (caller holds _lock): those the organisation's key opens, in the order they were added, each
    // with whether it is sealed with its own data key; a link to a correction opened only with a grantee's keys is left out
    // (a start would not have it).
    private List<KeptEntryHead> KeptHeads()
    {
        var heads = new List<KeptEntryHead>(_heads.Count);
        foreach (var head in _heads.Values)
        {
            if (_pinned.ContainsKey(head.Id)) continue;
            var kept = head.CorrectedBy is { } by && _pinned.ContainsKey(by) ? head with { CorrectedBy = null } : head;
            heads.Add(new KeptEntryHead(kept, _dataKeyed.Holds(head.PatientId, head.Id, 1)));
        }
        return heads;
    }

    /// <summary>
    /// The write of the heads file that a start begins when it opened entries from their ciphertexts or applied blocks after
    /// the file's (completed at once when it begins none). It runs beside the node (at 2 million entries ~1 s that the node's
    /// readiness no longer waits for), with the heads as the load at start left them, stamped with the start's block; a stop
    /// waits for it and writes after it, and a stop that wrote first makes it write nothing. Never faults: a write that fails
    /// leaves the file to the stop.
    /// </summary>
    public Task SavedAtStart { get; private set; } = Task.CompletedTask;

    // The file from the load at start, stamped with the start's block: the entries just loaded are every entry of the state.
    private void SaveAtStart()
    {
        List<KeptEntryHead> heads;
        EntryHeadsStamp? at;
        int writes;
        lock (_lock)
        {
            heads = KeptHeads();
            at = _startStamp;
            _summariesStale = false;
            writes = _fileWrites;
        }
        SavedAtStart = Task.Run(() =>
        {
            try
            {
                lock (_writing)
                {
                    lock (_lock)
                    {
                        if (_fileWrites != writes) return; // a stop wrote the file since: newer than these heads
                    }
                    summaryFile!.Save(at, heads);
                    lock (_lock) (_fileStamp, _fileWrites) = (at, _fileWrites + 1);
                }
            }
            catch (Exception)
            {
                lock (_lock) _summariesStale = true; // a cache: the stop writes it (and reports a failure)
            }
        });
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> SealedVersions(string patientId)
    {
        List<(string Id, EntryType Type)> entries;
        lock (_lock)
        {
            if (!_byPatient.TryGetValue(patientId, out var ids)) return [];
            entries = ids.Select(id => (id, _heads[id].Type)).ToList();
        }
        var versions = new List<SealedVersion>(entries.Count);
        foreach (var (id, type) in entries)
        {
            if (Sealed(id) is { } record) versions.Add(new SealedVersion(id, 1, record, type.ConsentCategory()));
        }
        return versions;
    }

    // An entry's sealed reference as the world state holds it (read outside the store's lock), or null.
    private SealedRecordRef? Sealed(string id)
    {
        RecordOpener? states;
        lock (_lock) states = _states;
        return states?.State(StateKeys.Entry(id)) is { } bytes && EntryState.TryDecode(bytes) is { } state ? state.Record : null;
    }

    /// <inheritdoc/>
    public IEnumerable<SealedVersion> DataKeyedVersions(string patientId) => _dataKeyed.Of(patientId);

    /// <summary>An entry with its whole content (opened from the store when not held), or null.</summary>
    public EntryView? Entry(string id)
    {
        EntryView head;
        lock (_lock)
        {
            if (_heads.GetValueOrDefault(id) is not { } found) return null;
            head = found;
        }
        return Whole([head]).FirstOrDefault();
    }

    /// <summary>The patient an entry is about (from the head: nothing is opened), or null.</summary>
    public string? PatientOf(string id)
    {
        lock (_lock) return _heads.GetValueOrDefault(id)?.PatientId;
    }

    /// <summary>
    /// A patient's entries in the order they were committed — by block, and within a block by entry id (the order a load of the
    /// world state gives, whichever way the node started or when an entry was opened) — with their whole content (opened from
    /// the store when not held).
    /// </summary>
    public IReadOnlyList<EntryView> Entries(string patientId)
    {
        List<EntryView> heads;
        lock (_lock)
        {
            if (!_byPatient.TryGetValue(patientId, out var ids)) return [];
            heads = ids.Select(i => _heads[i]).OrderBy(h => h.Proof.Height).ThenBy(h => h.Id, StringComparer.Ordinal).ToList();
        }
        return Whole(heads);
    }

    /// <summary>
    /// Every entry of the given patients (e.g. an organisation's) as its summary: <see cref="EntryView.Details"/> holds only
    /// <see cref="EntryDetails.OccurredAt"/>, ward, bed, quantity, unit price, amount and deposit (what lists and totals
    /// need; the other fields are empty). Nothing is opened; read a patient's entries, or <see cref="Whole"/>, for the rest.
    /// </summary>
    public IReadOnlyList<EntryView> Summaries(IReadOnlySet<string> patientIds)
    {
        lock (_lock) return _heads.Values.Where(e => patientIds.Contains(e.PatientId)).ToList();
    }

    /// <summary>
    /// The given entries (heads or summaries of this store) with their whole content, in the same order: from the cache or
    /// the entries opened with a grantee's keys, else opened from the store (each patient's missing entries in one go).
    /// Entries that no longer open are left out.
    /// </summary>
    public IReadOnlyList<EntryView> Whole(IReadOnlyList<EntryView> heads)
    {
        var details = new EntryDetails?[heads.Count];
        var missing = new List<int>();
        RecordOpener? reader;
        lock (_lock)
        {
            reader = _reader;
            for (var i = 0; i < heads.Count; i++)
            {
                var head = _heads.GetValueOrDefault(heads[i].Id) ?? heads[i];
                details[i] = _pinned.GetValueOrDefault(head.Id) ?? _cache.Get(head.PatientId, head.Id);
                if (details[i] is null) missing.Add(i);
            }
        }
        if (missing.Count > 0 && reader is not null)
        {
            var records = new List<(string Id, int Version, SealedRecordRef Record, string Group)>(missing.Count);
            var at = new List<int>(missing.Count);
            foreach (var i in missing)
            {
                if (Sealed(heads[i].Id) is not { } record) continue;
                records.Add((heads[i].Id, 1, record, heads[i].PatientId));
                at.Add(i);
            }
            var opened = reader.OpenAll<EntryDetails>(records);
            Interlocked.Increment(ref _reopenings);
            lock (_lock)
            {
                for (var j = 0; j < at.Count; j++)
                {
                    details[at[j]] = opened[j];
                    if (opened[j] is { } d) _cache.Add(heads[at[j]].PatientId, heads[at[j]].Id, d);
                }
            }
        }
        var whole = new List<EntryView>(heads.Count);
        lock (_lock)
        {
            for (var i = 0; i < heads.Count; i++)
            {
                if (details[i] is not { } d) continue;
                var head = _heads.GetValueOrDefault(heads[i].Id) ?? heads[i];
                whole.Add(head with { Details = d }); // the current head: its latest CorrectedBy
            }
        }
        return whole;
    }

    // A summary read from the summaries file (no field but the summary's set): kept as it is when its ward and bed names are the
    // ones held already (the file reads each name once), else copied with them. Under the lock.
    private EntryDetails SummaryOf(EntryDetails summary) =>
        ReferenceEquals(Shared(summary.Ward), summary.Ward) && ReferenceEquals(Shared(summary.Bed), summary.Bed) ? summary : Summary(summary);

    // The part of an entry's content kept for every entry; the ward and bed names are held once.
    private EntryDetails Summary(EntryDetails details) => new()
    {
        OccurredAt = details.OccurredAt,
        Ward = Shared(details.Ward),
        Bed = Shared(details.Bed),
        Quantity = details.Quantity,
        UnitPrice = details.UnitPrice,
        Amount = details.Amount,
        Deposit = details.Deposit,
    };

    // One copy of a string that many heads repeat (a patient's, doctor's or author's id, a ward or bed name). Under the lock.
    private string Shared(string text)
    {
        if (text.Length == 0) return "";
        if (_shared.TryGetValue(text, out var held)) return held;
        _shared[text] = text;
        return text;
    }

    /// <summary>
    /// The whole contents of the entries of the patients read most recently, at most <c>capacity</c> entries (a patient's
    /// entries come and go together; a patient with more entries than the capacity is not kept). Not thread-safe: used under
    /// the store's lock.
    /// </summary>
    private sealed class DetailsCache(int capacity)
    {
        private readonly Dictionary<string, LinkedListNode<(string PatientId, Dictionary<string, EntryDetails> Entries)>> _patients = new(StringComparer.Ordinal);
        private readonly LinkedList<(string PatientId, Dictionary<string, EntryDetails> Entries)> _recent = new(); // most recent first

        public int Count { get; private set; }

        public EntryDetails? Get(string patientId, string id)
        {
            if (!_patients.TryGetValue(patientId, out var node)) return null;
            _recent.Remove(node);
            _recent.AddFirst(node);
            return node.Value.Entries.GetValueOrDefault(id);
        }

        public void AddIfHeld(string patientId, string id, EntryDetails details)
        {
            if (_patients.ContainsKey(patientId)) Add(patientId, id, details);
        }

        public void Add(string patientId, string id, EntryDetails details)
        {
            if (capacity == 0) return;
            if (!_patients.TryGetValue(patientId, out var node))
            {
                node = _recent.AddFirst((patientId, new Dictionary<string, EntryDetails>(StringComparer.Ordinal)));
                _patients[patientId] = node;
            }
            else if (node != _recent.First)
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
            }
            if (node.Value.Entries.TryAdd(id, details)) Count++;
            while (Count > capacity && _recent.Last is { } last)
            {
                _recent.RemoveLast();
                _patients.Remove(last.Value.PatientId);
                Count -= last.Value.Entries.Count;
            }
        }
    }
}
