using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus;

/// <summary>
/// Encoding of <see cref="SafetyState"/> for the node's store (v1): <c>version · height · round · step · locked round + 1 ·
/// locked value (flag, bytes) · valid round + 1 · valid value (flag, bytes) · signed count · (type · round · hash)*</c>.
/// </summary>
public static class SafetyStateCodec
{
    private const byte Version = 1;

    /// <summary>Encodes a state.</summary>
    public static byte[] Encode(SafetyState s)
    {
        var w = new CanonicalWriter(256 + (s.LockedValue?.Length ?? 0) + (s.ValidValue?.Length ?? 0))
            .U8(Version).VarUInt(s.Height).VarUInt((ulong)s.Round).U8((byte)s.Step).VarUInt((ulong)(s.LockedRound + 1));
        WriteOptional(w, s.LockedValue);
        w.VarUInt((ulong)(s.ValidRound + 1));
        WriteOptional(w, s.ValidValue);
        w.VarUInt((ulong)s.Signed.Count);
        foreach (var ((type, round), hash) in s.Signed.OrderBy(e => e.Key.Round).ThenBy(e => e.Key.Type))
        {
            w.U8((byte)type).VarUInt((ulong)round).Hash(hash);
        }
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; null when damaged.</summary>
    public static SafetyState? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var version) || version != Version) return null;
        r.VarUInt(out var height);
        r.VarInt32(out var round, 1_000_000, "round");
        r.U8(out var step);
        r.VarInt32(out var lockedRound, 1_000_001, "locked round");
        var locked = ReadOptional(ref r);
        r.VarInt32(out var validRound, 1_000_001, "valid round");
        var valid = ReadOptional(ref r);
        r.VarInt32(out var count, 3_000_000, "signed count");
        var signed = new Dictionary<(MessageType, int), Hash256>();
        for (var i = 0; i < count && r.Error is null; i++)
        {
            r.U8(out var type);
            r.VarInt32(out var signedRound, 1_000_000, "signed round");
            r.Hash(out var hash, "signed hash");
            signed[((MessageType)type, signedRound)] = hash;
        }
        if (!r.End() || !Enum.IsDefined((Step)step)) return null;
        return new SafetyState(height, round, (Step)step, lockedRound - 1, locked, validRound - 1, valid, signed);
    }

    private static void WriteOptional(CanonicalWriter w, byte[]? value)
    {
        w.U8(value is null ? (byte)0 : (byte)1);
        if (value is not null) w.Bytes(value);
    }

    private static byte[]? ReadOptional(ref CanonicalReader r)
    {
        r.U8(out var present);
        if (present == 0) return null;
        r.Bytes(out var value, ConsensusMessage.MaxValueBytes, "value");
        return value.ToArray();
    }
}
