namespace HealthLedger.Core.Encoding;

/// <summary>A batch of encoded transactions: a LEB128 count, then each transaction as a length-prefixed byte string.</summary>
public static class BatchEncoding
{
    /// <summary>Encodes a batch.</summary>
    public static byte[] Encode(IReadOnlyCollection<ReadOnlyMemory<byte>> items)
    {
        var w = new CanonicalWriter(items.Sum(i => i.Length + 4) + 8).VarUInt((ulong)items.Count);
        foreach (var item in items) w.Bytes(item.Span);
        return w.ToArray();
    }

    /// <summary>Splits a batch into its items without copying.</summary>
    public static bool TrySplit(ReadOnlyMemory<byte> batch, int maxItems, int maxItemBytes, List<ReadOnlyMemory<byte>> items, out string? error)
    {
        var r = new CanonicalReader(batch.Span);
        r.VarInt32(out var count, maxItems, "batch size");
        for (var i = 0; i < count && r.Error is null; i++)
        {
            if (r.VarInt32(out var length, maxItemBytes, $"transaction {i} length") && r.Skip(length, $"transaction {i}"))
            {
                items.Add(batch.Slice(r.Position - length, length));
            }
        }
        error = r.End() ? null : r.Error;
        return error is null;
    }
}
