using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Merkle;

/// <summary>
/// The Merkle tree hash of RFC 6962 (Certificate Transparency), section 2.1:
/// MTH({}) = SHA-256(), MTH({d}) = SHA-256(0x00 || d), MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
/// with k the largest power of two smaller than n. Leaf and inner hashes are domain-separated, so a leaf can
/// never pass for an inner node.
/// </summary>
public static class MerkleTree
{
    /// <summary>Prefix of a leaf hash.</summary>
    public const byte LeafPrefix = 0x00;

    /// <summary>Prefix of an inner-node hash.</summary>
    public const byte NodePrefix = 0x01;

    /// <summary>The root of the empty tree: SHA-256 of the empty string.</summary>
    public static Hash256 EmptyRoot { get; } = Hashing.Sha256(ReadOnlySpan<byte>.Empty);

    /// <summary>The leaf hash of one data entry.</summary>
    public static Hash256 LeafHash(ReadOnlySpan<byte> data) => Hashing.Sha256(LeafPrefix, data);

    /// <summary>The root over already-computed leaf hashes.</summary>
    public static Hash256 RootOfLeafHashes(IReadOnlyList<Hash256> leafHashes) =>
        leafHashes.Count == 0 ? EmptyRoot : Root(leafHashes, 0, leafHashes.Count);

    /// <summary>The root over data entries (each is hashed as a leaf).</summary>
    public static Hash256 RootOf(IEnumerable<ReadOnlyMemory<byte>> entries) =>
        RootOfLeafHashes(entries.Select(e => LeafHash(e.Span)).ToList());

    /// <summary>The root of a list of 32-byte ids (transaction ids), each taken as leaf data.</summary>
    public static Hash256 RootOfIds(IReadOnlyList<Hash256> ids)
    {
        var leaves = new Hash256[ids.Count];
        Span<byte> buffer = stackalloc byte[32];
        for (var i = 0; i < ids.Count; i++)
        {
            ids[i].CopyTo(buffer);
            leaves[i] = LeafHash(buffer);
        }
        return RootOfLeafHashes(leaves);
    }

    private static Hash256 Root(IReadOnlyList<Hash256> leaves, int start, int count)
    {
        if (count == 1) return leaves[start];
        var k = 1;
        while (k << 1 < count) k <<= 1;
        return Hashing.Sha256(NodePrefix, Root(leaves, start, k), Root(leaves, start + k, count - k));
    }
}
