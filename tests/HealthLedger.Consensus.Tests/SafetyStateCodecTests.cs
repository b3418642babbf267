using HealthLedger.Core.Crypto;

namespace HealthLedger.Consensus.Tests;

/// <summary>The stored voting state: a damaged one must fail to decode, never decode as another state.</summary>
public class SafetyStateCodecTests
{
    private static SafetyState Signed() =>
        new(7, 2, Step.Precommit, 1, [1, 2, 3], 1, [1, 2, 3],
            new Dictionary<(MessageType, int), Core.Primitives.Hash256> { [(MessageType.Prevote, 0)] = Hashing.Sha256("block"u8) });

    [Fact]
    public void A_state_round_trips()
    {
        var decoded = SafetyStateCodec.TryDecode(SafetyStateCodec.Encode(Signed()))!;
        Assert.Equal((7UL, 2, 1), (decoded.Height, decoded.Round, decoded.LockedRound));
        Assert.Single(decoded.Signed);
    }

    [Fact]
    public void Every_single_flipped_bit_makes_the_stored_state_undecodable()
    {
        var bytes = SafetyStateCodec.Encode(Signed());
        for (var i = 0; i < bytes.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = bytes.ToArray();
                damaged[i] ^= (byte)(1 << bit);
                Assert.Null(SafetyStateCodec.TryDecode(damaged));
            }
        }
        Assert.Null(SafetyStateCodec.TryDecode(bytes[..^1]));
        Assert.Null(SafetyStateCodec.TryDecode([]));
    }
}
