using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Testing;

namespace HealthLedger.Consensus.Tests;

/// <summary>
/// Consensus encodings pinned to bytes (tests/HealthLedger.Core.Tests/Vectors/consensus.json): proposals, prevotes and
/// precommits with their signing inputs, a commit certificate, a persisted safety state and persisted received votes.
/// </summary>
public class KnownAnswerTests
{
    private const string Net = "kat-net";

    private static byte[] Fixed(int seed, int length) => Enumerable.Range(0, length).Select(i => (byte)(seed * 31 + i * 7 + 1)).ToArray();

    private static IReadOnlyList<(string Name, byte[] Bytes)> Vectors()
    {
        var keys = Enumerable.Range(0, 3).Select(i => SigningKeyPair.FromSeed(Fixed(200 + i, 32))).ToArray();
        try
        {
            byte[] value = [.. "a block"u8];
            var hash = Hashing.Sha256(value);
            var messages = new (string Name, ConsensusMessage Message)[]
            {
                ("proposal", ConsensusMessage.Create(Net, keys[0], MessageType.Proposal, 12, 1, hash, -1, value)),
                ("proposal/valid-round", ConsensusMessage.Create(Net, keys[0], MessageType.Proposal, 12, 3, hash, 1, value)),
                ("prevote", ConsensusMessage.Create(Net, keys[1], MessageType.Prevote, 12, 1, hash, -1, null)),
                ("prevote/nil", ConsensusMessage.Create(Net, keys[1], MessageType.Prevote, 12, 2, Hash256.Zero, -1, null)),
                ("precommit", ConsensusMessage.Create(Net, keys[2], MessageType.Precommit, 12, 1, hash, -1, null)),
            };
            var list = new List<(string, byte[])>();
            foreach (var (name, m) in messages)
            {
                list.Add(("message/" + name, m.Encode()));
                list.Add(("message/" + name + "/signing-input", ConsensusMessage.SigningMessage(Net, m)));
            }
            list.Add(("commit-certificate", CommitCertificate.Encode(keys.Select(k => ConsensusMessage.Create(Net, k, MessageType.Precommit, 12, 1, hash, -1, null)))));
            var signed = new Dictionary<(MessageType, int), Hash256> { [(MessageType.Prevote, 1)] = hash, [(MessageType.Precommit, 1)] = hash, [(MessageType.Prevote, 2)] = Hash256.Zero };
            list.Add(("safety-state", SafetyStateCodec.Encode(new SafetyState(12, 2, Step.Prevote, 1, value, 1, value, signed))));
            list.Add(("safety-state/fresh", SafetyStateCodec.Encode(SafetyState.Fresh(13))));
            list.Add(("received-votes", ReceivedVotesCodec.Encode(12, messages.Select(m => m.Message))));
            return list;
        }
        finally
        {
            foreach (var k in keys) k.Dispose();
        }
    }

    [Fact]
    public void Every_consensus_encoding_matches_its_checked_in_bytes_and_hash() => Assert.Null(VectorFile.Compare("consensus.json", Vectors()));

    [Fact]
    public void The_vectors_decode_and_verify()
    {
        foreach (var (name, bytes) in Vectors().Where(v => v.Name.StartsWith("message/", StringComparison.Ordinal) && !v.Name.EndsWith("/signing-input", StringComparison.Ordinal)))
        {
            var m = ConsensusMessage.TryDecode(bytes);
            Assert.True(m is not null && m.VerifySignature(Net), name);
        }
        Assert.Equal(3, CommitCertificate.TryDecode(Vectors().Single(v => v.Name == "commit-certificate").Bytes)!.Count);
        Assert.NotNull(SafetyStateCodec.TryDecode(Vectors().Single(v => v.Name == "safety-state").Bytes));
        Assert.Equal(3, ReceivedVotesCodec.TryDecode(Vectors().Single(v => v.Name == "received-votes").Bytes)!.Value.Votes.Count);
    }
}
