using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus.Tests;

public class EngineTests
{
    private static TendermintEngine Single(SigningKeyPair key) =>
        new("net", [key.PublicKey], key, h => BitConverter.GetBytes(h), (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, SafetyState.Fresh(1));

    [Fact]
    public void One_validator_decides_at_once_and_moves_on_after_the_commit()
    {
        using var key = SigningKeyPair.FromSeed(new byte[32]);
        var engine = Single(key);
        var actions = engine.Handle(new EngineInput.Start(0));
        var decide = Assert.Single(actions.OfType<EngineAction.Decide>());
        Assert.Equal(1UL, decide.Height);
        Assert.Single(decide.Commit);
        Assert.True(actions.OfType<EngineAction.Persist>().Any());
        Assert.Empty(engine.Handle(new EngineInput.Start(1)).OfType<EngineAction.Decide>()); // waits for the commit
        var next = engine.Handle(new EngineInput.Committed(2));
        Assert.Equal(2UL, Assert.Single(next.OfType<EngineAction.Decide>()).Height);
    }

    [Fact]
    public void Messages_round_trip_and_a_changed_byte_breaks_the_signature_or_the_encoding()
    {
        using var key = SigningKeyPair.FromSeed(new byte[32]);
        var m = ConsensusMessage.Create("net", key, MessageType.Proposal, 5, 2, Hashing.Sha256([1, 2, 3]), 1, [1, 2, 3]);
        var bytes = m.Encode();
        var back = ConsensusMessage.TryDecode(bytes);
        Assert.NotNull(back);
        Assert.True(back.VerifySignature("net"));
        Assert.False(back.VerifySignature("other-net"));
        for (var i = 0; i < bytes.Length; i++)
        {
            var copy = bytes.ToArray();
            copy[i] ^= 1;
            var decoded = ConsensusMessage.TryDecode(copy);
            Assert.True(decoded is null || !decoded.VerifySignature("net"), $"byte {i}");
        }
    }

    [Fact]
    public void A_restarted_validator_never_signs_a_vote_that_conflicts_with_one_it_persisted()
    {
        using var a = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray());
        using var b = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)2, 32).ToArray());
        using var c = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)3, 32).ToArray());
        using var d = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)4, 32).ToArray());
        var validators = new[] { a.PublicKey, b.PublicKey, c.PublicKey, d.PublicKey };
        var value = new byte[] { 9 };
        var hash = Hashing.Sha256(value);
        // It prevoted for the value in round 0, persisted, crashed. Back up, its propose timeout fires: it must not prevote nil.
        var signed = new Dictionary<(MessageType, int), Hash256> { [(MessageType.Prevote, 0)] = hash };
        var state = new SafetyState(1, 0, Step.Prevote, -1, null, -1, null, signed);
        var engine = new TendermintEngine("net", validators, d, _ => [7], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, state);
        engine.Handle(new EngineInput.Start(0));
        var actions = engine.Handle(new EngineInput.Timeout(5000, 1, 0, Step.Propose));
        Assert.DoesNotContain(actions.OfType<EngineAction.Broadcast>(), x => x.Message.Type == MessageType.Prevote && x.Message.IsNil);
        Assert.Contains(actions.OfType<EngineAction.Broadcast>(), x => x.Message.Type == MessageType.Prevote && x.Message.ValueHash == hash); // the old vote, again
        Assert.Equal(1, engine.Stats.RefusedToResign);
    }
}
