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
    private readonly Dictionary<string, byte[]> _values = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);

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
    public static WorldState Load(IEnumerable<KeyValuePair<string, byte[]>> entries)
    {
        var state = new WorldState();
        foreach (var (key, value) in entries)
        {
            state._values[key] = value;
            state._keys.Add(key);
        }
        state.Tree = SparseMerkleTree.Build(state._values.Select(e => (KeyHash(e.Key), Hashing.Sha256(e.Value))));
        return state;
    }

    /// <summary>The hash that places <paramref name="key"/> in the tree.</summary>
    public static Hash256 KeyHash(string key) => Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(key));

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
