using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus.Tests;

public class ReceivedVotesCodecTests
{
    private const string Net = "votes-net";

    private static ConsensusMessage Message(SigningKeyPair key, MessageType type, ulong height, int round, byte value) =>
        ConsensusMessage.Create(Net, key, type, height, round, Hashing.Sha256([value]), -1, type == MessageType.Proposal ? [value] : null);

    [Fact]
    public void The_votes_of_the_height_round_trip_and_proposals_and_other_heights_are_left_out()
    {
        var keys = Enumerable.Range(1, 4).Select(i => SigningKeyPair.FromSeed(Enumerable.Repeat((byte)i, 32).ToArray())).ToArray();
        var votes = keys.SelectMany(k => new[] { Message(k, MessageType.Prevote, 7, 0, 1), Message(k, MessageType.Precommit, 7, 1, 2) }).ToList();
        var others = new[] { Message(keys[0], MessageType.Proposal, 7, 0, 1), Message(keys[1], MessageType.Prevote, 6, 0, 1), Message(keys[2], MessageType.Precommit, 8, 0, 1) };
        var decoded = ReceivedVotesCodec.TryDecode(ReceivedVotesCodec.Encode(7, [.. others, .. votes]));
        Assert.NotNull(decoded);
        Assert.Equal(7ul, decoded.Value.Height);
        Assert.Equal(votes.Select(v => Convert.ToHexString(v.Encode())), decoded.Value.Votes.Select(v => Convert.ToHexString(v.Encode())));
        Assert.All(decoded.Value.Votes, v => Assert.True(v.VerifySignature(Net)));
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void Damaged_or_foreign_bytes_decode_to_nothing()
    {
        using var key = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)3, 32).ToArray());
        var bytes = ReceivedVotesCodec.Encode(2, [Message(key, MessageType.Prevote, 2, 0, 5)]);
        for (var i = 0; i < bytes.Length; i += 7)
        {
            var damaged = bytes.ToArray();
            damaged[i] ^= 0x10;
            Assert.Null(ReceivedVotesCodec.TryDecode(damaged));
        }
        Assert.Null(ReceivedVotesCodec.TryDecode([]));
        Assert.Null(ReceivedVotesCodec.TryDecode(bytes[..^1]));
        Assert.Empty(ReceivedVotesCodec.TryDecode(ReceivedVotesCodec.Encode(2, []))!.Value.Votes);
    }

    [Fact]
    public void At_most_the_bound_of_votes_is_kept()
    {
        using var key = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)4, 32).ToArray());
        var many = Enumerable.Range(0, ReceivedVotesCodec.MaxVotes + 10).Select(r => Message(key, MessageType.Prevote, 1, r, 1));
        Assert.Equal(ReceivedVotesCodec.MaxVotes, ReceivedVotesCodec.TryDecode(ReceivedVotesCodec.Encode(1, many))!.Value.Votes.Count);
    }
}
