using System.Diagnostics.CodeAnalysis;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.State;

/// <summary>
/// The world state: key-value entries with an authenticated root (<see cref="SparseMerkleTree"/> over
/// SHA-256(UTF-8 key) and SHA-256(value)). Held in memory by the node and the verifier.
/// </summary>
public sealed class WorldState : IStateReader
{
    private readonly Dictionary<string, byte[]> _values;
    private SortedSet<string> _keys = new(StringComparer.Ordinal);

    /// <summary>The tree over the current entries.</summary>
    public SparseMerkleTree Tree { get; private set; } = SparseMerkleTree.Empty;

    /// <summary>The state root.</summary>
    public Hash256 Root => Tree.Root;

    /// <summary>The number of entries.</summary>
    public int Count => _values.Count;

    /// <summary>All entries in ordinal key order.</summary>
    public IEnumerable<KeyValuePair<string, byte[]>> Entries => _keys.Select(k => new KeyValuePair<string, byte[]>(k, _values[k]));

    /// <summary>The entries whose keys start with <paramref name="prefix"/>, in ordinal key order (O(log n + matches)).</summary>
    public IEnumerable<KeyValuePair<string, byte[]>> WithPrefix(string prefix) =>
        _keys.GetViewBetween(prefix, prefix + '\uffff').Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => new KeyValuePair<string, byte[]>(k, _values[k]));

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
        // The key map and the sorted key set (each one thread's work) are built beside the tree (whose leaf hashing and subtrees
        // use every core through parallel): part 0 and part 1 of one loop, each keeping its exception for after the loop. A
        // repeated key fails both parts (the key map names the key, the tree its hash): the key map's is thrown whichever part
        // the loop ran first, so the exception is that of the serial load.
        var failures = new ArgumentException?[2];
        SparseMerkleTree? tree = null;
        run(2, part =>
        {
            try
            {
                if (part == 0)
                {
                    foreach (var (key, value) in list)
                    {
                        if (!state._values.TryAdd(key, value)) throw new ArgumentException($"Key '{key}' appears twice.", nameof(entries));
                    }
                    // Built from the whole set at once (sorted, then linked in one pass), not entry by entry.
                    state._keys = new SortedSet<string>(state._values.Keys, StringComparer.Ordinal);
                }
                else
                {
                    tree = SparseMerkleTree.Build(leaves, parallel);
                }
            }
            catch (ArgumentException e)
            {
                failures[part] = e;
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
    /// The key map and the sorted key set are built side by side through <paramref name="parallel"/> when given.
    /// </summary>
    /// <exception cref="ArgumentException">A key appears twice, or <paramref name="tree"/> holds another number of entries.</exception>
    public static WorldState Load(IReadOnlyList<KeyValuePair<string, byte[]>> entries, SparseMerkleTree tree, ParallelFor? parallel)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(tree);
        if (tree.Count != entries.Count) throw new ArgumentException($"The tree holds {tree.Count} entries, the state {entries.Count}.", nameof(tree));
        var state = new WorldState(entries.Count);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var failure = default(ArgumentException);
        (parallel ?? SerialFor.Run)(2, part =>
        {
            if (part == 1)
            {
                // A repeated key is dropped here; the key map refuses it.
                keys = new SortedSet<string>(entries.Select(e => e.Key), StringComparer.Ordinal);
                return;
            }
            foreach (var (key, value) in entries)
            {
                if (!state._values.TryAdd(key, value))
                {
                    failure = new ArgumentException($"Key '{key}' appears twice.", nameof(entries));
                    return;
                }
            }
        });
        if (failure is not null) throw failure;
        state._keys = keys;
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
    public bool TryGet(string key, [NotNullWhen(true)] out byte[]? value) => _values.TryGetValue(key, out value);

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
                _values.Remove(key);
                _keys.Remove(key);
            }
            else
            {
                _values[key] = value;
                _keys.Add(key);
            }
        }
    }
}
