using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus;

/// <summary>
/// Encoding of <see cref="SafetyState"/> for the node's store (v2): <c>version · height · round · step · locked round + 1 ·
/// locked value (flag, bytes) · valid round + 1 · valid value (flag, bytes) · signed count · (type · round · hash)* · SHA-256 of
/// all before it</c>. The checksum makes any damage to the stored bytes a decoding failure instead of a different state (a
/// node must never forget what it signed). v1 (the same without the checksum) is still read.
/// </summary>
public static class SafetyStateCodec
{
    private const byte Version = 2;
    private const byte VersionWithoutChecksum = 1;

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
        var body = w.ToArray();
        return [.. body, .. Hashing.Sha256(body).ToArray()];
    }

    /// <summary>Decodes <see cref="Encode"/>'s output (or a v1 state); null when damaged (its checksum does not match, or it does not parse).</summary>
    public static SafetyState? TryDecode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return null;
        if (data[0] == Version)
        {
            if (data.Length < 33 || Hashing.Sha256(data[..^32]) != new Hash256(data[^32..])) return null;
            data = data[..^32];
        }
        else if (data[0] != VersionWithoutChecksum)
        {
            return null;
        }
        var r = new CanonicalReader(data);
        r.U8(out _);
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
