using System.Diagnostics.CodeAnalysis;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.State;

/// <summary>
/// The world state: key-value entries with an authenticated root (<see cref="SparseMerkleTree"/> over
/// SHA-256(UTF-8 key) and SHA-256(value)). Held in memory by the node and the verifier: the tree always, and every key and
/// value unless <see cref="ReadOnDemand"/> names prefixes whose keys and values are not held: those are read from a store when
/// asked and checked against the tree (whether a key exists is the tree's to answer).
/// </summary>
public sealed class WorldState : IStateReader
{
    private readonly Dictionary<string, byte[]> _values;
    private readonly RecentValues _recent = new(RecentCapacity);
    private IStateValueSource? _source;
    // The prefixes read on demand (none nested in another), in ordinal order, with how many entries each holds now.
    private string[] _onDemand = [];
    private int[] _onDemandCounts = [];
    private bool[] _keptRecent = []; // per prefix read on demand: its values read recently are kept (RecentCapacity)
    private OnDemandKeys?[] _onDemandKeys = []; // per prefix read on demand: its keys, when narrower reads are allowed
    // The held keys in ordinal order: those a load found, in one array (8 bytes a key; a key deleted since stays in it and is
    // skipped, as _values no longer holds it), and those added since, not in the array, in a sorted set (48 bytes a key). A
    // start at 100,000 patients loads 3.7 million keys: a sorted set of them all was 180 MB and a serial sort beside the key map.
    private string[] _loadedKeys = [];
    // The prefixes whose keys a load took without their values (Load's withoutValues), until ReadOnDemand reads them from the
    // store: their keys are among the loaded keys but not in the value map, and no read of them or change to them may come
    // before ReadOnDemand (InvalidOperationException), as the state could not answer it. With how many keys they hold.
    private string[] _withoutValues = [];
    private int _withoutValuesCount;
    private readonly SortedSet<string> _addedKeys = new(StringComparer.Ordinal);

    /// <summary>The tree over the current entries.</summary>
    public SparseMerkleTree Tree { get; private set; } = SparseMerkleTree.Empty;

    /// <summary>The state root.</summary>
    public Hash256 Root => Tree.Root;

    /// <summary>The number of entries.</summary>
    public int Count => _values.Count + _onDemandCounts.Sum() + _withoutValuesCount;

    /// <summary>All entries in ordinal key order (see <see cref="WithPrefix"/> for the entries read on demand).</summary>
    public IEnumerable<KeyValuePair<string, byte[]>> Entries => WithPrefix("");

