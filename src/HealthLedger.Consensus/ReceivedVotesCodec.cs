using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus;

/// <summary>
/// Encoding of the votes a node holds for the height it is deciding (its own and others'), kept in its store so that a
/// restarted node can re-gossip them instead of depending on its peers to send them back (v1):
/// <c>version · height · count · (encoded <see cref="ConsensusMessage"/>)* · SHA-256 of all before it</c>. Only prevotes and
/// precommits of that height are kept, at most <see cref="MaxVotes"/>; every vote stays signed, so a node that reads them
/// back checks them again like any received message. Damaged bytes decode to null (the votes are then lost, as they were
/// before they were kept; nothing a node signed depends on them).
/// </summary>
public static class ReceivedVotesCodec
{
    /// <summary>Most votes kept (the engine's gossip holds at most <see cref="TendermintEngine.MaxRelayedRounds"/> rounds × 2 types × two per validator).</summary>
    public const int MaxVotes = 4096;

    private const byte Version = 1;

    /// <summary>Encodes the prevotes and precommits of <paramref name="height"/> among <paramref name="messages"/> (the first <see cref="MaxVotes"/>).</summary>
    public static byte[] Encode(ulong height, IEnumerable<ConsensusMessage> messages)
    {
        var votes = messages.Where(m => m.Height == height && m.Type is MessageType.Prevote or MessageType.Precommit).Take(MaxVotes).Select(m => m.Encode()).ToList();
        var w = new CanonicalWriter(32 + votes.Sum(v => v.Length + 4)).U8(Version).VarUInt(height).VarUInt((ulong)votes.Count);
        foreach (var vote in votes) w.Bytes(vote);
        var body = w.ToArray();
        return [.. body, .. Hashing.Sha256(body).ToArray()];
    }

    /// <summary>Decodes <see cref="Encode"/>'s output: the height and its votes, or null when the bytes are damaged or not votes.</summary>
    public static (ulong Height, IReadOnlyList<ConsensusMessage> Votes)? TryDecode(ReadOnlySpan<byte> data)
    {
        if (data.Length < 32 + 3) return null;
        var body = data[..^32];
        if (!Hashing.Sha256(body).ToArray().AsSpan().SequenceEqual(data[^32..])) return null;
        var r = new CanonicalReader(body);
        if (!r.U8(out var version) || version != Version) return null;
        r.VarUInt(out var height);
        r.VarInt32(out var count, MaxVotes, "vote count");
        var votes = new List<ConsensusMessage>(Math.Min(count, MaxVotes));
        for (var i = 0; i < count && r.Error is null; i++)
        {
            if (!r.Bytes(out var bytes, 1024, "vote")) break;
            if (ConsensusMessage.TryDecode(bytes) is not { Type: MessageType.Prevote or MessageType.Precommit } vote || vote.Height != height) return null;
            votes.Add(vote);
        }
        return r.End() ? (height, votes) : null;
    }
}
