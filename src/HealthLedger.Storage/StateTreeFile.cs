using System.Buffers.Binary;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;

namespace HealthLedger.Storage;

/// <summary>
/// The leaves of the world state's tree (<see cref="SparseMerkleTree.Leaves"/>) at one block, kept beside the ledger file
/// (<c>ledger.tree</c>) when a node stops cleanly, so that the next start rebuilds the tree from them instead of hashing every
/// state entry's key and value and sorting the hashes (3.7 million entries at 100,000 patients: about half of the start-up
/// check's time).
/// </summary>
/// <remarks>
/// <para>
/// Format (little-endian): the ASCII magic <c>healthledger-state-tree/v1</c> and a newline; the block's height (8 bytes), hash
/// (32) and state root (32); the number of leaves (4); each leaf's key hash and leaf hash (64 bytes each, in strictly ascending
/// key-hash order); SHA-256 of everything before it (32).
/// </para>
/// <para>
/// A cache, never a source of truth. It is used only when its height and block hash are the stored tip's, its checksum
/// matches, and the tree rebuilt from its leaves (every inner node hashed again) has the tip's state root: so the tree is the
/// chain's. What it takes on trust is that the stored values are the ones the leaves hash (the values are not hashed at the
/// start); the integrity sweep (<see cref="StoreVerifier.SweepState"/>) hashes them after the start, and
/// <c>healthledger verify</c> re-derives everything without reading this file.
/// </para>
/// </remarks>
public static class StateTreeFile
{
    /// <summary>The file name beside a data folder's ledger file.</summary>
    public const string FileName = "ledger.tree";

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("healthledger-state-tree/v1\n");
    private static readonly int HeadLength = Magic.Length + 8 + 32 + 32 + 4;
    private const int LeafLength = 64;

    /// <summary>Where the file of the ledger at <paramref name="ledgerPath"/> lives.</summary>
    public static string PathFor(string ledgerPath) => Path.ChangeExtension(Path.GetFullPath(ledgerPath), ".tree");

    /// <summary>
    /// Replaces the file beside <paramref name="ledgerPath"/> with the leaves of <paramref name="tree"/>, the state after block
    /// <paramref name="tip"/> (written to a temporary file, fsynced, renamed over the old one).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tree"/>'s root is not <paramref name="tip"/>'s state root.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void Write(string ledgerPath, BlockHeader tip, SparseMerkleTree tree)
    {
        ArgumentNullException.ThrowIfNull(tip);
        ArgumentNullException.ThrowIfNull(tree);
        if (tree.Root != tip.StateRoot) throw new ArgumentException($"The tree's root {tree.Root} is not block {tip.Height}'s state root {tip.StateRoot}.", nameof(tree));
        var content = new byte[HeadLength + ((long)tree.Count * LeafLength) + 32];
        var at = WriteHead(content, tip, tree.Count);
        foreach (var (keyHash, leafHash) in tree.Leaves())
        {
            keyHash.CopyTo(content.AsSpan(at, 32));
            leafHash.CopyTo(content.AsSpan(at + 32, 32));
            at += LeafLength;
        }
        Hashing.Sha256(content.AsSpan(0, at)).CopyTo(content.AsSpan(at, 32));
        DurableFile.Replace(PathFor(ledgerPath), content);
    }

    /// <summary>
    /// The tree kept beside <paramref name="ledgerPath"/> when it is the state after block <paramref name="tip"/> (its height,
    /// hash and state root; the inner nodes are hashed again through <paramref name="parallel"/>); null when there is no file
    /// or it is not usable, with <paramref name="unusable"/> saying why for the log (null when there was no file).
    /// </summary>
    public static SparseMerkleTree? Read(string ledgerPath, BlockHeader tip, ParallelFor? parallel, out string? unusable)
    {
        ArgumentNullException.ThrowIfNull(tip);
        unusable = null;
        var path = PathFor(ledgerPath);
        if (!File.Exists(path)) return null;
        byte[] content;
        try
        {
            var length = new FileInfo(path).Length;
            if (length < HeadLength + 32 || length > Array.MaxLength)
            {
                unusable = "its length is not that of a state tree file";
                return null;
            }
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unusable = $"it cannot be read ({e.GetType().Name})";
            return null;
        }
        if (!content.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            unusable = "it is not a file of this format";
            return null;
        }
        var at = Magic.Length;
        var height = BinaryPrimitives.ReadUInt64LittleEndian(content.AsSpan(at));
        var hash = new Hash256(content.AsSpan(at + 8, 32));
        var root = new Hash256(content.AsSpan(at + 40, 32));
        var count = BinaryPrimitives.ReadInt32LittleEndian(content.AsSpan(at + 72));
        if (count < 0 || content.LongLength != HeadLength + ((long)count * LeafLength) + 32)
        {
            unusable = "its length does not match its number of leaves";
            return null;
        }
        var body = content.Length - 32;
        if (Hashing.Sha256(content.AsSpan(0, body)) != new Hash256(content.AsSpan(body)))
        {
            unusable = "its checksum does not match its content";
            return null;
        }
        if (height != tip.Height || hash != tip.Hash || root != tip.StateRoot)
        {
            unusable = $"it is the state after block {height}, not after the last block {tip.Height}";
            return null;
        }
        SparseMerkleTree tree;
        try
        {
            tree = SparseMerkleTree.FromLeaves(new PackedLeaves(content, count), parallel);
        }
        catch (ArgumentException)
        {
            unusable = "its leaves are not in key-hash order";
            return null;
        }
        if (tree.Root != tip.StateRoot)
        {
            unusable = $"its leaves make root {tree.Root}, not block {tip.Height}'s state root";
            return null;
        }
        return tree;
    }

    /// <summary>Removes the file beside <paramref name="ledgerPath"/>, if any.</summary>
    public static void Delete(string ledgerPath) => File.Delete(PathFor(ledgerPath));

    // The file's leaves read in place (64 bytes each after the head), from any thread.
    private sealed class PackedLeaves(byte[] content, int count) : IReadOnlyList<(Hash256 KeyHash, Hash256 LeafHash)>
    {
        public int Count => count;

        public (Hash256 KeyHash, Hash256 LeafHash) this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                var leaf = content.AsSpan(HeadLength + (index * LeafLength), LeafLength);
                return (new Hash256(leaf[..32]), new Hash256(leaf[32..]));
            }
        }

        public IEnumerator<(Hash256 KeyHash, Hash256 LeafHash)> GetEnumerator()
        {
            for (var i = 0; i < count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static int WriteHead(Span<byte> content, BlockHeader tip, int count)
    {
        Magic.CopyTo(content);
        var at = Magic.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(content[at..], tip.Height);
        tip.Hash.CopyTo(content.Slice(at + 8, 32));
        tip.StateRoot.CopyTo(content.Slice(at + 40, 32));
        BinaryPrimitives.WriteInt32LittleEndian(content[(at + 72)..], count);
        return HeadLength;
    }
}
