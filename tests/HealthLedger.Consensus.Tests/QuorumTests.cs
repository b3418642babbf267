using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus.Tests;

/// <summary>
/// The quorum is ⌊2n/3⌋ + 1 for every n, in the engine and in commit certificates alike: with 5 validators 3 precommits
/// (2f + 1 for f = 1) must not decide, because two such sets share one validator, who may be Byzantine.
/// </summary>
public class QuorumTests
{
    private const string Net = "net";

    private static SigningKeyPair[] Keys(int n) => Enumerable.Range(1, n).Select(i => SigningKeyPair.FromSeed(Enumerable.Repeat((byte)i, 32).ToArray())).ToArray();

    private static TendermintEngine Engine(SigningKeyPair[] keys, int me) =>
        new(Net, keys.Select(k => k.PublicKey).ToList(), keys[me], h => [(byte)h, (byte)me], (_, _) => true, v => Hashing.Sha256(v), EngineTimeouts.Default, SafetyState.Fresh(1));

    // Feeds the round-0 proposal of height 1 and then precommits for it from the given validators; returns whether the engine decided.
    private static bool DecidesWith(int n, int me, int[] precommitters)
    {
        var keys = Keys(n);
        try
        {
            var engine = Engine(keys, me);
            var decided = engine.Handle(new EngineInput.Start(0)).OfType<EngineAction.Decide>().Any();
            var proposer = keys.Single(k => k.PublicKey == engine.Proposer(1, 0));
            byte[] value = [1, 42];
            var hash = Hashing.Sha256(value);
            var proposal = ConsensusMessage.Create(Net, proposer, MessageType.Proposal, 1, 0, hash, -1, value);
            decided |= engine.Handle(new EngineInput.Receive(1, proposal)).OfType<EngineAction.Decide>().Any();
            foreach (var i in precommitters)
            {
                var vote = ConsensusMessage.Create(Net, keys[i], MessageType.Precommit, 1, 0, hash, -1, null);
                decided |= engine.Handle(new EngineInput.Receive(2, vote)).OfType<EngineAction.Decide>().Any();
            }
            return decided;
        }
        finally
        {
            foreach (var k in keys) k.Dispose();
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(6, 4)]
    [InlineData(7, 4)]
    [InlineData(8, 5)]
    [InlineData(9, 6)]
    [InlineData(10, 6)]
    public void Precommits_of_one_fewer_than_a_quorum_do_not_decide_and_a_quorum_does(int n, int belowQuorum)
    {
        // Validator 0 watches; the precommits come from the others (it never precommits itself: it saw no polka).
        Assert.False(DecidesWith(n, 0, Enumerable.Range(1, belowQuorum).ToArray()), $"n={n}: {belowQuorum} precommits decided");
        if (belowQuorum + 1 < n) Assert.True(DecidesWith(n, 0, Enumerable.Range(1, belowQuorum + 1).ToArray()), $"n={n}: {belowQuorum + 1} precommits did not decide");
    }

    [Fact]
    public void With_two_validators_neither_decides_alone()
    {
        var keys = Keys(2);
        var engine = Engine(keys, 0);
        var actions = engine.Handle(new EngineInput.Start(0)).ToList();
        // Whichever proposes, one validator's own proposal and votes are not a quorum of 2.
        var proposer = keys.Single(k => k.PublicKey == engine.Proposer(1, 0));
        byte[] value = [1, 7];
        actions.AddRange(engine.Handle(new EngineInput.Receive(1, ConsensusMessage.Create(Net, proposer, MessageType.Proposal, 1, 0, Hashing.Sha256(value), -1, value))));
        Assert.Empty(actions.OfType<EngineAction.Decide>());
        foreach (var k in keys) k.Dispose();
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(5, 4)]
    [InlineData(6, 5)]
    [InlineData(7, 5)]
    public void A_commit_certificate_needs_a_quorum_of_floor_two_thirds_n_plus_one(int n, int quorum)
    {
        var keys = Keys(n);
        var validators = keys.Select(k => k.PublicKey).ToList();
        var hash = Hashing.Sha256([5]);
        byte[] Certificate(int signers) => CommitCertificate.Encode(keys.Take(signers).Select(k => ConsensusMessage.Create(Net, k, MessageType.Precommit, 3, 1, hash, -1, null)));
        Assert.Equal($"the commit certificate has {quorum - 1} validators' precommits; {quorum} are needed", CommitCertificate.Check(Certificate(quorum - 1), Net, 3, hash, validators));
        Assert.Null(CommitCertificate.Check(Certificate(quorum), Net, 3, hash, validators));
        foreach (var k in keys) k.Dispose();
    }
}
