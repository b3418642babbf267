using System.Collections.Concurrent;
using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// The node's side of the key hierarchy (<see cref="CategoryKeyCrypto"/>). Writing: a patient's new record gets a fresh
/// data key wrapped under the patient's current category key — or, when there is none yet or a reader of the current
/// one lost access (revocation, expiry, the end of an emergency whose rescuers received it), under a new key epoch wrapped for the remaining readers (the custodian
/// organisation, the patient, the active grantees), which the record announces. Reading: a record's data key comes from
/// its per-reader envelope (records sealed before the hierarchy) or from the category key, which the organisation opens
/// once per patient, category and epoch (one X25519 agreement) and keeps in memory for the life of the process — and, with
/// a <see cref="CategoryKeyCache"/>, across restarts: a key kept there is used without an agreement as long as the
/// organisation's envelope on the chain is still the one it was opened from. A new epoch carries the previous epoch's key
/// sealed under the new one when this organisation holds it (the key chain, <see cref="CategoryKeyCrypto.SealPreviousKey"/>):
/// a reader with an envelope for a later epoch opens an earlier one through the chain, so a grant wraps one key per category.
/// </summary>
public sealed class CategoryKeyring : IDisposable
{
    private readonly LedgerNode _node;
    private readonly OrganisationKeys _organisation;
    private readonly AccessPolicy _policy;
    private readonly TimeProvider _clock;
    private readonly CategoryKeyCache? _cache;

    // Category keys the organisation opened from the state: an epoch's key never changes, so they are kept (with the hash of
    // the envelope they came from, for the cache file).
    private readonly ConcurrentDictionary<(string Patient, ConsentCategories Category, int Epoch), Kept> _organisationKeys = new();

    // Keys read from the cache file and not used yet: each is taken (moved to _organisationKeys) when its envelope on the
    // chain is the one it was opened from.
    private readonly ConcurrentDictionary<(string Patient, ConsentCategories Category, int Epoch), Kept> _fromCache = new();

    // Keys the organisation opened through the key chain (no envelope of its own for that epoch): kept in memory only.
    private readonly ConcurrentDictionary<(string Patient, ConsentCategories Category, int Epoch), byte[]> _chainedKeys = new();

    // Readers found to hold no envelope in any epoch above From of a patient's category, at a height (see ChainTo).
    private readonly ConcurrentDictionary<(string Patient, ConsentCategories Category, EncryptionPublicKey Reader), (ulong Height, int From)> _holdsNothingAbove = new();
    private const int MaxHoldsNothingEntries = 100_000;

    // Links found to hold (LinkHolds): a committed link never changes, so a positive answer stands. And per patient and
    // category the highest epoch down from which every link to epoch 2 was found to hold (ChainSoundFrom), so a grant does
    // not check the same links again at each grant: it stops where the checked chain begins.
    private readonly ConcurrentDictionary<(string Patient, ConsentCategories Category, int Epoch), byte> _linksHeld = new();
    private readonly ConcurrentDictionary<(string Patient, ConsentCategories Category), int> _soundFrom = new();

    private readonly Lock _saving = new();
    private long _agreements;
    private long _fromCacheUsed;
    private volatile bool _cacheStale;

    private sealed record Kept(byte[] Key, Hash256 Envelope);

    /// <summary>The keyring; <paramref name="cache"/> keeps the organisation's opened keys across restarts (none: not kept).</summary>
    public CategoryKeyring(LedgerNode node, OrganisationKeys organisation, AccessPolicy policy, TimeProvider clock, CategoryKeyCache? cache = null)
    {
        _node = node;
        _organisation = organisation;
        _policy = policy;
        _clock = clock;
        _cache = cache;
        if (cache is null) return;
        var kept = cache.Load(organisation, out var result);
        foreach (var e in kept) _fromCache[(e.PatientId, e.Category, e.Epoch)] = new Kept(e.Key, e.Envelope);
        CacheLoad = result;
        // A file that does not open is replaced at the next save, even if no key had to be opened.
        _cacheStale = result == CategoryKeyCache.LoadResult.Rejected;
    }

