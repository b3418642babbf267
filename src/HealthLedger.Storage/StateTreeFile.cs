using System.Buffers.Binary;
using System.Text;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;

namespace HealthLedger.Storage;

/// <summary>
/// The world state's entries as (key hash, value hash) in key-hash order (<see cref="SparseMerkleTree.Entries"/>) at one block,
/// kept beside the ledger file (<c>ledger.tree</c>) when a node stops cleanly, so that the next start builds the tree from them
/// (<see cref="SparseMerkleTree.FromSorted"/>) instead of hashing every state entry's key and value and sorting the hashes (3.7
/// million entries at 100,000 patients: about half of the start-up check's time).
/// </summary>
/// <remarks>
/// <para>
/// Format (little-endian): the ASCII magic <c>healthledger-state-tree/v2</c> and a newline; the block's height (8 bytes), hash
/// (32) and state root (32); the number of entries (4); each entry's key hash and value hash (64 bytes each, in strictly
/// ascending key-hash order); SHA-256 of everything before it (32). (Version 1 held leaf hashes, which bound a lone leaf's key
/// hash only in part: its files are not read.)
/// </para>
/// <para>
/// A cache, never a source of truth. It is used only when its height and block hash are the stored tip's, its checksum
/// matches, and the tree built from its entries (every leaf and inner node hashed here) has the tip's state root: so the tree
/// is the chain's (each key hash and value hash is bound to the root). What it takes on trust is that the stored keys and values
/// are the ones hashed here (they are not hashed at the start); the integrity sweep (<see cref="StoreVerifier.SweepState"/>)
/// hashes the very rows the start loaded after the start, and <c>healthledger verify</c> re-derives everything without
/// reading this file. What is written is the node's tree itself (the chain's key and value hashes, whatever values a start
/// took on trust), so a file never vouches for a value the chain did not commit.
/// </para>
/// </remarks>
public static class StateTreeFile
{
    /// <summary>The file name beside a data folder's ledger file.</summary>
    public const string FileName = "ledger.tree";

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("healthledger-state-tree/v2\n");
    private static readonly int HeadLength = Magic.Length + 8 + 32 + 32 + 4;
    private const int EntryLength = 64;

    /// <summary>Where the file of the ledger at <paramref name="ledgerPath"/> lives.</summary>
    public static string PathFor(string ledgerPath) => Path.ChangeExtension(Path.GetFullPath(ledgerPath), ".tree");

    /// <summary>
    /// Replaces the file beside <paramref name="ledgerPath"/> with the entries of <paramref name="tree"/>
    /// (<see cref="SparseMerkleTree.Entries"/>: nothing is hashed), the state's tree after block <paramref name="tip"/> (written
    /// to a temporary file, fsynced, renamed over the old one).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="tree"/>'s root is not <paramref name="tip"/>'s state root (nothing is written).</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void Write(string ledgerPath, BlockHeader tip, SparseMerkleTree tree)
    {
        ArgumentNullException.ThrowIfNull(tip);
        ArgumentNullException.ThrowIfNull(tree);
        if (tree.Root != tip.StateRoot) throw new ArgumentException($"The tree's root {tree.Root} is not block {tip.Height}'s state root {tip.StateRoot}.", nameof(tree));
        var content = new byte[HeadLength + ((long)tree.Count * EntryLength) + 32];
        var at = WriteHead(content, tip, tree.Count);
        foreach (var (keyHash, valueHash) in tree.Entries())
        {
            keyHash.CopyTo(content.AsSpan(at, 32));
            valueHash.CopyTo(content.AsSpan(at + 32, 32));
            at += EntryLength;
        }
        Hashing.Sha256(content.AsSpan(0, at)).CopyTo(content.AsSpan(at, 32));
        DurableFile.Replace(PathFor(ledgerPath), content);
    }

