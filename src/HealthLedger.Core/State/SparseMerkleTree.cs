using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.State;

/// <summary>
/// The authenticated index of the world state: a compact sparse Merkle tree over SHA-256(key), as in Diem's
/// Jellyfish Merkle tree and the "compact sparse Merkle trees" of Faraj et al. (binary, one level per key-hash bit).
/// <list type="bullet">
/// <item>empty subtree: 32 zero bytes;</item>
/// <item>a subtree holding exactly one entry is that entry's leaf, placed as high as it can go:
/// SHA-256(0x00 || SHA-256(key) || SHA-256(value));</item>
/// <item>a subtree holding two or more entries: SHA-256(0x01 || left || right).</item>
/// </list>
/// The root depends only on the set of entries, never on the order of updates. Because key hashes are uniform,
/// the expected depth is about log2(n), so a batch of k changes costs O(k log n) hashes; changes that share a
/// path share the re-hashing. The tree is persistent (immutable nodes with path copying): <see cref="Apply"/>
/// returns a new tree and the old one stays valid, which lets a node execute a proposed block speculatively.
/// </summary>
public sealed class SparseMerkleTree
{
    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    private readonly Node? _root;

    private SparseMerkleTree(Node? root, int count)
    {
        _root = root;
        Count = count;
    }

    /// <summary>The tree with no entries.</summary>
    public static SparseMerkleTree Empty { get; } = new(null, 0);

    /// <summary>The root hash (all zeros for the empty tree).</summary>
    public Hash256 Root => _root?.Hash ?? Hash256.Zero;

    /// <summary>The number of entries.</summary>
    public int Count { get; }

    /// <summary>
    /// The value hash the tree holds for <paramref name="keyHash"/>: false when the tree has no entry for it. One walk down the
    /// key hash's bits (O(log n) expected).
    /// </summary>
    public bool TryGetValueHash(Hash256 keyHash, out Hash256 valueHash)
    {
        var node = _root;
        for (var depth = 0; node is Inner inner; depth++) node = keyHash.Value.GetBit(depth) == 0 ? inner.Left : inner.Right;
        if (node is Leaf leaf && leaf.KeyHash == keyHash)
        {
            valueHash = leaf.ValueHash;
            return true;
        }
        valueHash = default;
        return false;
    }

    /// <summary>The leaf hash of one entry.</summary>
    public static Hash256 LeafHash(Hash256 keyHash, Hash256 valueHash) => Hashing.Sha256(LeafPrefix, keyHash, valueHash);

    /// <summary>
    /// Applies a batch: each change is (key hash, value hash) to insert or replace, or (key hash, null) to delete.
    /// A key may appear once per batch. Returns the new tree; this one is unchanged.
    /// </summary>
    public SparseMerkleTree Apply(IEnumerable<(Hash256 KeyHash, Hash256? ValueHash)> changes)
    {
        var sorted = changes.Select(c => new Change(c.KeyHash, c.ValueHash)).ToArray();
        if (sorted.Length == 0) return this;
        Array.Sort(sorted, static (x, y) => x.KeyHash.CompareTo(y.KeyHash));
        RefuseRepeats(sorted, static c => c.KeyHash, nameof(changes));
        var delta = 0;
        var root = ApplyAt(_root, 0, sorted, ref delta);
        return new SparseMerkleTree(root, Count + delta);
    }

    /// <summary>Builds a tree from scratch.</summary>
    public static SparseMerkleTree Build(IEnumerable<(Hash256 KeyHash, Hash256 ValueHash)> entries) =>
        Empty.Apply(entries.Select(e => (e.KeyHash, (Hash256?)e.ValueHash)));