    // Epochs this node announced and that may not be committed yet: concurrent writers reuse the same announcement.
    private readonly ConcurrentDictionary<(string Patient, ConsentCategories Category), Pending> _pending = new();

    private sealed record Pending(int Epoch, byte[] Key, IReadOnlyList<CategoryKeyReader> Readers, byte[]? PreviousKey);

    /// <summary>How many category keys the organisation holds open in memory.</summary>
    public int CachedKeys => _organisationKeys.Count;

    /// <summary>How many envelopes this keyring opened (X25519 agreements), any reader's: 0 when every key came from memory or the cache file.</summary>
    public long Agreements => Interlocked.Read(ref _agreements);

    /// <summary>How many of the organisation's category keys came from the cache file (each saved an agreement).</summary>
    public long KeysFromCache => Interlocked.Read(ref _fromCacheUsed);

    /// <summary>What the cache file held at start (<see cref="CategoryKeyCache.LoadResult.Missing"/> without a cache).</summary>
    public CategoryKeyCache.LoadResult CacheLoad { get; }

    /// <summary>
    /// Seals version <paramref name="version"/> of a record of <paramref name="patientId"/> in <paramref name="category"/>
    /// under the patient's category key. <paramref name="dataKey"/> is the caller's (a report shares it with its file) or
    /// fresh; <paramref name="newPatientKey"/> is the patient's key at registration, before the state knows it.
    /// </summary>
    public (SealedRecordRef Ref, byte[] Ciphertext) Seal<T>(string patientId, ConsentCategories category, string recordId, int version, T content,
        byte[]? dataKey = null, EncryptionPublicKey? newPatientKey = null)
    {
        var key = dataKey ?? RandomNumberGenerator.GetBytes(RecordCrypto.DataKeyLength);
        try
        {
            return RecordSealer.SealUnder(recordId, version, content, key, data => Wrap(patientId, category, recordId, version, data, newPatientKey));
        }
        finally
        {
            if (dataKey is null) CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The data key of a record version for <paramref name="reader"/>, in either form; null when it is not theirs.</summary>
    public byte[]? OpenDataKey(string recordId, int version, SealedRecordRef reference, EncryptionKeyPair reader)
    {
        if (reference.KeyWrap is not { } wrap) return RecordSealer.OpenDataKey(recordId, version, reference, reader);
        var categoryKey = OpenCategoryKey(wrap.PatientId, wrap.Category, wrap.Epoch, reader, wrap.NewEpoch);
        if (categoryKey is null) return null;
        try
        {
            return CategoryKeyCrypto.TryUnwrapDataKey(categoryKey, wrap.WrappedKey, wrap.Aad(recordId, version), out var key) ? key : null;
        }
        finally
        {
            // The organisation's kept keys stay; any other copy (a user's, an uncommitted announcement's) is wiped.
            if (!IsKept(wrap.PatientId, wrap.Category, wrap.Epoch, categoryKey)) CryptographicOperations.ZeroMemory(categoryKey);
        }
    }

    /// <summary>Opens a sealed record for <paramref name="reader"/>; null when it cannot.</summary>
    public T? Open<T>(string recordId, int version, SealedRecordRef reference, byte[] ciphertext, EncryptionKeyPair reader) where T : class =>
        WithDataKey(recordId, version, reference, ciphertext, reader, key => RecordSealer.Decrypt<T>(recordId, version, reference, ciphertext, key));

    /// <summary>Opens a sealed record to its plaintext bytes (the caller wipes them); null when it cannot.</summary>
    public byte[]? OpenBytes(string recordId, int version, SealedRecordRef reference, byte[] ciphertext, EncryptionKeyPair reader) =>
        WithDataKey(recordId, version, reference, ciphertext, reader, key => RecordSealer.DecryptBytes(recordId, version, reference, ciphertext, key));

    /// <summary>
    /// The category key of an epoch for <paramref name="reader"/> (from their envelope in the state, or in
    /// <paramref name="announced"/> when the epoch is being opened); null when they hold none. The organisation's are kept
    /// (do not wipe them); anyone else's the caller wipes. A reader without an envelope for a committed epoch opens it through
    /// the key chain from a later epoch they hold (<see cref="HoldsThroughChain"/>).
    /// </summary>
    public byte[]? OpenCategoryKey(string patientId, ConsentCategories category, int epoch, EncryptionKeyPair reader, IReadOnlyList<CategoryKeyReader>? announced = null)
    {
        var isOrganisation = reader.PublicKey == _organisation.EncryptionKey;
        if (isOrganisation && _organisationKeys.TryGetValue((patientId, category, epoch), out var kept)) return kept.Key;
        var committed = Committed(patientId, category, epoch);
        var envelope = EnvelopeFor(committed?.Readers ?? announced ?? [], reader.PublicKey);
        if (envelope is null)
        {
            // Its own envelope first (a grant may have added one); then a key kept from the chain, or the chain itself.
            if (committed is null) return null;
            if (isOrganisation && _chainedKeys.TryGetValue((patientId, category, epoch), out var chained)) return chained;
            return OpenThroughChain(patientId, category, epoch, reader, isOrganisation);
        }
        // Only keys read from the committed state are kept: an announcement may still lose to another one.
        var keep = isOrganisation && committed is not null;
        var envelopeHash = keep ? CategoryKeyCache.EnvelopeHash(envelope) : default;
        if (keep && _fromCache.TryRemove((patientId, category, epoch), out var cached))
        {
            // The cache file's key, if it was opened from this very envelope; otherwise the chain changed (or the file is wrong): open it.
            if (cached.Envelope == envelopeHash)
            {
                Interlocked.Increment(ref _fromCacheUsed);
                return _organisationKeys.GetOrAdd((patientId, category, epoch), cached).Key;
            }
            CryptographicOperations.ZeroMemory(cached.Key);
        }
        Interlocked.Increment(ref _agreements);
        if (!CategoryKeyCrypto.TryOpenForReader(envelope, reader, patientId, (byte)category, epoch, out var key)) return null;
        if (keep)
        {
            // Two threads opening the same epoch keep one copy: the loser wipes its own and uses the kept one (a copy another
            // thread may already be using is never wiped).
            var winner = _organisationKeys.GetOrAdd((patientId, category, epoch), new Kept(key, envelopeHash));
            if (!ReferenceEquals(winner.Key, key))
            {
                CryptographicOperations.ZeroMemory(key);
                return winner.Key;
            }
            _cacheStale = true;
        }
        return key;
    }

    /// <summary>
    /// True when <paramref name="reader"/> has no envelope for the committed epoch but holds a later epoch of the category
    /// whose key chain reaches back to it unbroken (no X25519, state reads only).
    /// </summary>
    public bool HoldsThroughChain(string patientId, ConsentCategories category, int epoch, EncryptionPublicKey reader) =>
        ChainTo(patientId, category, epoch, reader) is not null;

    // The committed epochs above `epoch`, up to the first one `reader` has an envelope for, when each carries its previous
    // epoch's key; null when the chain has a gap or the reader holds no later epoch.
    private List<CategoryKeyState>? ChainTo(string patientId, ConsentCategories category, int epoch, EncryptionPublicKey reader)
    {
        // A reader found to hold no envelope above an epoch (another organisation's patients, for this organisation) is
        // not walked again at the same height: a load or a block opens many records of one patient and category.
        var height = _node.Tip.Height;
        var memo = (patientId, category, reader);
        if (_holdsNothingAbove.TryGetValue(memo, out var known) && known.Height == height && known.From <= epoch) return null;
        var chain = new List<CategoryKeyState>();
        for (var e = epoch + 1; e <= CategoryKeyWrap.MaxEpoch; e++)
        {
            if (Committed(patientId, category, e) is not { } state) break;
            chain.Add(state);
            // Every epoch between the reader's and the one asked for must carry its link.
            if (EnvelopeFor(state.Readers, reader) is not null) return chain.All(s => s.PreviousKey is not null) ? chain : null;
        }
        if (_holdsNothingAbove.Count >= MaxHoldsNothingEntries) _holdsNothingAbove.Clear();
        _holdsNothingAbove[memo] = (height, epoch);
        return null;
    }

    /// <summary>
    /// True when epoch <paramref name="epoch"/>'s link (the key of <paramref name="epoch"/> − 1 sealed under its own) opens
    /// to the key the organisation holds for <paramref name="epoch"/> − 1 by its own envelope. A link is checked before a
    /// grant relies on it: a writer who opened the epoch could have sealed anything (the state machine cannot tell), and a
    /// grant that skipped the epoch below a false link would leave the grantee without it. False when the organisation
    /// does not hold both keys by envelope (the grant then wraps the epoch below itself).
    /// </summary>
    public bool LinkHolds(string patientId, ConsentCategories category, int epoch)
    {
        if (_linksHeld.ContainsKey((patientId, category, epoch))) return true;
        if (!CheckLink(patientId, category, epoch)) return false;
        _linksHeld.TryAdd((patientId, category, epoch), 0);
        // Extend the checked chain upwards as far as links are known to hold (each thread computes the same or a lower value).
        var sound = _soundFrom.GetValueOrDefault((patientId, category), 1);
        while (_linksHeld.ContainsKey((patientId, category, sound + 1))) sound++;
        _soundFrom.AddOrUpdate((patientId, category), sound, (_, was) => Math.Max(was, sound));
        return true;
    }

    /// <summary>
    /// True when every link from epoch <paramref name="epoch"/> down to epoch 2 was found to hold (<see cref="LinkHolds"/>):
    /// a reader of <paramref name="epoch"/> opens every earlier epoch of the category, and a grant need look no further down.
    /// Always true for epoch 1 or below. Answers from what was checked in this process (a restart checks again, once).
    /// </summary>
    public bool ChainSoundFrom(string patientId, ConsentCategories category, int epoch) =>
        epoch <= 1 || _soundFrom.GetValueOrDefault((patientId, category), 1) >= epoch;

    private bool CheckLink(string patientId, ConsentCategories category, int epoch)
    {
        if (epoch < 2 || Committed(patientId, category, epoch) is not { PreviousKey: { } link }) return false;
        var upper = OpenOwnCategoryKey(patientId, category, epoch);
        var lower = OpenOwnCategoryKey(patientId, category, epoch - 1);
        if (upper is null || lower is null) return false;
        if (!CategoryKeyCrypto.TryOpenPreviousKey(upper, link, patientId, (byte)category, epoch, out var opened)) return false;
        try
        {
            return CryptographicOperations.FixedTimeEquals(opened, lower);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(opened);
        }
    }

    /// <summary>
    /// True when <paramref name="key"/> is the key the organisation holds for the committed epoch by its own envelope. A grant
    /// relies on the links below an epoch (checked with the organisation's keys, <see cref="LinkHolds"/>) only when the key it
    /// gives for that epoch is the organisation's: the opener of an epoch chose every envelope of it, and a patient's envelope
    /// holding another key would not open the link.
    /// </summary>
    public bool IsOwnKey(string patientId, ConsentCategories category, int epoch, byte[] key)
    {
        var own = OpenOwnCategoryKey(patientId, category, epoch);
        return own is not null && CryptographicOperations.FixedTimeEquals(own, key);
    }

    // The organisation's key of a committed epoch from its own envelope (kept), never through the chain; null without one.
    private byte[]? OpenOwnCategoryKey(string patientId, ConsentCategories category, int epoch)
    {
        if (_organisationKeys.TryGetValue((patientId, category, epoch), out var kept)) return kept.Key;
        if (Committed(patientId, category, epoch) is not { } state || EnvelopeFor(state.Readers, _organisation.EncryptionKey) is null) return null;
        return OpenCategoryKey(patientId, category, epoch, _organisation.Keys.Encryption);
    }

    // Opens an epoch's key from the nearest later epoch the reader holds, down its key chain: one AES-GCM per epoch.
    private byte[]? OpenThroughChain(string patientId, ConsentCategories category, int epoch, EncryptionKeyPair reader, bool isOrganisation)
    {
        if (ChainTo(patientId, category, epoch, reader.PublicKey) is not { } chain) return null;
        var top = chain[^1];
        var key = OpenCategoryKey(patientId, category, top.Epoch, reader);
        for (var i = chain.Count - 1; key is not null && i >= 0; i--)
        {
            var state = chain[i];
            var opened = CategoryKeyCrypto.TryOpenPreviousKey(key, state.PreviousKey, patientId, (byte)category, state.Epoch, out var previous);
            if (!IsKept(patientId, category, state.Epoch, key)) CryptographicOperations.ZeroMemory(key);
            key = opened ? previous : null;
        }
        if (key is null || !isOrganisation) return key;
        var kept = _chainedKeys.GetOrAdd((patientId, category, epoch), key);
        if (!ReferenceEquals(kept, key)) CryptographicOperations.ZeroMemory(key);
        return kept;
    }

    // True when `key` is the organisation's kept copy of that epoch's key (not to be wiped by a caller).
    private bool IsKept(string patientId, ConsentCategories category, int epoch, byte[] key) =>
        (_organisationKeys.TryGetValue((patientId, category, epoch), out var kept) && ReferenceEquals(kept.Key, key))
        || (_chainedKeys.TryGetValue((patientId, category, epoch), out var chained) && ReferenceEquals(chained, key));

    // The committed key epoch of a patient's category, if any; and the envelope in a reader list addressed to one key.
    private CategoryKeyState? Committed(string patientId, ConsentCategories category, int epoch) =>
        _node.GetState(CategoryKeyState.Key(patientId, category, epoch)) is { } bytes ? CategoryKeyState.TryDecode(bytes) : null;

    private static Envelope? EnvelopeFor(IReadOnlyList<CategoryKeyReader> readers, EncryptionPublicKey recipient) =>
        readers.FirstOrDefault(r => r.Envelope.Recipient == recipient)?.Envelope;

    /// <summary>
    /// Writes the cache file when keys were opened since it was read or written (or it did not open): the keys in memory,
    /// and those of the file not used yet, as they were read (each is used only once the chain's envelope is the one it came
    /// from, as when it was read: <see cref="OpenCategoryKey"/>). Nothing without a cache.
    /// </summary>
    public void SaveCache()
    {
        if (_cache is null) return;
        lock (_saving)
        {
            if (!_cacheStale) return;
            _cacheStale = false;
            var entries = new List<CategoryKeyCache.Entry>(_organisationKeys.Count + _fromCache.Count);
            foreach (var ((patient, category, epoch), kept) in _organisationKeys) entries.Add(new(patient, category, epoch, kept.Envelope, kept.Key));
            // Not checked against the chain here: that read each one's state from the store, ~3 s at 500,000 keys (100,000
            // patients) in every start after a crash and every stop that followed a registration, for what the use checks anyway.
            foreach (var ((patient, category, epoch), kept) in _fromCache) entries.Add(new(patient, category, epoch, kept.Envelope, kept.Key));
            try
            {
                _cache.Save(_organisation, entries);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Only a cache: the next start opens the keys from the chain again.
                _cacheStale = true;
            }
        }
    }

    private CategoryKeyWrap Wrap(string patientId, ConsentCategories category, string recordId, int version, byte[] dataKey, EncryptionPublicKey? newPatientKey)
    {
        var readers = Readers(patientId, category, newPatientKey);
        var current = CategoryKeyState.CurrentEpoch(_policy.State, patientId, category);
        var state = current == 0 ? null : CategoryKeyState.Get(_policy.State, patientId, category, current);
        _pending.TryGetValue((patientId, category), out var p);
        // An epoch wrapped for the rescuers of an emergency, or a break-glass doctor, whose time is over is stale, as the state machine says (rotation).
        var now = Math.Max((ulong)_clock.GetUtcNow().ToUnixTimeMilliseconds(), _node.Tip.Timestamp);
        if (state is not null && Usable(state, readers) && Core.Emergencies.ReleasedEpochs.StaleUnder(_policy.State, patientId, category, current, now) is null)
        {
            // This node's own announcement, now committed: its key is known without opening an envelope.
            if (p is not null && p.Epoch == current && p.Readers.All(state.Readers.Contains)) return WrapUnder(p.Key, patientId, category, current, recordId, version, dataKey, []);
            if (OpenCategoryKey(patientId, category, current, _organisation.Keys.Encryption) is { } key)
            {
                _pending.TryRemove((patientId, category), out _);
                return WrapUnder(key, patientId, category, current, recordId, version, dataKey, []);
            }
        }
        // A new epoch: reuse this node's announcement if it still fits (concurrent writers), else make one — under a lock, so
        // that two writers arriving together do not announce two different keys for the same epoch.
        Pending pending;
        lock (_pending)
        {
            pending = _pending.TryGetValue((patientId, category), out var q) && q.Epoch == current + 1 && SameReaders(q.Readers, readers) ? q : Announce();
        }
        return WrapUnder(pending.Key, patientId, category, pending.Epoch, recordId, version, dataKey, pending.Readers, pending.PreviousKey);

        Pending Announce()
        {
            var categoryKey = RandomNumberGenerator.GetBytes(CategoryKeyCrypto.KeyLength);
            var announced = readers.Select(r => new CategoryKeyReader(r.Kind, r.Id,
                CategoryKeyCrypto.WrapForReader(categoryKey, r.Key, RandomNumberGenerator.GetBytes(32), patientId, (byte)category, current + 1))).ToList();
            // The key chain: the current epoch's key sealed under the new one, when this organisation holds it (else a gap,
            // which a grant bridges by wrapping the epoch before it).
            byte[]? previousKey = null;
            if (current > 0)
            {
                var previous = p is not null && p.Epoch == current && state is not null && p.Readers.All(state.Readers.Contains) ? p.Key
                    : OpenCategoryKey(patientId, category, current, _organisation.Keys.Encryption);
                if (previous is not null)
                {
                    previousKey = CategoryKeyCrypto.SealPreviousKey(categoryKey, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), previous, patientId, (byte)category, current + 1);
                    if (!ReferenceEquals(previous, p?.Key) && !IsKept(patientId, category, current, previous)) CryptographicOperations.ZeroMemory(previous);
                }
            }
            var made = new Pending(current + 1, categoryKey, announced, previousKey);
            _pending[(patientId, category)] = made;
            return made;
        }
    }

    private static CategoryKeyWrap WrapUnder(byte[] categoryKey, string patientId, ConsentCategories category, int epoch, string recordId, int version, byte[] dataKey,
        IReadOnlyList<CategoryKeyReader> announced, byte[]? previousKey = null)
    {
        var wrapped = CategoryKeyCrypto.WrapDataKey(categoryKey, RandomNumberGenerator.GetBytes(RecordCrypto.NonceLength), dataKey,
            CategoryKeyCrypto.DataKeyAad(patientId, (byte)category, epoch, recordId, version));
        return new CategoryKeyWrap(patientId, category, epoch, wrapped, announced, announced.Count > 0 ? previousKey : null);
    }

    // The current readers of a patient's category: the custodian organisation, the patient, the active grantees.
    private List<(KeyReaderKind Kind, string Id, EncryptionPublicKey Key)> Readers(string patientId, ConsentCategories category, EncryptionPublicKey? newPatientKey)
    {
        var custodian = _node.GetState(StateKeys.Patient(patientId)) is { } p && PatientState.TryDecode(p) is { } patient ? patient.OrganisationId : _organisation.Id;
        var custodianKey = custodian == _organisation.Id ? _organisation.EncryptionKey
            : _node.GetState(StateKeys.Organisation(custodian)) is { } o && OrganisationRecord.TryDecode(o) is { } org ? org.EncryptionKey : _organisation.EncryptionKey;
        var readers = new List<(KeyReaderKind, string, EncryptionPublicKey)> { (KeyReaderKind.Organisation, custodian, custodianKey) };
        var patientKey = newPatientKey ?? (_node.GetState(StateKeys.User(patientId)) is { } u ? UserRecord.TryDecode(u)?.EncryptionKey : null);
        if (patientKey is { } pk) readers.Add((KeyReaderKind.Patient, patientId, pk));
        foreach (var grantee in _policy.Grantees(patientId, category))
        {
            if (!readers.Any(r => r.Item1 == grantee.Kind && r.Item2 == grantee.Id)) readers.Add(grantee);
        }
        return readers;
    }

    // The state machine's rule, at the host's time: every reader of the epoch still reads, and the custodian and the patient are
    // among them. And this node's own rule: every current reader holds the epoch. A grant made for the epoch current when it was
    // built, which committed after a newer epoch opened without its grantee, leaves the grantee out of the current epoch: the
    // next record then opens a new one with them, whose link reaches the epoch they missed.
    private static bool Usable(CategoryKeyState state, List<(KeyReaderKind Kind, string Id, EncryptionPublicKey Key)> readers) =>
        state.Readers.All(r => readers.Any(x => x.Kind == r.Kind && x.Id == r.Id && x.Key == r.Envelope.Recipient))
        && readers.All(x => state.Reader(x.Kind, x.Id) is { } held && held.Envelope.Recipient == x.Key);

    private static bool SameReaders(IReadOnlyList<CategoryKeyReader> announced, List<(KeyReaderKind Kind, string Id, EncryptionPublicKey Key)> readers) =>
        announced.Count == readers.Count && announced.All(r => readers.Any(x => x.Kind == r.Kind && x.Id == r.Id && x.Key == r.Envelope.Recipient));

    private T? WithDataKey<T>(string recordId, int version, SealedRecordRef reference, byte[] ciphertext, EncryptionKeyPair reader, Func<byte[], T?> open) where T : class
    {
        if (Hashing.Sha256(ciphertext) != reference.CiphertextHash) return null;
        var key = OpenDataKey(recordId, version, reference, reader);
        if (key is null) return null;
        try
        {
            return open(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Wipes the category keys held in memory.</summary>
    public void Dispose()
    {
        try
        {
            SaveCache(); // the keys opened since start (new patients, epochs) for the next start
        }
        catch (ObjectDisposedException)
        {
            // The ledger closed first: the next start opens those keys from the chain.
        }
        foreach (var kept in _organisationKeys.Values) CryptographicOperations.ZeroMemory(kept.Key);
        foreach (var kept in _fromCache.Values) CryptographicOperations.ZeroMemory(kept.Key);
        _fromCache.Clear();
        foreach (var pending in _pending.Values) CryptographicOperations.ZeroMemory(pending.Key);
        foreach (var chained in _chainedKeys.Values) CryptographicOperations.ZeroMemory(chained);
        _chainedKeys.Clear();
        _organisationKeys.Clear();
        _pending.Clear();
    }
}
