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
    public void A_single_node_that_crashed_after_persisting_its_votes_but_before_the_commit_decides_the_same_value_after_restart()
    {
        using var key = SigningKeyPair.FromSeed(new byte[32]);
        var first = Single(key);
        var actions = first.Handle(new EngineInput.Start(0));
        var decided = Assert.Single(actions.OfType<EngineAction.Decide>());
        // The crash: only the last persisted state (through the codec, as the store keeps it) survives; the block did not commit.
        var saved = SafetyStateCodec.TryDecode(SafetyStateCodec.Encode(actions.OfType<EngineAction.Persist>().Last().State))!;
        var restarted = new TendermintEngine("net", [key.PublicKey], key, h => [.. BitConverter.GetBytes(h), 9], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, saved);
        var pending = restarted.Handle(new EngineInput.Start(10)).ToList();
        var timers = new List<EngineAction.SetTimeout>();
        for (var step = 0; step < 20; step++)
        {
            if (pending.OfType<EngineAction.Decide>().FirstOrDefault() is { } d)
            {
                Assert.Equal(decided.ValueHash, d.ValueHash); // the value it had locked on, not a new one
                return;
            }
            timers.AddRange(pending.OfType<EngineAction.SetTimeout>());
            var timeout = timers.OrderBy(t => t.At).FirstOrDefault();
            Assert.NotNull(timeout);
            timers.Remove(timeout);
            pending = restarted.Handle(new EngineInput.Timeout(timeout.At, timeout.Height, timeout.Round, timeout.Step)).ToList();
        }
        Assert.Fail($"the restarted node never decided: h={restarted.Height} r={restarted.Round} {restarted.Step}; last: {string.Join(", ", pending.Select(a => a.GetType().Name))}; saved signed {string.Join(",", saved.Signed.Keys)} locked {saved.LockedRound}");
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
