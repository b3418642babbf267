using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Verification;

namespace HealthLedger.Node.Network;

/// <summary>
/// What validators agree on: a signed block with its transactions and the record ciphertexts those transactions reference
/// (so a node that never saw a transaction can still commit its block). Encoding v1: <c>version · header (bytes) · count ·
/// transactions (bytes)* · blob count · (hash · bytes)*</c>. Its consensus hash is the block header's hash; the ciphertexts
/// are bound to it through the transactions' record references (SHA-256 and length), which validation checks.
/// </summary>
/// <param name="Block">The block.</param>
/// <param name="Blobs">Record ciphertexts by SHA-256.</param>
public sealed record BlockValue(Block Block, IReadOnlyDictionary<Hash256, byte[]> Blobs)
{
    private const byte Version = 1;

    /// <summary>Encodes the value.</summary>
    public byte[] Encode()
    {
        var header = Block.Header.Encode();
        var size = 64 + header.Length + Block.Transactions.Sum(t => t.Encoded.Length + 8) + Blobs.Values.Sum(b => b.Length + 40);
        var w = new CanonicalWriter(size).U8(Version).Bytes(header).VarUInt((ulong)Block.Transactions.Count);
        foreach (var tx in Block.Transactions) w.Bytes(tx.Encoded.Span);
        w.VarUInt((ulong)Blobs.Count);
        foreach (var (hash, data) in Blobs.OrderBy(b => b.Key)) w.Hash(hash).Bytes(data);
        return w.ToArray();
    }

    /// <summary>Decodes a value; null with <paramref name="error"/> when the bytes are not one.</summary>
    public static BlockValue? TryDecode(ReadOnlySpan<byte> data, int maxTxBytes, int maxTxs, out string? error)
    {
        var r = new CanonicalReader(data);
        error = null;
        if (!r.U8(out var version) || version != Version)
        {
            error = "unknown block value version";
            return null;
        }
        r.Bytes(out var headerBytes, 4096, "header");
        if (r.Error is not null || !BlockHeader.TryDecode(headerBytes, out var header, out error)) return null;
        r.VarInt32(out var count, maxTxs, "transaction count");
        var txs = new List<Transaction>(count);
        for (var i = 0; i < count && r.Error is null; i++)
        {
            r.Bytes(out var raw, maxTxBytes, "transaction");
            if (r.Error is not null) break;
            var decoded = BlockValidator.DecodeTransaction(raw, maxTxBytes, i, out var tx);
            if (!decoded.IsOk)
            {
                error = decoded.Reason;
                return null;
            }
            txs.Add(tx!);
        }
        r.VarInt32(out var blobCount, 1_000_000, "blob count");
        var blobs = new Dictionary<Hash256, byte[]>(blobCount);
        for (var i = 0; i < blobCount && r.Error is null; i++)
        {
            r.Hash(out var hash, "blob hash");
            r.Bytes(out var blob, maxTxBytes * 16, "blob");
            if (r.Error is null) blobs[hash] = blob.ToArray();
        }
        if (!r.End())
        {
            error = r.Error ?? "trailing bytes";
            return null;
        }
        return new BlockValue(new Block(header!, txs), blobs);
    }

    /// <summary>The consensus hash of encoded value bytes: the header's hash, or SHA-256 of the bytes when they do not decode (so it matches nothing valid).</summary>
    public static Hash256 HashOf(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var version) && version == Version && r.Bytes(out var header, 4096, "header") && BlockHeader.TryDecode(header, out var h, out _))
        {
            return h!.Hash;
        }
        return Hashing.Sha256(data);
    }
}