    /// <summary>
    /// The entries whose keys start with <paramref name="prefix"/>, in ordinal key order (O(log n + matches)); the entries under
    /// a prefix read on demand (<see cref="ReadOnDemand"/>) come in the source's order of their keys, which is ordinal for keys
    /// without characters from U+D800 up (UTF-8 byte order). Like any enumeration of a collection, not to be interleaved with
    /// <see cref="Apply"/>.
    /// </summary>
    /// <exception cref="StateValueMismatchException">An entry read on demand is not the state's: a row the tree does not hold,
    /// a value that does not hash to the tree's value hash, or (reading a whole prefix read on demand) a row missing.</exception>
    public IEnumerable<KeyValuePair<string, byte[]>> WithPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        foreach (var unloaded in _withoutValues)
        {
            if (unloaded.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(unloaded, StringComparison.Ordinal)) throw NotLoaded(unloaded);
        }
        for (var i = 0; i < _onDemand.Length; i++)
        {
            // Inside a prefix read on demand: the source's rows only (counted when they are the whole prefix's).
            if (!prefix.StartsWith(_onDemand[i], StringComparison.Ordinal)) continue;
            if (prefix.Length == _onDemand[i].Length) return ReadChecked(prefix, _onDemandCounts[i], null);
            return _onDemandKeys[i] is { } keys ? ReadChecked(prefix, null, keys.With(prefix))
                : throw new InvalidOperationException($"State prefix '{prefix}' is inside '{_onDemand[i]}', whose keys the state does not hold: only the whole prefix or single keys can be read.");
        }
        return _onDemand.All(q => !q.StartsWith(prefix, StringComparison.Ordinal)) ? Held(prefix) : Merged(prefix);
    }

    // The held entries of prefix with the rows of the prefixes read on demand inside it, each in its place: a range of keys
    // read on demand (all the keys that start with q) comes before the first held key above q, as every key in it is below that key.
    private IEnumerable<KeyValuePair<string, byte[]>> Merged(string prefix)
    {
        var ranges = Enumerable.Range(0, _onDemand.Length).Where(i => _onDemand[i].StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var next = 0;
        foreach (var entry in Held(prefix))
        {
            for (; next < ranges.Count && string.CompareOrdinal(_onDemand[ranges[next]], entry.Key) < 0; next++)
            {
                foreach (var row in ReadChecked(_onDemand[ranges[next]], _onDemandCounts[ranges[next]], null)) yield return row;
            }
            yield return entry;
        }
        for (; next < ranges.Count; next++)
        {
            foreach (var row in ReadChecked(_onDemand[ranges[next]], _onDemandCounts[ranges[next]], null)) yield return row;
        }
    }

    // The held entries whose keys start with prefix, in ordinal order: the loaded keys from the first at or after the prefix,
    // merged with the added ones in the prefix's range.
    private IEnumerable<KeyValuePair<string, byte[]>> Held(string prefix)
    {
        var loaded = _loadedKeys;
        var at = Array.BinarySearch(loaded, prefix, StringComparer.Ordinal);
        if (at < 0) at = ~at;
        // The added keys from the prefix on, up to the last of them (not prefix + U+FFFF, which would leave out a key with
        // U+FFFF after the prefix), while they start with it.
        IEnumerable<string> range = prefix.Length == 0 ? _addedKeys
            : _addedKeys.Count == 0 || string.CompareOrdinal(prefix, _addedKeys.Max) > 0 ? []
            : _addedKeys.GetViewBetween(prefix, _addedKeys.Max!);
        using var added = range.TakeWhile(k => k.StartsWith(prefix, StringComparison.Ordinal)).GetEnumerator();
        var hasAdded = added.MoveNext();
        while (true)
        {
            byte[]? loadedValue = null;
            while (at < loaded.Length && loaded[at].StartsWith(prefix, StringComparison.Ordinal) && !_values.TryGetValue(loaded[at], out loadedValue)) at++; // deleted
            var hasLoaded = at < loaded.Length && loaded[at].StartsWith(prefix, StringComparison.Ordinal);
            if (!hasLoaded && !hasAdded) yield break;
            if (hasLoaded && (!hasAdded || string.CompareOrdinal(loaded[at], added.Current) < 0))
            {
                yield return new KeyValuePair<string, byte[]>(loaded[at++], loadedValue!);
            }
            else
            {
                var key = added.Current;
                hasAdded = added.MoveNext();
                yield return new KeyValuePair<string, byte[]>(key, _values[key]);
            }
        }
    }

    // The source's rows of prefix (inside a prefix read on demand), each checked against the tree; when count is given (the
    // whole prefix read on demand), as many rows as the state holds there; when keys are given (a narrower prefix), exactly
    // those keys; or StateValueMismatchException naming the prefix or the key.
    private IEnumerable<KeyValuePair<string, byte[]>> ReadChecked(string prefix, int? count, HashSet<string>? keys)
    {
        var read = 0;
        foreach (var (key, value) in _source!.ReadPrefix(prefix))
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            read++;
            var found = Checked(key, value);
            if (keys is not null && !keys.Remove(key)) throw new StateValueMismatchException(key);
            yield return new KeyValuePair<string, byte[]>(key, found);
        }
        if (count is { } expected && read != expected)
        {
            throw new StateValueMismatchException(prefix, $"The store holds {read} entries under state prefix '{prefix}' where the state's tree holds {expected}.");
        }
        if (keys is { Count: > 0 })
        {
            throw new StateValueMismatchException(prefix,
                $"The store lacks {keys.Count} of the state's entries under state prefix '{prefix}' (key '{keys.Order(StringComparer.Ordinal).First()}').");
        }
    }

    // A value read from the source: the one the tree holds the hash of, or StateValueMismatchException.
    private byte[] Checked(string key, byte[]? read) =>
        Tree.TryGetValueHash(KeyHash(key), out var expected) ? Checked(key, read, expected) : throw new StateValueMismatchException(key);

    // A value read from the source for a key whose value hash the tree holds is expected.
    private static byte[] Checked(string key, byte[]? read, Hash256 expected) =>
        read is not null && Hashing.Sha256(read) == expected ? read : throw new StateValueMismatchException(key);

    /// <summary>
    /// From now on the keys and values of the entries whose keys start with one of <paramref name="prefixes"/> are not held in
    /// memory (those held now are let go, and those <see cref="Apply"/> writes later are not kept; only how many there are under
    /// each prefix is): <see cref="Contains"/> asks the tree, <see cref="TryGet"/> and <see cref="WithPrefix"/> read them from
    /// <paramref name="source"/> and check each against the tree, throwing <see cref="StateValueMismatchException"/> when a
    /// value differs or is missing, the source holds a key the tree does not, or a read of a whole prefix finds another number
    /// of rows (the source must hold this state's entries: a node's store after the block this state has applied). The keys of
    /// the prefixes in <paramref name="keepKeys"/> are kept without their values (in one UTF-8 block, a few bytes each), and a
    /// read of a narrower prefix inside one of them must find exactly the keys the state holds there (a row missing is
    /// <see cref="StateValueMismatchException"/> too); inside the other prefixes only the whole prefix or single keys can be
    /// read (<see cref="InvalidOperationException"/> otherwise). <see cref="Apply"/> must only run once the source holds its
    /// changes. The values of the prefixes in <paramref name="keepRecent"/> that <see cref="TryGet"/>
    /// read are kept for the reads that follow (about the <see cref="RecentCapacity"/> most recent), each used only while it hashes
    /// to the tree's value hash for its key: a block that changed the key makes the next read ask the source again, but a value
    /// changed in the source outside the node is found only once the kept value has been let go. Called once. Returns how many
    /// entries were let go.
    /// </summary>
    /// <exception cref="ArgumentException">A prefix is repeated or starts with another, or one to keep (values or keys) is not read on demand.</exception>
    /// <exception cref="InvalidOperationException">Called before.</exception>
    public int ReadOnDemand(IStateValueSource source, IReadOnlyList<string> prefixes, IReadOnlyList<string>? keepRecent = null, IReadOnlyList<string>? keepKeys = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(prefixes);
        keepRecent ??= [];
        keepKeys ??= [];
        if (keepRecent.FirstOrDefault(k => !prefixes.Contains(k, StringComparer.Ordinal)) is { } stray)
        {
            throw new ArgumentException($"Prefix '{stray}' is not one of those read on demand.", nameof(keepRecent));
        }
        if (keepKeys.FirstOrDefault(k => !prefixes.Contains(k, StringComparer.Ordinal)) is { } strayKeys)
        {
            throw new ArgumentException($"Prefix '{strayKeys}' is not one of those read on demand.", nameof(keepKeys));
        }
        if (_source is not null) throw new InvalidOperationException("The state reads values on demand already.");
        if (_withoutValues.FirstOrDefault(w => !prefixes.Contains(w, StringComparer.Ordinal)) is { } unread)
        {
            throw new ArgumentException($"The values under '{unread}' were not loaded: it must be one of the prefixes read on demand.", nameof(prefixes));
        }
        var sorted = prefixes.Order(StringComparer.Ordinal).ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].StartsWith(sorted[i - 1], StringComparison.Ordinal)) throw new ArgumentException($"Prefix '{sorted[i]}' starts with '{sorted[i - 1]}'.", nameof(prefixes));
        }
        var counts = new int[sorted.Length];
        var tables = new OnDemandKeys?[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            var held = keepKeys.Contains(sorted[i], StringComparer.Ordinal) ? new List<string>() : null;
            var unloaded = _withoutValues.Contains(sorted[i], StringComparer.Ordinal); // its keys were loaded without values, none changed since
            var at = Array.BinarySearch(_loadedKeys, sorted[i], StringComparer.Ordinal);
            for (at = at < 0 ? ~at : at; at < _loadedKeys.Length && _loadedKeys[at].StartsWith(sorted[i], StringComparison.Ordinal); at++)
            {
                if (!_values.Remove(_loadedKeys[at]) && !unloaded) continue; // deleted since the load
                counts[i]++;
                held?.Add(_loadedKeys[at]);
            }
            var added = _addedKeys.Where(k => k.StartsWith(sorted[i], StringComparison.Ordinal)).ToList();
            foreach (var key in added)
            {
                _addedKeys.Remove(key);
                if (!_values.Remove(key)) continue;
                counts[i]++;
                held?.Add(key);
            }
            if (held is not null) tables[i] = new OnDemandKeys(sorted[i], held);
        }
        _onDemandKeys = tables;
        (_source, _onDemand, _onDemandCounts) = (source, sorted, counts);
        (_withoutValues, _withoutValuesCount) = ([], 0);
        _keptRecent = [.. sorted.Select(p => keepRecent.Contains(p, StringComparer.Ordinal))];
        var released = counts.Sum();
        if (released > 0)
        {
            _loadedKeys = [.. _loadedKeys.Where(k => OnDemandIndex(k) < 0)];
            _values.TrimExcess(); // a map sized for the keys let go is as large as one holding them (100 MB at 3.7 million keys)
        }
        return released;
    }

    // The index of the prefix read on demand that key starts with, or -1 (always before ReadOnDemand: a loop over none).
    private int OnDemandIndex(string key)
    {
        for (var i = 0; i < _onDemand.Length; i++)
        {
            if (key.StartsWith(_onDemand[i], StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    /// <summary>Builds a state from stored entries.</summary>
    public static WorldState Load(IEnumerable<KeyValuePair<string, byte[]>> entries) => Load(entries, null);

    /// <summary>
    /// Builds a state from stored entries (each key once), hashing the entries and building the tree's subtrees through
    /// <paramref name="parallel"/> when given (one after the other otherwise): the same state and root either way.
    /// </summary>
    /// <exception cref="ArgumentException">A key appears twice.</exception>
    public static WorldState Load(IEnumerable<KeyValuePair<string, byte[]>> entries, ParallelFor? parallel)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries as IReadOnlyList<KeyValuePair<string, byte[]>> ?? entries.ToList();
        var run = parallel ?? SerialFor.Run;
        var leaves = new (Hash256 KeyHash, Hash256 ValueHash)[list.Count];
        run(list.Count, i => leaves[i] = (KeyHash(list[i].Key), Hashing.Sha256(list[i].Value)));
        var state = new WorldState(list.Count);
        // The key map and the ordered keys (one thread's work) are built beside the tree (whose leaf hashing and subtrees use
        // every core through parallel): part 0 and part 1 of one loop, each keeping its exception for after the loop. A
        // repeated key fails both parts (the key map names the key, the tree its hash): the key map's is thrown whichever part
        // the loop ran first, so the exception is that of the serial load.
        var failures = new ArgumentException?[2];
        SparseMerkleTree? tree = null;
        run(2, part =>
        {
            if (part == 0)
            {
                failures[0] = state.FillKeyMap(list);
                if (failures[0] is null) state._loadedKeys = SortedKeys(list);
                return;
            }
            try
            {
                tree = SparseMerkleTree.Build(leaves, parallel);
            }
            catch (ArgumentException e)
            {
                failures[1] = e;
            }
        });
        if ((failures[0] ?? failures[1]) is { } failure) throw failure;
        state.Tree = tree!;
        return state;
    }

    /// <summary>
    /// Builds a state from stored entries (each key once) and the tree over them built before (<see cref="SparseMerkleTree.FromSorted"/>
    /// from a saved copy of its <see cref="SparseMerkleTree.Entries"/>), without hashing the entries: the caller vouches that <paramref name="tree"/> is the tree
    /// of these entries (a node's start takes it on trust and checks it afterwards). Only the number of entries is compared.
    /// The key map and the ordered keys are built side by side through <paramref name="parallel"/> when given.
    /// </summary>
    /// <exception cref="ArgumentException">A key appears twice, or <paramref name="tree"/> holds another number of entries.</exception>
    public static WorldState Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, SparseMerkleTree tree, ParallelFor? parallel)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(tree);
        if (tree.Count != entries.Count) throw new ArgumentException($"The tree holds {tree.Count} entries, the state {entries.Count}.", nameof(tree));
        var state = new WorldState(entries.Count);
        string[] keys = [];
        var failure = default(ArgumentException);
        (parallel ?? SerialFor.Run)(2, part =>
        {
            if (part == 1) keys = SortedKeys(entries); // a repeated key is kept here; the key map refuses it
            else failure = state.FillKeyMap(entries);
        });
        if (failure is not null) throw failure;
        state._loadedKeys = keys;
        state.Tree = tree;
        return state;
    }

    /// <summary>
    /// <see cref="Load(IReadOnlyList{KeyValuePair{string, byte[]}}, SparseMerkleTree, ParallelFor?)"/> for a start that reads
    /// some prefixes on demand from the beginning: the entries under <paramref name="withoutValues"/> are taken as keys only
    /// (their values, empty as a store's view read them, are not kept), and must be read on demand
    /// (<see cref="ReadOnDemand"/>, which must name each of these prefixes) before any read of them or change to them
    /// (<see cref="InvalidOperationException"/> until then). The whole state's values are then never held at once.
    /// </summary>
    /// <exception cref="ArgumentException">A key appears twice, <paramref name="tree"/> holds another number of entries, or a
    /// prefix is empty, repeated or starts with another.</exception>
    public static WorldState Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, SparseMerkleTree tree, ParallelFor? parallel, IReadOnlyList<string> withoutValues)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(withoutValues);
        var prefixes = withoutValues.Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < prefixes.Length; i++)
        {
            if (prefixes[i].Length == 0) throw new ArgumentException("A prefix without values is empty.", nameof(withoutValues));
            if (i > 0 && prefixes[i].StartsWith(prefixes[i - 1], StringComparison.Ordinal)) throw new ArgumentException($"Prefix '{prefixes[i]}' starts with '{prefixes[i - 1]}'.", nameof(withoutValues));
        }
        if (tree.Count != entries.Count) throw new ArgumentException($"The tree holds {tree.Count} entries, the state {entries.Count}.", nameof(tree));
        bool Unloaded(string key)
        {
            foreach (var prefix in prefixes)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal)) return true;
            }
            return false;
        }
        var state = new WorldState(entries.Count);
        string[] keys = [];
        var failure = default(ArgumentException);
        var unloaded = 0;
        (parallel ?? SerialFor.Run)(2, part =>
        {
            if (part == 1)
            {
                keys = SortedKeys(entries);
                return;
            }
            foreach (var (key, value) in entries)
            {
                if (Unloaded(key)) unloaded++;
                else if (!state._values.TryAdd(key, value)) failure ??= new ArgumentException($"Key '{key}' appears twice.", "entries");
            }
        });
        if (failure is not null) throw failure;
        // The key map finds a repeated key among those it holds; a repeated key without a value is found in the ordered keys.
        for (var i = 1; i < keys.Length; i++)
        {
            if (string.Equals(keys[i - 1], keys[i], StringComparison.Ordinal)) throw new ArgumentException($"Key '{keys[i]}' appears twice.", nameof(entries));
        }
        state._loadedKeys = keys;
        state.Tree = tree;
        (state._withoutValues, state._withoutValuesCount) = (prefixes, unloaded);
        return state;
    }

    // What a read of, or a change to, a key under a prefix loaded without values is told before ReadOnDemand.
    private static InvalidOperationException NotLoaded(string prefix) =>
        new($"The values under state prefix '{prefix}' were not loaded: the state must read them on demand first.");

    // NotLoaded when key is under a prefix loaded without values (before ReadOnDemand).
    private void RefuseNotLoaded(string key)
    {
        foreach (var prefix in _withoutValues)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)) throw NotLoaded(prefix);
        }
    }

    private WorldState(int capacity) => _values = new Dictionary<string, byte[]>(capacity, StringComparer.Ordinal);

    // Fills the key map of a state being loaded; the failure (a key twice, named, as the loads' entries parameter) or null.
    private ArgumentException? FillKeyMap(IReadOnlyList<KeyValuePair<string, byte[]>> entries)
    {
        foreach (var (key, value) in entries)
        {
            if (!_values.TryAdd(key, value)) return new ArgumentException($"Key '{key}' appears twice.", "entries");
        }
        return null;
    }

    // The entries' keys in ordinal order: copied when they already are (a store reads them in key order, which for keys without
    // characters above U+FFFF is ordinal order too), sorted otherwise.
    private static string[] SortedKeys(IReadOnlyList<KeyValuePair<string, byte[]>> entries)
    {
        var keys = new string[entries.Count];
        var sorted = true;
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = entries[i].Key;
            sorted &= i == 0 || string.CompareOrdinal(keys[i - 1], keys[i]) < 0;
        }
        if (!sorted) Array.Sort(keys, StringComparer.Ordinal);
        return keys;
    }

    /// <summary>The hash that places <paramref name="key"/> in the tree.</summary>
    public static Hash256 KeyHash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        // Keys are short (ids and a prefix): encoded on the stack, not in a new array per key (3.7 million of them at a start).
        var most = System.Text.Encoding.UTF8.GetMaxByteCount(key.Length);
        if (most > 512) return Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(key));
        Span<byte> utf8 = stackalloc byte[most];
        return Hashing.Sha256(utf8[..System.Text.Encoding.UTF8.GetBytes(key, utf8)]);
    }

    /// <inheritdoc/>
    /// <exception cref="StateValueMismatchException">A value read on demand was missing from the source or differed (<see cref="ReadOnDemand"/>).</exception>
    /// <exception cref="InvalidOperationException">The key is under a prefix loaded without values, not yet read on demand.</exception>
    public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value)
    {
        RefuseNotLoaded(key);
        var prefix = OnDemandIndex(key);
        if (prefix < 0) return _values.TryGetValue(key, out value);
        if (!Tree.TryGetValueHash(KeyHash(key), out var expected))
        {
            value = null;
            return false;
        }
        // A value read recently is used when it is still the tree's (a later block may have changed the key).
        if (_keptRecent[prefix] && _recent.Get(key) is { } recent && Hashing.Sha256(recent) == expected)
        {
            value = recent;
            return true;
        }
        value = Checked(key, _source!.Read(key), expected);
        if (_keptRecent[prefix]) _recent.Add(key, value);
        return true;
    }

    /// <summary>
    /// How many values read on demand are kept for reads to come, of the prefixes <see cref="ReadOnDemand"/> was asked to keep
    /// (those read most recently, about; each checked against the tree when used): a block's reads of the same patient's care
    /// relationships and category keys, and a request's, are not a store read each (a PostgreSQL store is a network round trip away).
    /// </summary>
    public const int RecentCapacity = 65_536;

    // The values read on demand most recently, in two generations (a read in the older one moves the value to the newer; when
    // the newer is half the capacity it becomes the older, and the older is let go). Read from the threads that hold the
    // node's read lock at once, so locked.
    private sealed class RecentValues(int capacity)
    {
        private readonly Lock _lock = new();
        private Dictionary<string, byte[]> _newer = new(StringComparer.Ordinal);
        private Dictionary<string, byte[]> _older = new(StringComparer.Ordinal);

        public byte[]? Get(string key)
        {
            lock (_lock)
            {
                if (_newer.TryGetValue(key, out var value)) return value;
                if (!_older.Remove(key, out value)) return null;
                Put(key, value);
                return value;
            }
        }

        public void Add(string key, byte[] value)
        {
            lock (_lock) Put(key, value);
        }

        private void Put(string key, byte[] value)
        {
            _newer[key] = value;
            if (_newer.Count < capacity / 2) return;
            _older = _newer;
            _newer = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        }
    }

    /// <inheritdoc/>
    public bool Contains(string key) => OnDemandIndex(key) < 0 && !IsWithoutValue(key) ? _values.ContainsKey(key) : Tree.TryGetValueHash(KeyHash(key), out _);

    // Whether key is under a prefix loaded without values (before ReadOnDemand; a loop, not a closure: on every read's path).
    private bool IsWithoutValue(string key)
    {
        foreach (var prefix in _withoutValues)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>The tree this state would have after <paramref name="changes"/>, without applying them.</summary>
    public SparseMerkleTree Preview(StateChangeSet changes) =>
        Tree.Apply(changes.Entries.Select(e => (KeyHash(e.Key), e.Value is null ? (Hash256?)null : Hashing.Sha256(e.Value))));

    /// <summary>Applies <paramref name="changes"/>; <paramref name="tree"/> is their <see cref="Preview"/> when already computed.</summary>
    /// <exception cref="InvalidOperationException">A change is under a prefix loaded without values, not yet read on demand (nothing is applied).</exception>
    public void Apply(StateChangeSet changes, SparseMerkleTree? tree = null)
    {
        if (_withoutValues.Length > 0)
        {
            foreach (var (key, _) in changes.Entries) RefuseNotLoaded(key);
        }
        var before = Tree;
        Tree = tree ?? Preview(changes);
        foreach (var (key, value) in changes.Entries)
        {
            if (OnDemandIndex(key) is >= 0 and var i)
            {
                // Not held: only counted (a new key adds one, a deleted one takes one away), and its key noted when kept.
                var existed = before.TryGetValueHash(KeyHash(key), out _);
                _onDemandCounts[i] += value is null ? (existed ? -1 : 0) : (existed ? 0 : 1);
                if (value is null && existed) _onDemandKeys[i]?.Deleted(key);
                else if (value is not null && !existed) _onDemandKeys[i]?.Added(key);
            }
            else if (value is null)
            {
                if (_values.Remove(key)) _addedKeys.Remove(key);
            }
            else if (_values.TryAdd(key, value))
            {
                // A new key, or one deleted since the load (still in the loaded keys).
                if (Array.BinarySearch(_loadedKeys, key, StringComparer.Ordinal) < 0) _addedKeys.Add(key);
            }
            else
            {
                _values[key] = value;
            }
        }
    }
}
