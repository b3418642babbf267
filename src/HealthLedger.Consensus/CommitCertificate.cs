using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus;

/// <summary>
/// The proof that a block was decided: the precommits of a quorum (<see cref="ValidatorSet.Quorum"/>, ⌊2n/3⌋ + 1) of the validators for its hash, as the engine's
/// <see cref="EngineAction.Decide"/> returns them. Stored with the block and sent with it in block sync, so a node catching
/// up accepts a block only when a quorum of the validators it already knows signed it (a lone malicious peer cannot).
/// Encoding v1: <c>version · count · (length-prefixed message)*</c>.
/// </summary>
public static class CommitCertificate
{
    private const byte Version = 1;

    /// <summary>Encodes the precommits.</summary>
    public static byte[] Encode(IEnumerable<ConsensusMessage> precommits)
    {
        var list = precommits.Where(m => m.Type == MessageType.Precommit).ToList();
        var w = new CanonicalWriter(16 + list.Count * 140).U8(Version).VarUInt((ulong)list.Count);
        foreach (var m in list) w.Bytes(m.Encode());
        return w.ToArray();
    }

    /// <summary>Decodes a certificate; null when damaged.</summary>
    public static IReadOnlyList<ConsensusMessage>? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (!r.U8(out var version) || version != Version) return null;
        r.VarInt32(out var count, 1000, "precommit count");
        var list = new List<ConsensusMessage>(count);
        for (var i = 0; i < count && r.Error is null; i++)
        {
            r.Bytes(out var bytes, 4096, "precommit");
            if (ConsensusMessage.TryDecode(bytes) is not { } m) return null;
            list.Add(m);
        }
        return r.End() ? list : null;
    }

    /// <summary>
    /// The part of <see cref="Check"/> that needs no validator set (a node's start-up check, which does not re-derive the set of
    /// each height): why <paramref name="certificate"/> is damaged, or null — it decodes, holds at least one precommit, every
    /// precommit is for <paramref name="blockHash"/> at <paramref name="height"/> in one round, every signature verifies.
    /// </summary>
    public static string? CheckIntegrity(ReadOnlySpan<byte> certificate, string networkId, ulong height, Hash256 blockHash) =>
        TryDecode(certificate) is not { Count: > 0 } precommits ? "the commit certificate does not decode"
        : Scan(precommits, networkId, height, blockHash, known: null, out _);

    /// <summary>
    /// Why <paramref name="certificate"/> does not prove that <paramref name="blockHash"/> was decided at <paramref name="height"/>
    /// by <paramref name="validators"/>, or null when it does: precommits of at least <see cref="ValidatorSet.Quorum"/> distinct validators for that
    /// hash and height, each with a valid signature (one round).
    /// </summary>
    public static string? Check(ReadOnlySpan<byte> certificate, string networkId, ulong height, Hash256 blockHash, IReadOnlyList<SigningPublicKey> validators)
    {
        if (TryDecode(certificate) is not { } precommits) return "the commit certificate does not decode";
        var known = validators.ToHashSet();
        if (known.Count == 0) return "no validators are known for this height";
        if (Scan(precommits, networkId, height, blockHash, known, out var signers) is { } problem) return problem;
        var quorum = ValidatorSet.Quorum(known.Count);
        return signers >= quorum ? null : $"the commit certificate has {signers} validators' precommits; {quorum} are needed";
    }

    // Each precommit: for this block, in one round, by a validator (when known), with a valid signature. Counts distinct signers.
    private static string? Scan(IReadOnlyList<ConsensusMessage> precommits, string networkId, ulong height, Hash256 blockHash, HashSet<SigningPublicKey>? known,
        out int signers)
    {
        var distinct = new HashSet<SigningPublicKey>();
        signers = 0;
        int? round = null;
        foreach (var m in precommits)
        {
            if (m.Type != MessageType.Precommit) return $"the commit certificate holds a {m.Type.ToString().ToLowerInvariant()}, not a precommit";
            if (m.Height != height) return $"the commit certificate holds a precommit for height {m.Height}, not {height}";
            if (m.ValueHash != blockHash) return "the commit certificate holds a precommit for another block";
            if (round is { } r && r != m.Round) return "the commit certificate mixes rounds";
            round = m.Round;
            if (known is not null && !known.Contains(m.Sender)) return $"the commit certificate holds a vote of {m.Sender}, which is not a validator";
            if (!m.VerifySignature(networkId)) return $"a precommit of {m.Sender} in the commit certificate has a bad signature";
            distinct.Add(m.Sender);
        }
        signers = distinct.Count;
        return null;
    }
}
