using System.Diagnostics.CodeAnalysis;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.State;

/// <summary>
/// The world state: key-value entries with an authenticated root (<see cref="SparseMerkleTree"/> over
/// SHA-256(UTF-8 key) and SHA-256(value)). Held in memory by the node and the verifier: every key and the tree always, and
/// every value unless <see cref="ReadOnDemand"/> names prefixes whose values are read from a store when asked (and checked
/// against the tree's value hash).
/// </summary>
public sealed class WorldState : IStateReader
{
    // The value of a key whose value is not held (ReadOnDemand): compared by reference, never handed out.
    private static readonly byte[] NotHeld = [0];
    private readonly Dictionary<string, byte[]> _values;
    private IStateValueSource? _source;
    private string[] _onDemand = [];
    // The keys in ordinal order: those a load found, in one array (8 bytes a key; a key deleted since stays in it and is skipped,
    // as _values no longer holds it), and those added since, not in the array, in a sorted set (48 bytes a key). A start at
    // 100,000 patients loads 3.7 million keys: a sorted set of them all was 180 MB and a serial sort beside the key map.
    private string[] _loadedKeys = [];
    private readonly SortedSet<string> _addedKeys = new(StringComparer.Ordinal);

    /// <summary>The tree over the current entries.</summary>
    public SparseMerkleTree Tree { get; private set; } = SparseMerkleTree.Empty;

    /// <summary>The state root.</summary>
    public Hash256 Root => Tree.Root;

    /// <summary>The number of entries.</summary>
    public int Count => _values.Count;

    /// <summary>All entries in ordinal key order.</summary>
    public IEnumerable<KeyValuePair<string, byte[]>> Entries => WithPrefix("");

