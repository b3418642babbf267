using HealthLedger.Core.Encoding;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Model;

/// <summary>
/// A sorted, distinct list of identifiers as stored in the state: <c>version(1) · count · id*</c>. Holds the validator set,
/// the member organisations and each organisation's nodes.
/// </summary>
public static class IdList
{
    private const byte Version = 1;

    /// <summary>Encodes ids (sorted ordinally, duplicates dropped).</summary>
    public static byte[] Encode(IEnumerable<string> ids)
    {
        var sorted = ids.Distinct().Order(StringComparer.Ordinal).ToList();
        var w = new CanonicalWriter().U8(Version).VarUInt((ulong)sorted.Count);
        foreach (var id in sorted) w.Text(id);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output with at most <paramref name="max"/> ids; null when damaged.</summary>
    public static IReadOnlyList<string>? TryDecode(ReadOnlySpan<byte> data, int max)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v != Version) return null;
        r.VarUInt(out var count, (ulong)max, "id count");
        var ids = new List<string>((int)count);
        for (ulong i = 0; i < count && r.Error is null; i++)
        {
            r.Text(out var id, Identifiers.MaxLength, "id");
            ids.Add(id);
        }
        return r.End() ? ids : null;
    }

    /// <summary>The list stored under <paramref name="key"/> (empty when absent); throws when it is damaged.</summary>
    public static IReadOnlyList<string> Read(IStateReader state, string key, int max) =>
        state.TryGet(key, out var bytes) ? TryDecode(bytes, max) ?? throw new InvalidDataException($"The stored list '{key}' is damaged.") : [];
}
