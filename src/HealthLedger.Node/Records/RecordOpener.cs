using System.Collections.Concurrent;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Records;

/// <summary>
/// Opens sealed records with the organisation's key for the read model: the ciphertext comes from the block being
/// committed (<paramref name="blobs"/>) or from the store; the data key from the organisation's envelope, or from the
/// patient's category key that the organisation holds (<see cref="CategoryKeyring"/>, one key agreement per patient,
/// category and epoch). Records not sealed for the organisation open to null. With <paramref name="reader"/> (a grantee
/// doctor's keys, from their session at this node) the records open with that reader's key instead: the category keys a
/// patient of another organisation wrapped for them.
/// </summary>
public sealed class RecordOpener(LedgerNode node, OrganisationKeys organisation, CategoryKeyring keyring, IReadOnlyDictionary<Hash256, byte[]>? blobs,
    EncryptionKeyPair? reader = null)
{
    /// <summary>True when this opener opens with a grantee's keys rather than the organisation's.</summary>
    public bool ForGrantee => reader is not null;

    /// <summary>The world-state entry at <paramref name="key"/> as the node holds it now (after the last committed block), or null.</summary>
    public byte[]? State(string key) => node.GetState(key);

    /// <summary>Each world-state entry whose key starts with <paramref name="prefix"/>, as <see cref="LedgerNode.VisitState"/> gives them.</summary>
    public void VisitStates(string prefix, Action<string, byte[]> visit) => node.VisitState(prefix, visit);

    /// <summary>The same opener reading every ciphertext from the store (none from a block being committed).</summary>
    public RecordOpener WithoutBlobs() => blobs is null ? this : new RecordOpener(node, organisation, keyring, null, reader) { ScanFrom = ScanFrom, RecordsInState = RecordsInState };

    /// <summary>The decrypted content of version <paramref name="version"/> of <paramref name="id"/>, or null.</summary>
    public T? Open<T>(string id, int version, SealedRecordRef reference) where T : class
    {
        var key = reader ?? organisation.Keys.Encryption;
        if (reference.KeyWrap is null && !reference.HasEnvelopeFor(key.PublicKey)) return null;
        if (reference.KeyWrap is { } wrap && reader is not null && !HoldsCategoryKey(wrap, key.PublicKey)) return null; // no X25519 for records not theirs
        var ciphertext = blobs is not null && blobs.TryGetValue(reference.CiphertextHash, out var b) ? b : node.Store.ReadBlob(reference.CiphertextHash);
        return ciphertext is null ? null : keyring.Open<T>(id, version, reference, ciphertext, key);
    }

    /// <summary>Below this many records (a block's) they are opened one after the other, their ciphertexts read in one go.</summary>
    private const int ParallelFrom = 256;

    /// <summary>About this many records share one read of their ciphertexts when many are opened at once.</summary>
    private const int BatchSize = 2048;

    /// <summary>
    /// The default of <see cref="ScanFrom"/> (<see cref="NodeOptions.ScanCiphertextsFrom"/>): from this many records (the load
    /// at start), and when they are at least a <see cref="ScanShare"/>-th of <see cref="RecordsInState"/>, their ciphertexts
    /// are found by one pass over every stored ciphertext in the store's own order
    /// (<see cref="HealthLedger.Storage.ILedgerStore.ReadBlobs()"/>) instead of one lookup each. A lookup by hash lands on a
    /// random page of the blobs table (about 30 µs each through Microsoft.Data.Sqlite on this machine: for 2.1 million records,
    /// a quarter of the 100,000-patient network's start-up), while the pass reads each page once, but reads every ciphertext:
    /// for the 100,000 patients among 2.1 million records, 100,000 lookups on two cores cost less than the pass
    /// (docs/benchmarks.md, "Start-up: one pass over the ciphertexts" and "Start-up: the check's serial steps on
    /// both cores").
    /// </summary>
    public const int DefaultScanFrom = 50_000;

    /// <summary>The pass is made for records that are at least this share (1/ScanShare) of <see cref="RecordsInState"/>.</summary>
    public const int ScanShare = 4;

    private static long s_passes;

    /// <summary>How many passes over the stored ciphertexts <see cref="OpenAll{T}"/> has made in this process (a diagnostic).</summary>
    public static long Passes => Interlocked.Read(ref s_passes);

    /// <summary>From this many records, <see cref="OpenAll{T}"/> reads their ciphertexts in one pass over the store (<see cref="DefaultScanFrom"/>).</summary>
    public int ScanFrom { get; init; } = DefaultScanFrom;

    /// <summary>
    /// How many records the load's kinds hold in the world state (each names one stored ciphertext, so the store holds at least
    /// as many): what a pass over the store would read, against the records to open. 0 (unknown): <see cref="ScanFrom"/> alone
    /// decides.
    /// </summary>
    public long RecordsInState { get; init; }

    /// <summary>
    /// Opens many records at once (the load at start) as <see cref="Open{T}"/> would, each to its decrypted content or null,
    /// in their order. The ciphertexts are read from the store in batches (one read of about <see cref="BatchSize"/>, not one
    /// per record) and the batches are opened on every core; the records of one <c>Group</c> (a patient) stay in one batch,
    /// so a patient's category key is opened once, not raced by two threads. From <see cref="ScanFrom"/> records that are
    /// also at least a <see cref="ScanShare"/>-th of <see cref="RecordsInState"/>, the ciphertexts come from one pass over the
    /// store instead (<see cref="OpenByScan{T}"/>).
    /// </summary>
    public T?[] OpenAll<T>(IReadOnlyList<(string Id, int Version, SealedRecordRef Record, string Group)> records) where T : class
    {
        var opened = new T?[records.Count];
        if (records.Count > 0 && records.Count >= ScanFrom && (long)records.Count * ScanShare >= RecordsInState)
        {
            OpenByScan(records, opened);
            return opened;
        }
        if (records.Count < ParallelFrom)
        {
            OpenBatch(records, Enumerable.Range(0, records.Count).ToList(), opened);
            return opened;
        }
        var batches = new List<List<int>>();
        var batch = new List<int>();
        foreach (var group in Enumerable.Range(0, records.Count).GroupBy(i => records[i].Group, StringComparer.Ordinal))
        {
            batch.AddRange(group);
            if (batch.Count < BatchSize) continue;
            batches.Add(batch);
            batch = [];
        }
        if (batch.Count > 0) batches.Add(batch);
        Parallel.ForEach(batches, b => OpenBatch(records, b, opened));
        return opened;
    }

    /// <summary>
    /// Decodes the state entries of a kind (<paramref name="decode"/> is given each entry's bytes and position, and returns null
    /// for one that does not decode), in their order; from <see cref="ParallelFrom"/> of them (the load at start) on every core.
    /// </summary>
    public static T?[] DecodeAll<T>(IReadOnlyList<KeyValuePair<string, byte[]>> entries, Func<byte[], int, T?> decode) where T : class
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(decode);
        var decoded = new T?[entries.Count];
        if (entries.Count < ParallelFrom)
        {
            for (var i = 0; i < entries.Count; i++) decoded[i] = decode(entries[i].Value, i);
        }
        else
        {
            Parallel.For(0, entries.Count, i => decoded[i] = decode(entries[i].Value, i));
        }
        return decoded;
    }

    // Opens the records at these positions, their ciphertexts (those not in the block being committed) read in one go.
    private void OpenBatch<T>(IReadOnlyList<(string Id, int Version, SealedRecordRef Record, string Group)> records, List<int> positions, T?[] opened) where T : class
    {
        var key = reader ?? organisation.Keys.Encryption;
        var wanted = positions.Where(i => Readable(records[i].Record, key) && blobs?.ContainsKey(records[i].Record.CiphertextHash) != true).ToList();
        var read = node.Store.ReadBlobs(wanted.Select(i => records[i].Record.CiphertextHash).ToList());
        var ciphertexts = blobs is null ? [] : new Dictionary<Hash256, byte[]>(blobs);
        for (var j = 0; j < wanted.Count; j++)
        {
            if (read[j] is { } data) ciphertexts[records[wanted[j]].Record.CiphertextHash] = data;
        }
        var withCiphertexts = new RecordOpener(node, organisation, keyring, ciphertexts, reader);
        foreach (var i in positions) opened[i] = withCiphertexts.Open<T>(records[i].Id, records[i].Version, records[i].Record);
    }

    // Streams the stored ciphertexts once, in the store's order, and opens the records they belong to in chunks of about
    // BatchSize on every core as the pass goes (the pass itself runs on whichever worker asks for the next chunk). A patient's
    // records then fall in several chunks: their category key is shared through the keyring (ConcurrentDictionary, the first
    // opening wins), so at worst two workers open the same key once each. Records whose ciphertext the pass did not meet (in
    // the block being committed, not the reader's, or missing) are opened last, as Open would one by one.
    private void OpenByScan<T>(IReadOnlyList<(string Id, int Version, SealedRecordRef Record, string Group)> records, T?[] opened) where T : class
    {
        var key = reader ?? organisation.Keys.Encryption;
        var byHash = new Dictionary<Hash256, int>(records.Count);
        Dictionary<Hash256, List<int>>? alsoByHash = null; // a ciphertext that more than one record names
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i].Record;
            if (!Readable(record, key) || blobs?.ContainsKey(record.CiphertextHash) == true) continue;
            if (byHash.TryAdd(record.CiphertextHash, i)) continue;
            alsoByHash ??= [];
            if (!alsoByHash.TryGetValue(record.CiphertextHash, out var also)) alsoByHash[record.CiphertextHash] = also = [];
            also.Add(i);
        }
        var met = new bool[records.Count];
        Interlocked.Increment(ref s_passes);
        IEnumerable<(List<int> Positions, Dictionary<Hash256, byte[]> Ciphertexts)> Chunks()
        {
            var positions = new List<int>(BatchSize);
            var ciphertexts = new Dictionary<Hash256, byte[]>(BatchSize);
            foreach (var (hashBytes, data, _) in node.Store.ReadBlobs())
            {
                var hash = new Hash256(hashBytes);
                if (!byHash.TryGetValue(hash, out var first)) continue;
                ciphertexts[hash] = data;
                positions.Add(first);
                if (alsoByHash is not null && alsoByHash.TryGetValue(hash, out var also)) positions.AddRange(also);
                if (positions.Count < BatchSize) continue;
                yield return (positions, ciphertexts);
                positions = new List<int>(BatchSize);
                ciphertexts = new Dictionary<Hash256, byte[]>(BatchSize);
            }
            if (positions.Count > 0) yield return (positions, ciphertexts);
        }
        Parallel.ForEach(Partitioner.Create(Chunks(), EnumerablePartitionerOptions.NoBuffering), chunk =>
        {
            var withCiphertexts = new RecordOpener(node, organisation, keyring, chunk.Ciphertexts, reader);
            foreach (var i in chunk.Positions)
            {
                met[i] = true;
                opened[i] = withCiphertexts.Open<T>(records[i].Id, records[i].Version, records[i].Record);
            }
        });
        var rest = Enumerable.Range(0, records.Count).Where(i => !met[i]).ToList();
        if (rest.Count > 0) OpenBatch(records, rest, opened);
    }

    // The cheap half of Open's test (no state read): the records that may be the reader's.
    private static bool Readable(SealedRecordRef reference, EncryptionKeyPair key) => reference.KeyWrap is not null || reference.HasEnvelopeFor(key.PublicKey);

    // An envelope of the epoch addressed to the reader, or a later epoch of theirs whose key chain reaches back to it.
    private bool HoldsCategoryKey(CategoryKeyWrap wrap, EncryptionPublicKey key) =>
        node.GetState(CategoryKeyState.Key(wrap.PatientId, wrap.Category, wrap.Epoch)) is { } bytes
            ? CategoryKeyState.TryDecode(bytes) is { } state
                && (state.Readers.Any(r => r.Envelope.Recipient == key) || keyring.HoldsThroughChain(wrap.PatientId, wrap.Category, wrap.Epoch, key))
            : wrap.NewEpoch.Any(r => r.Envelope.Recipient == key);
}