    /// <summary>
    /// The entries whose keys start with <paramref name="prefix"/>, in ordinal key order (O(log n + matches)). Like any
    /// enumeration of a collection, not to be interleaved with <see cref="Apply"/>.
    /// </summary>
    public IEnumerable<KeyValuePair<string, byte[]>> WithPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        // The loaded keys from the first at or after the prefix, merged with the added ones in the prefix's range.
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
        StoredRows? stored = null;
        try
        {
            while (true)
            {
                byte[]? loadedValue = null;
                while (at < loaded.Length && loaded[at].StartsWith(prefix, StringComparison.Ordinal) && !_values.TryGetValue(loaded[at], out loadedValue)) at++; // deleted
                var hasLoaded = at < loaded.Length && loaded[at].StartsWith(prefix, StringComparison.Ordinal);
                if (!hasLoaded && !hasAdded) yield break;
                string key;
                byte[] value;
                if (hasLoaded && (!hasAdded || string.CompareOrdinal(loaded[at], added.Current) < 0))
                {
                    (key, value) = (loaded[at++], loadedValue!);
                }
                else
                {
                    key = added.Current;
                    hasAdded = added.MoveNext();
                    value = _values[key];
                }
                if (ReferenceEquals(value, NotHeld))
                {
                    // The prefix's stored rows, read once from the first value not held and merged with the keys in order.
                    stored ??= new StoredRows(_source!.ReadPrefix(prefix).GetEnumerator());
                    value = Checked(key, stored.Find(key) ?? _source!.Read(key));
                }
                yield return new KeyValuePair<string, byte[]>(key, value);
            }
        }
        finally
        {
            stored?.Dispose();
        }
    }

    // A store's rows of one prefix, read forward as a prefix read asks for keys in ordinal order.
    private sealed class StoredRows(IEnumerator<KeyValuePair<string, byte[]>> rows) : IDisposable
    {
        private bool _more = rows.MoveNext();

        // The row of key, or null when the rows passed it without holding it (a store whose order differs: read alone then).
        public byte[]? Find(string key)
        {
            while (_more && string.CompareOrdinal(rows.Current.Key, key) < 0) _more = rows.MoveNext();
            return _more && rows.Current.Key == key ? rows.Current.Value : null;
        }

        public void Dispose() => rows.Dispose();
    }

    // A value read from the source: the one the tree holds the hash of, or StateValueMismatchException.
    private byte[] Checked(string key, byte[]? read)
    {
        if (read is null || !Tree.TryGetValueHash(KeyHash(key), out var expected) || Hashing.Sha256(read) != expected) throw new StateValueMismatchException(key);
        return read;
    }

    /// <summary>
    /// From now on the values of the keys that start with one of <paramref name="prefixes"/> are not held in memory (those held
    /// now are let go, and those <see cref="Apply"/> writes later are not kept): <see cref="TryGet"/> and <see cref="WithPrefix"/>
    /// read them from <paramref name="source"/> and check each against the value hash the tree holds for its key, throwing
    /// <see cref="StateValueMismatchException"/> when it differs or is missing (the source must hold this state's values: a
    /// node's store after the block this state has applied). <see cref="Apply"/> must only run once the source holds its
    /// changes. Returns how many values were let go.
    /// </summary>
    public int ReadOnDemand(IStateValueSource source, IReadOnlyList<string> prefixes)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(prefixes);
        _source = source;
        _onDemand = [.. _onDemand.Union(prefixes, StringComparer.Ordinal)];
        var released = 0;
        foreach (var prefix in prefixes)
        {
            var at = Array.BinarySearch(_loadedKeys, prefix, StringComparer.Ordinal);
            for (at = at < 0 ? ~at : at; at < _loadedKeys.Length && _loadedKeys[at].StartsWith(prefix, StringComparison.Ordinal); at++) released += Release(_loadedKeys[at]);
            foreach (var key in _addedKeys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal))) released += Release(key);
        }
        return released;
    }

    private int Release(string key)
    {
        ref var value = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_values, key);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref value) || ReferenceEquals(value, NotHeld)) return 0;
        value = NotHeld;
        return 1;
    }

    private bool IsOnDemand(string key)
    {
        foreach (var prefix in _onDemand)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)) return true;
        }
        return false;
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
    /// The root the state of <paramref name="entries"/> (each key once) has, computed as <see cref="Load(IEnumerable{KeyValuePair{string, byte[]}}, ParallelFor?)"/>
    /// hashes them (key, value, leaf; through <paramref name="parallel"/> when given) but without making a state or a tree: the
    /// leaves' array only (<see cref="SparseMerkleTree.RootOf"/>). <paramref name="cancel"/> is checked between entries.
    /// </summary>
    /// <exception cref="ArgumentException">Two keys have the same key hash (a key twice).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled.</exception>
    public static Hash256 RootOf(IReadOnlyList<KeyValuePair<string, byte[]>> entries, ParallelFor? parallel, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var leaves = new (Hash256 KeyHash, Hash256 LeafHash)[entries.Count];
        (parallel ?? SerialFor.Run)(entries.Count, i =>
        {
            cancel.ThrowIfCancellationRequested();
            var keyHash = KeyHash(entries[i].Key);
            leaves[i] = (keyHash, SparseMerkleTree.LeafHash(keyHash, Hashing.Sha256(entries[i].Value)));
        });
        cancel.ThrowIfCancellationRequested();
        Array.Sort(leaves, static (x, y) => x.KeyHash.CompareTo(y.KeyHash));
        cancel.ThrowIfCancellationRequested();
        return SparseMerkleTree.RootOf(leaves);
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
    /// <exception cref="StateValueMismatchException">A value not held was missing from the source or differed (<see cref="ReadOnDemand"/>).</exception>
    public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value)
    {
        if (!_values.TryGetValue(key, out value)) return false;
        if (ReferenceEquals(value, NotHeld)) value = Checked(key, _source!.Read(key));
        return true;
    }

    /// <inheritdoc/>
    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>The tree this state would have after <paramref name="changes"/>, without applying them.</summary>
    public SparseMerkleTree Preview(StateChangeSet changes) =>
        Tree.Apply(changes.Entries.Select(e => (KeyHash(e.Key), e.Value is null ? (Hash256?)null : Hashing.Sha256(e.Value))));

    /// <summary>Applies <paramref name="changes"/>; <paramref name="tree"/> is their <see cref="Preview"/> when already computed.</summary>
    public void Apply(StateChangeSet changes, SparseMerkleTree? tree = null)
    {
        Tree = tree ?? Preview(changes);
        foreach (var (key, value) in changes.Entries)
        {
            if (value is null)
            {
                if (_values.Remove(key)) _addedKeys.Remove(key);
            }
            else
            {
                var kept = _onDemand.Length > 0 && IsOnDemand(key) ? NotHeld : value;
                if (_values.TryAdd(key, kept))
                {
                    // A new key, or one deleted since the load (still in the loaded keys).
                    if (Array.BinarySearch(_loadedKeys, key, StringComparer.Ordinal) < 0) _addedKeys.Add(key);
                }
                else
                {
                    _values[key] = kept;
                }
            }
        }
    }
}
