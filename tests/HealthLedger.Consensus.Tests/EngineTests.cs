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
    private static SigningKeyPair[] Four() => Enumerable.Range(1, 4).Select(i => SigningKeyPair.FromSeed(Enumerable.Repeat((byte)i, 32).ToArray())).ToArray();

    [Fact]
    public void A_proposer_re_proposing_its_valid_value_sends_the_proof_of_lock_with_it()
    {
        var keys = Four();
        var validators = keys.Select(k => k.PublicKey).ToList();
        var me = keys[2]; // proposer of height 1, round 1
        var engine = new TendermintEngine("net", validators, me, _ => [7], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, SafetyState.Fresh(1));
        Assert.Equal(me.PublicKey, engine.Proposer(1, 1));
        var proposer0 = keys.Single(k => k.PublicKey == engine.Proposer(1, 0));
        byte[] value = [1, 2, 3];
        var hash = Hashing.Sha256(value);
        engine.Handle(new EngineInput.Start(0));
        engine.Handle(new EngineInput.Receive(1, ConsensusMessage.Create("net", proposer0, MessageType.Proposal, 1, 0, hash, -1, value)));
        var others = keys.Where(k => k != me).Take(2).ToList();
        foreach (var k in others) engine.Handle(new EngineInput.Receive(2, ConsensusMessage.Create("net", k, MessageType.Prevote, 1, 0, hash, -1, null)));
        // It saw a polka and locked; the others' precommits are nil, so round 0 ends without a decision.
        var timeouts = new List<EngineAction.SetTimeout>();
        foreach (var k in keys.Where(k => k != me)) timeouts.AddRange(engine.Handle(new EngineInput.Receive(3, ConsensusMessage.Create("net", k, MessageType.Precommit, 1, 0, Hash256.Zero, -1, null))).OfType<EngineAction.SetTimeout>());
        var precommitTimeout = Assert.Single(timeouts, t => t.Step == Step.Precommit);
        var sent = engine.Handle(new EngineInput.Timeout(precommitTimeout.At, 1, 0, Step.Precommit)).OfType<EngineAction.Broadcast>().Select(b => b.Message).ToList();

        var proposal = Assert.Single(sent, m => m.Type == MessageType.Proposal);
        Assert.Equal((1, 0, hash), (proposal.Round, proposal.ValidRound, proposal.ValueHash));
        var pol = sent.Where(m => m.Type == MessageType.Prevote && m.Round == 0 && m.ValueHash == hash).Select(m => m.Sender).ToHashSet();
        Assert.True(pol.SetEquals(others.Select(k => k.PublicKey)), "the prevotes of round 0 go out with the re-proposal");
        Assert.Contains(engine.Gossip(), m => m.Type == MessageType.Prevote && m.Sender == others[0].PublicKey);
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void Gossip_relays_the_votes_of_others_it_holds_at_the_current_height_not_only_its_own()
    {
        var keys = Four();
        var validators = keys.Select(k => k.PublicKey).ToList();
        var me = keys[0];
        var engine = new TendermintEngine("net", validators, me, _ => [7], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, SafetyState.Fresh(1));
        engine.Handle(new EngineInput.Start(0));
        byte[] value = [4, 2];
        var hash = Hashing.Sha256(value);
        var proposer = keys.Single(k => k.PublicKey == engine.Proposer(1, 0));
        var proposal = ConsensusMessage.Create("net", proposer, MessageType.Proposal, 1, 0, hash, -1, value);
        engine.Handle(new EngineInput.Receive(1, proposal));
        // A validator (an equivocator, say) sent this prevote to this node only: the others learn it from this node's gossip.
        var other = keys.First(k => k != me && k != proposer);
        var prevote = ConsensusMessage.Create("net", other, MessageType.Prevote, 1, 0, hash, -1, null);
        engine.Handle(new EngineInput.Receive(2, prevote));

        var gossip = engine.Gossip();
        Assert.Contains(gossip, m => m.Signature == prevote.Signature && m.Sender == other.PublicKey);
        Assert.Contains(gossip, m => m.Type == MessageType.Proposal && m.Signature == proposal.Signature);
        Assert.Contains(gossip, m => m.Type == MessageType.Prevote && m.Sender == me.PublicKey);
        Assert.Equal(gossip.Count, gossip.Select(m => (m.Type, m.Round, m.Sender, m.ValueHash)).Distinct().Count()); // nothing twice
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void Gossip_is_bounded_to_the_rounds_that_matter_however_many_rounds_a_height_takes()
    {
        var keys = Four();
        var validators = keys.Select(k => k.PublicKey).ToList();
        var engine = new TendermintEngine("net", validators, keys[0], _ => [7], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, SafetyState.Fresh(1));
        engine.Handle(new EngineInput.Start(0));
        // Two validators (f + 1) in each later round: the engine follows them round after round.
        for (var round = 1; round <= 30; round++)
        {
            foreach (var k in keys.Skip(1).Take(2))
            {
                engine.Handle(new EngineInput.Receive((ulong)round, ConsensusMessage.Create("net", k, MessageType.Prevote, 1, round, Hash256.Zero, -1, null)));
            }
        }
        Assert.Equal(30, engine.Round);
        var relayed = engine.Gossip().Where(m => m.Sender != keys[0].PublicKey).ToList();
        Assert.NotEmpty(relayed);
        Assert.All(relayed, m => Assert.InRange(m.Round, 29, 30));
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void A_restarted_validator_holds_and_gossips_again_the_very_votes_it_signed_before_the_crash()
    {
        var keys = Four();
        var validators = keys.Select(k => k.PublicKey).ToList();
        var me = keys[3];
        var first = new TendermintEngine("net", validators, me, _ => [7], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, SafetyState.Fresh(1));
        first.Handle(new EngineInput.Start(0));
        byte[] value = [1, 1];
        var hash = Hashing.Sha256(value);
        var proposer = keys.Single(k => k.PublicKey == first.Proposer(1, 0));
        var actions = first.Handle(new EngineInput.Receive(1, ConsensusMessage.Create("net", proposer, MessageType.Proposal, 1, 0, hash, -1, value)));
        var prevote = Assert.Single(actions.OfType<EngineAction.Broadcast>(), b => b.Message.Type == MessageType.Prevote).Message;
        var saved = SafetyStateCodec.TryDecode(SafetyStateCodec.Encode(actions.OfType<EngineAction.Persist>().Last().State))!;

        var restarted = new TendermintEngine("net", validators, me, _ => [7], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, saved);
        restarted.Handle(new EngineInput.Start(10));
        var again = Assert.Single(restarted.Gossip(), m => m.Type == MessageType.Prevote && m.Sender == me.PublicKey);
        Assert.Equal(prevote.Encode(), again.Encode()); // the same bytes: no second, conflicting signature
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void A_restarted_proposer_that_lost_the_proof_of_lock_of_its_valid_value_times_out_instead_of_waiting_for_ever()
    {
        // Found by the simulation (n = 1, a crash): a proposer re-proposes its valid value of round 0 in round 1, but the
        // prevotes that made it valid were lost with the crash, so it cannot prevote its own proposal. It set no propose
        // timeout, so it waited in the propose step for ever.
        var keys = Four();
        var validators = keys.Select(k => k.PublicKey).ToList();
        byte[] value = [5, 5];
        var hash = Hashing.Sha256(value);
        var me = keys.Single(k => k.PublicKey == validators[2]); // proposer of height 1, round 1
        var signed = new Dictionary<(MessageType, int), Hash256> { [(MessageType.Prevote, 0)] = hash, [(MessageType.Precommit, 0)] = hash };
        var saved = new SafetyState(1, 1, Step.Propose, 0, value, 0, value, signed);
        var engine = new TendermintEngine("net", validators, me, _ => [7], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, saved);
        Assert.Equal(me.PublicKey, engine.Proposer(1, 1));

        var started = engine.Handle(new EngineInput.Start(0));
        var proposal = Assert.Single(started.OfType<EngineAction.Broadcast>(), b => b.Message.Type == MessageType.Proposal).Message;
        Assert.Equal((1, 0, hash), (proposal.Round, proposal.ValidRound, proposal.ValueHash));
        Assert.Equal(Step.Propose, engine.Step); // one prevote of round 0 (its own) is no proof of lock
        var timeout = Assert.Single(started.OfType<EngineAction.SetTimeout>(), t => t.Step == Step.Propose && t.Round == 1);
        var prevote = Assert.Single(engine.Handle(new EngineInput.Timeout(timeout.At, 1, 1, Step.Propose)).OfType<EngineAction.Broadcast>()).Message;
        Assert.Equal((MessageType.Prevote, 1), (prevote.Type, prevote.Round));
        Assert.Equal(Step.Prevote, engine.Step);
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void A_certificate_is_accepted_even_after_an_equivocator_filled_its_vote_slots_with_other_values()
    {
        var keys = Four();
        var validators = keys.Select(k => k.PublicKey).ToList();
        var engine = new TendermintEngine("net", validators, keys[0], _ => [7], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, SafetyState.Fresh(1));
        engine.Handle(new EngineInput.Start(0));
        var byzantine = keys.First(k => k != keys[0] && k.PublicKey != engine.Proposer(1, 0));
        var honest = keys.Where(k => k != keys[0] && k != byzantine).ToList();
        byte[] value = [9, 9];
        var hash = Hashing.Sha256(value);
        static ConsensusMessage Precommit(SigningKeyPair k, Hash256 h) => ConsensusMessage.Create("net", k, MessageType.Precommit, 1, 0, h, -1, null);
        var inputs = new List<ConsensusMessage>
        {
            Precommit(byzantine, Hashing.Sha256([1])), Precommit(byzantine, Hashing.Sha256([2])), // two other values first
            Precommit(honest[0], hash), Precommit(honest[1], hash), Precommit(byzantine, hash),     // then the certificate
            ConsensusMessage.Create("net", keys.Single(k => k.PublicKey == engine.Proposer(1, 0)), MessageType.Proposal, 1, 0, hash, -1, value),
        };
        var decided = inputs.SelectMany(m => engine.Handle(new EngineInput.Receive(1, m))).OfType<EngineAction.Decide>().ToList();
        Assert.Equal(hash, Assert.Single(decided).ValueHash);
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void Three_of_six_validators_vote_once_and_stop_in_prevote_holding_each_others_prevotes_without_deciding()
    {
        // The side of a 3 | 3 split (quorum 5 of 6): whatever comes of the proposal, no quorum of prevotes forms, so no prevote
        // timeout is set and the round cannot end. Voters shows how far it got (what /healthz reports as consensus.prevotes).
        var keys = Enumerable.Range(1, 6).Select(i => SigningKeyPair.FromSeed(Enumerable.Repeat((byte)i, 32).ToArray())).ToList();
        try
        {
            var validators = keys.Select(k => k.PublicKey).ToList();
            var side = keys.Take(3).Select(k => new TendermintEngine("net", validators, k, h => BitConverter.GetBytes(h), (_, _) => true, v => Hashing.Sha256(v),
                EngineTimeouts.Default, SafetyState.Fresh(1))).ToList();
            var messages = new Queue<(int From, ConsensusMessage Message)>();
            var timers = new List<(int Engine, EngineAction.SetTimeout Timer)>();
            ulong now = 0;
            void Take(int engine, IReadOnlyList<EngineAction> actions)
            {
                Assert.Empty(actions.OfType<EngineAction.Decide>());
                foreach (var b in actions.OfType<EngineAction.Broadcast>()) messages.Enqueue((engine, b.Message));
                timers.AddRange(actions.OfType<EngineAction.SetTimeout>().Select(t => (engine, t)));
            }
            for (var i = 0; i < side.Count; i++) Take(i, side[i].Handle(new EngineInput.Start(now)));
            for (var steps = 0; messages.Count > 0 || timers.Count > 0; steps++)
            {
                Assert.True(steps < 1000, "the side never went quiet");
                if (messages.TryDequeue(out var m))
                {
                    for (var i = 0; i < side.Count; i++) if (i != m.From) Take(i, side[i].Handle(new EngineInput.Receive(now, m.Message)));
                    continue;
                }
                var next = timers.MinBy(t => t.Timer.At);
                timers.Remove(next);
                now = Math.Max(now, next.Timer.At);
                Take(next.Engine, side[next.Engine].Handle(new EngineInput.Timeout(now, next.Timer.Height, next.Timer.Round, next.Timer.Step)));
            }
            Assert.All(side, e => Assert.Equal((1UL, 0, Step.Prevote, false, 3, 0),
                (e.Height, e.Round, e.Step, e.Decided, e.Voters(MessageType.Prevote), e.Voters(MessageType.Precommit))));
        }
        finally
        {
            foreach (var k in keys) k.Dispose();
        }
    }
}
