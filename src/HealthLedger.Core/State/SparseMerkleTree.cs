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
/// <para>
/// Stored compactly: a subtree of at most <see cref="BucketSize"/> entries is kept as one node holding its entries' (key hash,
/// value hash) in key-hash order and the subtree's hash, not as a node per leaf and per inner node (3.7 million entries: about
/// 355 MB instead of 533 MB, and a sixth of the objects). The hashes, and so the root, are those of the tree above; a change
/// inside such a subtree re-hashes its at most 2 × <see cref="BucketSize"/> − 1 nodes.
/// </para>
/// </summary>
public sealed class SparseMerkleTree
{
    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>The most entries a subtree keeps in one node (a bucket) rather than as a node per leaf and per inner node.</summary>
    public const int BucketSize = 8;

    /// <summary>The depth below which <see cref="Build(IReadOnlyList{ValueTuple{Hash256, Hash256}}, ParallelFor?)"/> builds subtrees apart (16 of them).</summary>
    public const int ParallelDepth = 4;

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
        if (node is Bucket bucket)
        {
            foreach (var leaf in bucket.Leaves)
            {
                if (leaf.KeyHash != keyHash) continue;
                valueHash = leaf.ValueHash;
                return true;
            }
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
        // The subtrees at depth ParallelDepth are independent: the entries are dealt to them by their top key-hash bits (a
        // counting pass), each part sorted apart, then built apart and joined level by level exactly as the recursive build
        // joins them (Join places a lone leaf as high as it goes either way). Parts in order are the entries in key-hash order.
        const int parts = 1 << ParallelDepth;
        var bounds = PartBounds(new ListLeaves(entries));
        var leaves = new LeafEntry[entries.Count];
        var next = bounds[..parts];
        for (var i = 0; i < entries.Count; i++)
        {
            var (keyHash, valueHash) = entries[i];
            leaves[next[TopBits(keyHash)]++] = new LeafEntry(keyHash, valueHash);
        }
        run(parts, p => Array.Sort(leaves, bounds[p], bounds[p + 1] - bounds[p], LeafOrder));
        RefuseRepeats(leaves, static l => l.KeyHash, nameof(entries));
        return Join(new ArrayLeaves(leaves), bounds, run);
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
            if (node is Bucket bucket)
            {
                foreach (var leaf in bucket.Leaves) yield return (leaf.KeyHash, leaf.ValueHash);
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
    /// any thread: the list must allow it) and the subtrees below the top <see cref="ParallelDepth"/> levels built and hashed
    /// through <paramref name="parallel"/> when given.
    /// </summary>
    /// <exception cref="ArgumentException">The key hashes are not in strictly ascending order (a repeat or a step back).</exception>
    public static SparseMerkleTree FromSorted(IReadOnlyList<(Hash256 KeyHash, Hash256 ValueHash)> entries, ParallelFor? parallel)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var run = parallel ?? SerialFor.Run;
        var leaves = new ListLeaves(entries);
        RefuseUnsorted(leaves.Count, leaves.KeyHash, nameof(entries));
        // Sorted entries fall into the 2^ParallelDepth subtrees in order.
        return Join(leaves, PartBounds(leaves), run);
    }

    /// <summary>
    /// The root of the tree whose leaves are <paramref name="leaves"/> (key hash, leaf hash), given in strictly ascending
    /// key-hash order, computed without making the tree's nodes (the same root as the tree of those leaves): a check of a
    /// large state needs the leaves' array only.
    /// </summary>
    /// <exception cref="ArgumentException">The key hashes are not in strictly ascending order.</exception>
    public static Hash256 RootOf(ReadOnlySpan<(Hash256 KeyHash, Hash256 LeafHash)> leaves)
    {
        var keyHashes = leaves.ToArray();
        RefuseUnsorted(keyHashes.Length, i => keyHashes[i].KeyHash, nameof(leaves));
        return RootAt(0, leaves);
    }

    // Entries that must be in strictly ascending key-hash order (no repeat, no step back).
    private static void RefuseUnsorted(int count, Func<int, Hash256> keyHash, string parameter)
    {
        for (var i = 1; i < count; i++)
        {
            if (keyHash(i).CompareTo(keyHash(i - 1)) <= 0)
            {
                throw new ArgumentException($"Entry {i} (key hash {keyHash(i)}) is not above the one before it in key-hash order.", parameter);
            }
        }
    }

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

    // The hash of the subtree at depth holding leaves (sorted, sharing their first depth bits), as RootAt: an empty subtree
    // hashes to zero, a lone leaf rises, two or more entries split by the key-hash bit at depth.
    private static Hash256 HashAt(int depth, LeafEntry[] leaves, int start, int length)
    {
        if (length == 0) return Hash256.Zero;
        if (length == 1) return LeafHash(leaves[start].KeyHash, leaves[start].ValueHash);
        var split = SplitOf(new ArrayLeaves(leaves), start, length, depth);
        return Hashing.Sha256(NodePrefix, HashAt(depth + 1, leaves, start, split - start), HashAt(depth + 1, leaves, split, start + length - split));
    }

    // The index of the first of leaves[start..start + length] (sorted, sharing their first depth bits) whose bit depth is 1
    // (those with 0 come first): by bisection.
    private static int SplitOf<T>(T leaves, int start, int length, int depth) where T : ISortedLeaves
    {
        int split = start, hi = start + length;
        while (split < hi)
        {
            var mid = (split + hi) >>> 1;
            if (leaves.KeyHash(mid).Value.GetBit(depth) == 0) split = mid + 1;
            else hi = mid;
        }
        return split;
    }

    // The bounds of the 2^ParallelDepth parts of leaves by their top key-hash bits (part p between bounds[p] and bounds[p + 1]
    // once the leaves are in key-hash order): one counting pass.
    private static int[] PartBounds<T>(T leaves) where T : ISortedLeaves
    {
        const int parts = 1 << ParallelDepth;
        var bounds = new int[parts + 1];
        for (var i = 0; i < leaves.Count; i++) bounds[TopBits(leaves.KeyHash(i)) + 1]++;
        for (var p = 1; p <= parts; p++) bounds[p] += bounds[p - 1];
        return bounds;
    }

    // Builds the 2^ParallelDepth subtrees of leaves sorted by key hash (part p between bounds[p] and bounds[p + 1]) through run,
    // then joins them level by level exactly as the recursive build does (Join places a lone leaf as high as it goes and makes
    // a bucket of at most BucketSize entries either way).
    private static SparseMerkleTree Join<T>(T leaves, int[] bounds, ParallelFor run) where T : ISortedLeaves
    {
        var parts = bounds.Length - 1;
        var level = new Node?[parts];
        run(parts, p => level[p] = Make(ParallelDepth, leaves, bounds[p], bounds[p + 1] - bounds[p]));
        for (var width = parts; width > 1; width /= 2)
        {
            var up = new Node?[width / 2];
            for (var i = 0; i < up.Length; i++) up[i] = Join(level[2 * i], level[2 * i + 1]);
            level = up;
        }
        return new SparseMerkleTree(level[0], leaves.Count);
    }

    // Items sorted by key hash: a key hash may appear once.
    private static void RefuseRepeats<T>(T[] sorted, Func<T, Hash256> keyHash, string parameter)
    {
        for (var i = 1; i < sorted.Length; i++)
        {
            if (keyHash(sorted[i]) == keyHash(sorted[i - 1])) throw new ArgumentException($"Key hash {keyHash(sorted[i])} appears twice in one batch.", parameter);
        }
    }

    private static readonly Comparer<LeafEntry> LeafOrder = Comparer<LeafEntry>.Create(static (x, y) => x.KeyHash.CompareTo(y.KeyHash));

    private static int TopBits(Hash256 keyHash)
    {
        var bits = 0;
        for (var d = 0; d < ParallelDepth; d++) bits = (bits << 1) | keyHash.Value.GetBit(d);
        return bits;
    }

    private static Node? ApplyAt(Node? node, int depth, ReadOnlySpan<Change> changes, ref int delta)
    {
        if (changes.IsEmpty) return node;
        if (node is Inner inner)
        {
            var split = SplitIndex(changes, depth);
            var left = ApplyAt(inner.Left, depth + 1, changes[..split], ref delta);
            var right = ApplyAt(inner.Right, depth + 1, changes[split..], ref delta);
            return ReferenceEquals(left, inner.Left) && ReferenceEquals(right, inner.Right) ? inner : Join(left, right);
        }
        // An empty subtree or a bucket (its entries share this position's first depth bits, as the changes routed here do).
        var existing = (node as Bucket)?.Leaves ?? [];
        var merged = Merge(existing, changes, ref delta, out var changed, out var count);
        return changed ? Make(depth, new ArrayLeaves(merged), 0, count) : node;
    }

    // A bucket's entries after the changes (sorted, deletions dropped) in the first count places of the array returned; changed
    // is false when they are the entries it had (every change a value it already held, or a deletion of a key it did not hold).
    private static LeafEntry[] Merge(LeafEntry[] existing, ReadOnlySpan<Change> changes, ref int delta, out bool changed, out int count)
    {
        var result = new LeafEntry[existing.Length + changes.Length];
        int at = 0, n = 0;
        changed = false;
        foreach (var change in changes)
        {
            while (at < existing.Length && existing[at].KeyHash.CompareTo(change.KeyHash) < 0) result[n++] = existing[at++];
            var replaces = at < existing.Length && existing[at].KeyHash == change.KeyHash;
            if (change.ValueHash is { } valueHash)
            {
                if (!replaces) delta++;
                changed |= !replaces || existing[at].ValueHash != valueHash;
                if (replaces) at++;
                result[n++] = new LeafEntry(change.KeyHash, valueHash);
            }
            else if (replaces)
            {
                delta--;
                changed = true;
                at++;
            }
        }
        while (at < existing.Length) result[n++] = existing[at++];
        count = n;
        return result;
    }

    // The subtree at depth of leaves[start..start + length] (sorted, sharing their first depth bits): none, one bucket of at
    // most BucketSize entries, or an inner node split by the key-hash bit at depth.
    private static Node? Make<T>(int depth, T leaves, int start, int length) where T : ISortedLeaves
    {
        if (length == 0) return null;
        if (length <= BucketSize)
        {
            var entries = new LeafEntry[length];
            for (var i = 0; i < length; i++) entries[i] = leaves[start + i];
            return new Bucket(entries, HashAt(depth, entries, 0, length));
        }
        var split = SplitOf(leaves, start, length, depth);
        return Join(Make(depth + 1, leaves, start, split - start), Make(depth + 1, leaves, split, start + length - split));
    }

    // The node over two sibling subtrees: none for two empty ones; a lone leaf rises (its hash is its leaf hash at any height);
    // at most BucketSize entries in all make one bucket (both sides are then buckets or empty: an inner node holds more); else
    // an inner node. Either way the hash is SHA-256(0x01 || left || right), an empty side 32 zero bytes.
    private static Node? Join(Node? left, Node? right)
    {
        if (left is null && right is null) return null;
        if (left is null && right is Bucket { Leaves.Length: 1 }) return right;
        if (right is null && left is Bucket { Leaves.Length: 1 }) return left;
        var hash = Hashing.Sha256(NodePrefix, left?.Hash ?? Hash256.Zero, right?.Hash ?? Hash256.Zero);
        if (left is not Inner && right is not Inner)
        {
            var leftLeaves = (left as Bucket)?.Leaves ?? [];
            var rightLeaves = (right as Bucket)?.Leaves ?? [];
            if (leftLeaves.Length + rightLeaves.Length <= BucketSize)
            {
                if (leftLeaves.Length == 0) return new Bucket(rightLeaves, hash); // the arrays are never changed: shared
                if (rightLeaves.Length == 0) return new Bucket(leftLeaves, hash);
                return new Bucket([.. leftLeaves, .. rightLeaves], hash);
            }
        }
        return new Inner(left, right, hash);
    }

    private static int SplitIndex(ReadOnlySpan<Change> changes, int depth)
    {
        var split = 0;
        while (split < changes.Length && changes[split].KeyHash.Value.GetBit(depth) == 0) split++;
        return split;
    }

    private readonly record struct Change(Hash256 KeyHash, Hash256? ValueHash);

    // One entry: 64 bytes, kept in a bucket's array (no object of its own).
    private readonly record struct LeafEntry(Hash256 KeyHash, Hash256 ValueHash);

    // Entries in key-hash order, read by index: an array (a batch, a sort) or the caller's list (FromSorted), so that the
    // build copies each entry once, into its bucket.
    private interface ISortedLeaves
    {
        int Count { get; }

        LeafEntry this[int index] { get; }

        Hash256 KeyHash(int index);
    }

    private readonly struct ArrayLeaves(LeafEntry[] leaves) : ISortedLeaves
    {
        public int Count => leaves.Length;

        public LeafEntry this[int index] => leaves[index];

        public Hash256 KeyHash(int index) => leaves[index].KeyHash;
    }

    private readonly struct ListLeaves(IReadOnlyList<(Hash256 KeyHash, Hash256 ValueHash)> entries) : ISortedLeaves
    {
        public int Count => entries.Count;

        public LeafEntry this[int index]
        {
            get
            {
                var (keyHash, valueHash) = entries[index];
                return new LeafEntry(keyHash, valueHash);
            }
        }

        public Hash256 KeyHash(int index) => entries[index].KeyHash;
    }

    private abstract class Node(Hash256 hash)
    {
        public Hash256 Hash { get; } = hash;
    }

    // A subtree of 1 to BucketSize entries, in key-hash order, with its hash.
    private sealed class Bucket(LeafEntry[] leaves, Hash256 hash) : Node(hash)
    {
        public LeafEntry[] Leaves { get; } = leaves;
    }

    // A subtree of more than BucketSize entries.
    private sealed class Inner(Node? left, Node? right, Hash256 hash) : Node(hash)
    {
        public Node? Left { get; } = left;
        public Node? Right { get; } = right;
    }
}
