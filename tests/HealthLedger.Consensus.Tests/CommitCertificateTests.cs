using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus.Tests;

/// <summary>
/// What block sync and <c>verify</c> accept as proof that a block was decided: every way a lying peer can build a
/// certificate is refused with its own reason.
/// </summary>
public sealed class CommitCertificateTests : IDisposable
{
    private const string Net = "net";
    private const ulong Height = 7;
    private readonly SigningKeyPair[] _keys = Enumerable.Range(1, 4).Select(i => SigningKeyPair.FromSeed(Enumerable.Repeat((byte)i, 32).ToArray())).ToArray();
    private readonly SigningKeyPair _outsider = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)77, 32).ToArray());
    private readonly Hash256 _block = Hashing.Sha256([1, 2, 3]);

    public void Dispose()
    {
        foreach (var k in _keys) k.Dispose();
        _outsider.Dispose();
    }

    private IReadOnlyList<SigningPublicKey> Validators => [.. _keys.Select(k => k.PublicKey)];

    private ConsensusMessage Precommit(SigningKeyPair key, ulong height = Height, int round = 2, Hash256? block = null, MessageType type = MessageType.Precommit) =>
        ConsensusMessage.Create(Net, key, type, height, round, block ?? _block, -1, null);

    // Three genuine precommits (the quorum of 4) and one more message.
    private string? CheckWith(ConsensusMessage extra) => Check([Precommit(_keys[0]), Precommit(_keys[1]), extra]);

    private string? Check(IEnumerable<ConsensusMessage> messages) => CommitCertificate.Check(CommitCertificate.Encode(messages), Net, Height, _block, Validators);

    [Fact]
    public void A_quorum_of_distinct_validators_precommits_for_the_block_passes_and_round_trips()
    {
        var precommits = _keys.Take(3).Select(k => Precommit(k)).ToList();
        Assert.Null(Check(precommits));
        Assert.Equal(precommits, CommitCertificate.TryDecode(CommitCertificate.Encode(precommits)));
    }

    [Fact]
    public void Too_few_precommits_are_refused() =>
        Assert.Equal("the commit certificate has 2 validators' precommits; 3 are needed", Check([Precommit(_keys[0]), Precommit(_keys[1])]));

    [Fact]
    public void A_validators_precommit_repeated_counts_once() =>
        Assert.Equal("the commit certificate has 2 validators' precommits; 3 are needed", Check([Precommit(_keys[0]), Precommit(_keys[1]), Precommit(_keys[1]), Precommit(_keys[0])]));

    [Fact]
    public void A_precommit_for_another_height_is_refused() =>
        Assert.Equal($"the commit certificate holds a precommit for height {Height + 1}, not {Height}", CheckWith(Precommit(_keys[2], height: Height + 1)));

    [Fact]
    public void A_certificate_for_another_block_hash_is_refused() =>
        Assert.Equal("the commit certificate holds a precommit for another block", CommitCertificate.Check(
            CommitCertificate.Encode(_keys.Take(3).Select(k => Precommit(k))), Net, Height, Hashing.Sha256([9]), Validators));

    [Fact]
    public void A_precommit_for_another_value_is_refused() =>
        Assert.Equal("the commit certificate holds a precommit for another block", CheckWith(Precommit(_keys[2], block: Hashing.Sha256([4]))));

    [Fact]
    public void A_precommit_for_nil_is_refused() =>
        Assert.Equal("the commit certificate holds a precommit for another block", CheckWith(Precommit(_keys[2], block: Hash256.Zero)));

    [Fact]
    public void A_prevote_or_a_proposal_is_refused()
    {
        // Encode keeps precommits only, so a lying peer's bytes are built by hand here.
        var forged = EncodeRaw([Precommit(_keys[0]), Precommit(_keys[1]), Precommit(_keys[2], type: MessageType.Prevote)]);
        Assert.Equal("the commit certificate holds a prevote, not a precommit", CommitCertificate.Check(forged, Net, Height, _block, Validators));
    }

    [Fact]
    public void Precommits_of_two_rounds_are_refused() =>
        Assert.Equal("the commit certificate mixes rounds", CheckWith(Precommit(_keys[2], round: 3)));

    [Fact]
    public void A_precommit_of_a_key_that_is_not_a_validator_is_refused() =>
        Assert.Equal($"the commit certificate holds a vote of {_outsider.PublicKey}, which is not a validator", CheckWith(Precommit(_outsider)));

    [Fact]
    public void A_precommit_with_a_bad_signature_is_refused()
    {
        var bad = Precommit(_keys[2]) with { Signature = Precommit(_keys[2], round: 5).Signature };
        Assert.Equal($"a precommit of {_keys[2].PublicKey} in the commit certificate has a bad signature", CheckWith(bad));
    }

    [Fact]
    public void A_precommit_signed_for_another_network_is_refused()
    {
        var other = ConsensusMessage.Create("other-net", _keys[2], MessageType.Precommit, Height, 2, _block, -1, null);
        Assert.Equal($"a precommit of {_keys[2].PublicKey} in the commit certificate has a bad signature", CheckWith(other));
    }

    [Fact]
    public void Bytes_that_do_not_decode_are_refused()
    {
        var bytes = CommitCertificate.Encode(_keys.Take(3).Select(k => Precommit(k)));
        Assert.Equal("the commit certificate does not decode", CommitCertificate.Check(bytes[..^1], Net, Height, _block, Validators));
        Assert.Equal("the commit certificate does not decode", CommitCertificate.Check([.. bytes, 0], Net, Height, _block, Validators));
        Assert.Equal("the commit certificate does not decode", CommitCertificate.Check([], Net, Height, _block, Validators));
    }

    [Fact]
    public void No_known_validators_refuse_every_certificate() =>
        Assert.Equal("no validators are known for this height", CommitCertificate.Check(CommitCertificate.Encode([Precommit(_keys[0])]), Net, Height, _block, []));

    private static byte[] EncodeRaw(IReadOnlyList<ConsensusMessage> messages)
    {
        var w = new Core.Encoding.CanonicalWriter().U8(1).VarUInt((ulong)messages.Count);
        foreach (var m in messages) w.Bytes(m.Encode());
        return w.ToArray();
    }
}
