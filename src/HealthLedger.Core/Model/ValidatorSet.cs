using HealthLedger.Core.Encoding;
using HealthLedger.Core.State;

namespace HealthLedger.Core.Model;

/// <summary>
/// The voting nodes, kept in the world state under <see cref="StateKeys.Validators"/> (their ids, sorted) with each node's
/// record under <see cref="StateKeys.Node"/>. The set that decides block h is the one in the state after block h − 1, so
/// a change made by a configuration transaction takes effect at the next block boundary on every node alike.
/// </summary>
public static class ValidatorSet
{
    private const byte Version = 1;

    /// <summary>Most voting nodes a network may have.</summary>
    public const int MaxNodes = 100;

    /// <summary>Encodes a set of node ids (sorted, distinct).</summary>
    public static byte[] Encode(IEnumerable<string> nodeIds)
    {
        var ids = nodeIds.Distinct().Order(StringComparer.Ordinal).ToList();
        var w = new CanonicalWriter().U8(Version).VarUInt((ulong)ids.Count);
        foreach (var id in ids) w.Text(id);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when damaged.</summary>
    public static IReadOnlyList<string>? TryDecodeIds(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var v) || v != Version) return null;
        r.VarUInt(out var count, MaxNodes, "validator count");
        var ids = new List<string>((int)count);
        for (ulong i = 0; i < count && r.Error is null; i++)
        {
            r.Text(out var id, Identifiers.MaxLength, "validator id");
            ids.Add(id);
        }
        return r.End() ? ids : null;
    }

    /// <summary>The validator ids in the state (empty when none are recorded).</summary>
    public static IReadOnlyList<string> Ids(IStateReader state) =>
        state.TryGet(StateKeys.Validators, out var bytes) ? TryDecodeIds(bytes) ?? throw new InvalidDataException("The stored validator set is damaged.") : [];

    /// <summary>The validators' records, in id order.</summary>
    public static IReadOnlyList<NodeRecord> Read(IStateReader state) =>
        Ids(state).Select(id => state.TryGet(StateKeys.Node(id), out var b) && NodeRecord.TryDecode(b) is { } n
            ? n : throw new InvalidDataException($"The record of validator '{id}' is missing or damaged.")).ToList();

    /// <summary>Byzantine faults the set tolerates: f = ⌊(n − 1) / 3⌋.</summary>
    public static int FaultsTolerated(int n) => (n - 1) / 3;

    /// <summary>Votes that decide: 2f + 1.</summary>
    public static int Quorum(int n) => 2 * FaultsTolerated(n) + 1;
}