    /// <summary>
    /// Builds a tree from scratch as <see cref="Build(IEnumerable{ValueTuple{Hash256, Hash256}})"/> does (the same root and
    /// nodes), hashing the leaves and building the 2^<see cref="ParallelDepth"/> subtrees below the top levels through
    /// <paramref name="parallel"/> when given.
    /// </summary>
    /// <exception cref="ArgumentException">A key hash appears twice.</exception>
    public static SparseMerkleTree Build(IReadOnlyList<(Hash256 KeyHash, Hash256 ValueHash)> entries, ParallelFor? parallel)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var run = parallel ?? SerialFor.Run;
        var made = new Leaf[entries.Count];
        run(made.Length, i => made[i] = new Leaf(entries[i].KeyHash, entries[i].ValueHash));
        // The subtrees at depth ParallelDepth are independent: the leaves are dealt to them by their top key-hash bits (a
        // counting pass), each part sorted apart, then built apart and joined level by level exactly as the recursive build
        // joins them (Join places a lone leaf as high as it goes either way). Parts in order are the leaves in key-hash order.
        const int parts = 1 << ParallelDepth;
        var bounds = PartBounds(made);
        var leaves = new Leaf[made.Length];
        var next = bounds[..parts];
        foreach (var leaf in made) leaves[next[TopBits(leaf.KeyHash)]++] = leaf;
        run(parts, p => Array.Sort(leaves, bounds[p], bounds[p + 1] - bounds[p], LeafOrder));
        RefuseRepeats(leaves, static l => l.KeyHash, nameof(entries));
        return Join(leaves, bounds, run);
    }

    /// <summary>
    /// The tree's entries as (key hash, value hash), in strictly ascending key-hash order (the tree's left-to-right order):
    /// what <see cref="FromSorted"/> builds the same tree from.
    /// </summary>
    public IEnumerable<(Hash256 KeyHash, Hash256 ValueHash)> Entries()
    {
        if (_root is null) yield break;
        var pending = new Stack<Node>();
        pending.Push(_root);
        while (pending.TryPop(out var node))
        {
            if (node is Leaf leaf)
            {
                yield return (leaf.KeyHash, leaf.ValueHash);
                continue;
            }
            var inner = (Inner)node;
            if (inner.Right is { } right) pending.Push(right);
            if (inner.Left is { } left) pending.Push(left);
        }
    }

    /// <summary>
    /// Builds a tree from its entries' (key hash, value hash) given in strictly ascending key-hash order: the same nodes and
    /// root as <see cref="Build(IReadOnlyList{ValueTuple{Hash256, Hash256}}, ParallelFor?)"/>, without its sort. Every leaf and
    /// inner node is hashed here, so the key hashes are bound to the root as the values' hashes are. The entries are read (from
    /// any thread: the list must allow it), the leaves hashed and the subtrees below the top <see cref="ParallelDepth"/> levels
    /// built through <paramref name="parallel"/> when given.
    /// </summary>
    /// <exception cref="ArgumentException">The key hashes are not in strictly ascending order (a repeat or a step back).</exception>
    public static SparseMerkleTree FromSorted(IReadOnlyList<(Hash256 KeyHash, Hash256 ValueHash)> entries, ParallelFor? parallel)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var run = parallel ?? SerialFor.Run;
        var made = new Leaf[entries.Count];
        run(made.Length, i =>
        {
            var (keyHash, valueHash) = entries[i];
            made[i] = new Leaf(keyHash, valueHash);
        });
        RefuseUnsorted<Leaf>(made, static l => l.KeyHash, nameof(entries));
        // Sorted leaves fall into the 2^ParallelDepth subtrees in order.
        return Join(made, PartBounds(made), run);
    }

    /// <summary>
    /// The root of the tree whose leaves are <paramref name="leaves"/> (key hash, leaf hash), given in strictly ascending
    /// key-hash order, computed without making the tree's nodes (the same root as the tree of those leaves): a check of a
    /// large state needs the leaves' array only.
    /// </summary>
    /// <exception cref="ArgumentException">The key hashes are not in strictly ascending order.</exception>
    public static Hash256 RootOf(ReadOnlySpan<(Hash256 KeyHash, Hash256 LeafHash)> leaves)
    {
        RefuseUnsorted(leaves, static l => l.KeyHash, nameof(leaves));
        return RootAt(0, leaves);
    }

    // Items that must be in strictly ascending key-hash order (no repeat, no step back).
    private static void RefuseUnsorted<T>(ReadOnlySpan<T> items, Func<T, Hash256> keyHash, string parameter)
    {
        for (var i = 1; i < items.Length; i++)
        {
            if (keyHash(items[i]).CompareTo(keyHash(items[i - 1])) <= 0)
            {
                throw new ArgumentException($"Entry {i} (key hash {keyHash(items[i])}) is not above the one before it in key-hash order.", parameter);
            }
        }
    }

    // The bounds of the 2^ParallelDepth parts of leaves by their top key-hash bits (part p between bounds[p] and bounds[p + 1]
    // once the leaves are in key-hash order): one counting pass.
    private static int[] PartBounds(Leaf[] leaves)
    {
        const int parts = 1 << ParallelDepth;
        var bounds = new int[parts + 1];
        foreach (var leaf in leaves) bounds[TopBits(leaf.KeyHash) + 1]++;
        for (var p = 1; p <= parts; p++) bounds[p] += bounds[p - 1];
        return bounds;
    }

    // As Build and Join: an empty subtree hashes to zero, a lone leaf rises, two or more entries make an inner node.
    private static Hash256 RootAt(int depth, ReadOnlySpan<(Hash256 KeyHash, Hash256 LeafHash)> leaves)
    {
        if (leaves.Length == 0) return Hash256.Zero;
        if (leaves.Length == 1) return leaves[0].LeafHash;
        int split = 0, hi = leaves.Length;
        while (split < hi)
        {
            var mid = (split + hi) >>> 1;
            if (leaves[mid].KeyHash.Value.GetBit(depth) == 0) split = mid + 1;
            else hi = mid;
        }
        return Hashing.Sha256(NodePrefix, RootAt(depth + 1, leaves[..split]), RootAt(depth + 1, leaves[split..]));
    }

    // Builds the 2^ParallelDepth subtrees of leaves sorted by key hash (part p between bounds[p] and bounds[p + 1]) through run,
    // then joins them level by level exactly as the recursive build does (Join places a lone leaf as high as it goes either way).
    private static SparseMerkleTree Join(Leaf[] leaves, int[] bounds, ParallelFor run)
    {
        var parts = bounds.Length - 1;
        var level = new Node?[parts];
        run(parts, p => level[p] = Build(ParallelDepth, leaves.AsSpan(bounds[p], bounds[p + 1] - bounds[p])));
        for (var width = parts; width > 1; width /= 2)
        {
            var up = new Node?[width / 2];
            for (var i = 0; i < up.Length; i++) up[i] = Join(level[2 * i], level[2 * i + 1]);
            level = up;
        }
        return new SparseMerkleTree(level[0], leaves.Length);
    }

    // Items sorted by key hash: a key hash may appear once.
    private static void RefuseRepeats<T>(T[] sorted, Func<T, Hash256> keyHash, string parameter)
    {
        for (var i = 1; i < sorted.Length; i++)
        {
            if (keyHash(sorted[i]) == keyHash(sorted[i - 1])) throw new ArgumentException($"Key hash {keyHash(sorted[i])} appears twice in one batch.", parameter);
        }
    }

    /// <summary>The depth below which <see cref="Build(IReadOnlyList{ValueTuple{Hash256, Hash256}}, ParallelFor?)"/> builds subtrees apart (16 of them).</summary>
    public const int ParallelDepth = 4;

    private static readonly Comparer<Leaf> LeafOrder = Comparer<Leaf>.Create(static (x, y) => x.KeyHash.CompareTo(y.KeyHash));

    private static int TopBits(Hash256 keyHash)
    {
        var bits = 0;
        for (var d = 0; d < ParallelDepth; d++) bits = (bits << 1) | keyHash.Value.GetBit(d);
        return bits;
    }

    private static Node? ApplyAt(Node? node, int depth, ReadOnlySpan<Change> changes, ref int delta)
    {
        if (changes.IsEmpty) return node;
        switch (node)
        {
            case null:
                return BuildFrom(depth, Upserts(changes, null, ref delta));
            case Leaf leaf:
                return BuildFrom(depth, Upserts(changes, leaf, ref delta));
            case Inner inner:
                var split = SplitIndex(changes, depth);
                var left = ApplyAt(inner.Left, depth + 1, changes[..split], ref delta);
                var right = ApplyAt(inner.Right, depth + 1, changes[split..], ref delta);
                return ReferenceEquals(left, inner.Left) && ReferenceEquals(right, inner.Right) ? inner : Join(left, right);
            default:
                throw new InvalidOperationException("Unknown node type.");
        }
    }

    // The entries of a subtree that was empty or a single leaf, after the changes: sorted, deletions dropped.
    private static List<Leaf> Upserts(ReadOnlySpan<Change> changes, Leaf? existing, ref int delta)
    {
        var result = new List<Leaf>(changes.Length + 1);
        var existingPending = existing is not null;
        foreach (var change in changes)
        {
            if (existingPending && existing!.KeyHash.CompareTo(change.KeyHash) < 0)
            {
                result.Add(existing);
                existingPending = false;
            }
            var replacesExisting = existingPending && existing!.KeyHash == change.KeyHash;
            if (replacesExisting) existingPending = false;
            if (change.ValueHash is { } valueHash)
            {
                result.Add(replacesExisting && existing!.ValueHash == valueHash ? existing : new Leaf(change.KeyHash, valueHash));
                if (!replacesExisting) delta++;
            }
            else if (replacesExisting)
            {
                delta--;
            }
        }
        if (existingPending) result.Add(existing!);
        return result;
    }

    private static Node? BuildFrom(int depth, List<Leaf> leaves) => Build(depth, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(leaves));

    private static Node? Build(int depth, ReadOnlySpan<Leaf> leaves)
    {
        if (leaves.Length == 0) return null;
        if (leaves.Length == 1) return leaves[0];
        // Sorted leaves that share their first depth bits: those with bit depth 0 come first, so the split is found by bisection.
        int split = 0, hi = leaves.Length;
        while (split < hi)
        {
            var mid = (split + hi) >>> 1;
            if (leaves[mid].KeyHash.Value.GetBit(depth) == 0) split = mid + 1;
            else hi = mid;
        }
        return Join(Build(depth + 1, leaves[..split]), Build(depth + 1, leaves[split..]));
    }

    private static Node? Join(Node? left, Node? right) => (left, right) switch
    {
        (null, null) => null,
        (null, Leaf leaf) => leaf,
        (Leaf leaf, null) => leaf,
        _ => new Inner(left, right),
    };

    private static int SplitIndex(ReadOnlySpan<Change> changes, int depth)
    {
        var split = 0;
        while (split < changes.Length && changes[split].KeyHash.Value.GetBit(depth) == 0) split++;
        return split;
    }

    private readonly record struct Change(Hash256 KeyHash, Hash256? ValueHash);

    private abstract class Node
    {
        public abstract Hash256 Hash { get; }
    }

    // A leaf keeps its key hash and value hash (what the tree's entries are, Entries) and hashes them when its hash is asked for:
    // once by the inner node made above it (nodes are immutable), not held (32 bytes less per state entry).
    private sealed class Leaf(Hash256 keyHash, Hash256 valueHash) : Node
    {
        public Hash256 KeyHash { get; } = keyHash;
        public Hash256 ValueHash { get; } = valueHash;
        public override Hash256 Hash => LeafHash(KeyHash, ValueHash);
    }

    private sealed class Inner(Node? left, Node? right) : Node
    {
        public Node? Left { get; } = left;
        public Node? Right { get; } = right;
        public override Hash256 Hash { get; } = Hashing.Sha256(NodePrefix, left?.Hash ?? Hash256.Zero, right?.Hash ?? Hash256.Zero);
    }
}