    /// <summary>
    /// Whether the file beside <paramref name="ledgerPath"/> says it is the state after block <paramref name="tip"/> (its height,
    /// hash and state root), read from its head alone: false when there is no file (<paramref name="unusable"/> null) or it
    /// cannot be the tip's (<paramref name="unusable"/> says why, as <see cref="Read"/> would). True does not vouch for the
    /// rest of the file: <see cref="Read"/> checks it. A start asks this first so that, after a crash, it does not read the
    /// state's rows twice (once for a tree it cannot use).
    /// </summary>
    public static bool Matches(string ledgerPath, BlockHeader tip, out string? unusable)
    {
        ArgumentNullException.ThrowIfNull(tip);
        var path = PathFor(ledgerPath);
        if (!Openable(path, out unusable)) return false;
        var head = new byte[HeadLength];
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            file.ReadExactly(head);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unusable = $"it cannot be read ({e.GetType().Name})";
            return false;
        }
        unusable = FormatProblem(head) ?? StampProblem(head, tip);
        return unusable is null;
    }

    // Whether the file may be opened (its length that of a state tree file); unusable says why not (null: there is none).
    private static bool Openable(string path, out string? unusable)
    {
        unusable = null;
        if (Directory.Exists(path))
        {
            unusable = "it is a folder, not a file (remove it: the node writes the file at its next clean stop)";
            return false;
        }
        if (!File.Exists(path)) return false;
        var length = RegularFile.Length(path);
        if (length == 0) unusable = RegularFile.WhyNotOpened(path);
        else if (length < HeadLength + 32 || length > Array.MaxLength) unusable = "its length is not that of a state tree file";
        return unusable is null;
    }

    private static string? FormatProblem(ReadOnlySpan<byte> head) => head[..Magic.Length].SequenceEqual(Magic) ? null : "it is not a file of this format";

    // Null when the head names tip (its height, hash and state root).
    private static string? StampProblem(ReadOnlySpan<byte> head, BlockHeader tip)
    {
        var height = BinaryPrimitives.ReadUInt64LittleEndian(head[Magic.Length..]);
        return height == tip.Height && new Hash256(head.Slice(Magic.Length + 8, 32)) == tip.Hash && new Hash256(head.Slice(Magic.Length + 40, 32)) == tip.StateRoot
            ? null
            : $"it is the state after block {height}, not after the last block {tip.Height}";
    }

    /// <summary>
    /// The tree built from the entries kept beside <paramref name="ledgerPath"/> when it is the state after block
    /// <paramref name="tip"/> (its height, hash and state root; the leaves and inner nodes hashed through
    /// <paramref name="parallel"/>); null when there is no file or it is not usable, with <paramref name="unusable"/> saying why
    /// for the log (null when there was no file).
    /// </summary>
    public static SparseMerkleTree? Read(string ledgerPath, BlockHeader tip, ParallelFor? parallel, out string? unusable)
    {
        ArgumentNullException.ThrowIfNull(tip);
        var path = PathFor(ledgerPath);
        if (!Openable(path, out unusable)) return null;
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unusable = $"it cannot be read ({e.GetType().Name})";
            return null;
        }
        if ((unusable = FormatProblem(content)) is not null) return null;
        var count = BinaryPrimitives.ReadInt32LittleEndian(content.AsSpan(Magic.Length + 72));
        if (count < 0 || content.LongLength != HeadLength + ((long)count * EntryLength) + 32)
        {
            unusable = "its length does not match its number of entries";
            return null;
        }
        var body = content.Length - 32;
        if (Hashing.Sha256(content.AsSpan(0, body)) != new Hash256(content.AsSpan(body)))
        {
            unusable = "its checksum does not match its content";
            return null;
        }
        if ((unusable = StampProblem(content, tip)) is not null) return null;
        SparseMerkleTree tree;
        try
        {
            tree = SparseMerkleTree.FromSorted(new PackedEntries(content, count), parallel);
        }
        catch (ArgumentException)
        {
            unusable = "its entries are not in key-hash order";
            return null;
        }
        if (tree.Root != tip.StateRoot)
        {
            unusable = $"its entries make root {tree.Root}, not block {tip.Height}'s state root";
            return null;
        }
        return tree;
    }

    /// <summary>Removes the file beside <paramref name="ledgerPath"/>, if any.</summary>
    public static void Delete(string ledgerPath) => File.Delete(PathFor(ledgerPath));

    // The file's entries read in place (64 bytes each after the head), from any thread.
    private sealed class PackedEntries(byte[] content, int count) : IReadOnlyList<(Hash256 KeyHash, Hash256 ValueHash)>
    {
        public int Count => count;

        public (Hash256 KeyHash, Hash256 ValueHash) this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                var leaf = content.AsSpan(HeadLength + (index * EntryLength), EntryLength);
                return (new Hash256(leaf[..32]), new Hash256(leaf[32..]));
            }
        }

        public IEnumerator<(Hash256 KeyHash, Hash256 ValueHash)> GetEnumerator()
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
