using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus.Tests.Simulation;

/// <summary>
/// Checks a simulation's decisions without borrowing anything from the engine under test: f and the smallest safe
/// certificate are derived here from n alone, and every vote of a certificate is checked in full (type, height, round,
/// value, signature, validator, distinct signers). Also watches every message an honest validator signs: an honest one
/// never signs two different messages of one (type, height, round), crashes and restarts included.
/// </summary>
public sealed class SafetyOracle
{
    private readonly string _networkId;
    private readonly HashSet<SigningPublicKey> _validators;
    private readonly Func<ulong, byte[], bool> _isValid;
    private readonly Dictionary<ulong, (Hash256 Value, int Node)> _decided = [];
    private readonly Dictionary<(SigningPublicKey Sender, MessageType Type, ulong Height, int Round), Hash256> _signed = [];

    /// <summary>An oracle for <paramref name="validators"/> on <paramref name="networkId"/>; <paramref name="isValid"/> is the application's validity.</summary>
    public SafetyOracle(string networkId, IReadOnlyList<SigningPublicKey> validators, Func<ulong, byte[], bool> isValid)
    {
        _networkId = networkId;
        _validators = [.. validators];
        _isValid = isValid;
        N = _validators.Count;
        F = Faults(N);
        Certificate = SmallestIntersectingQuorum(N, F);
    }

    /// <summary>Number of validators.</summary>
    public int N { get; }

    /// <summary>Byzantine validators tolerated: the largest f with n ≥ 3f + 1.</summary>
    public int F { get; }

    /// <summary>Fewest distinct signers of a certificate such that any two certificates share more than f validators.</summary>
    public int Certificate { get; }

    /// <summary>The largest f with n ≥ 3f + 1 (counted, not computed by a formula shared with the code under test).</summary>
    public static int Faults(int n)
    {
        var f = 0;
        while (3 * (f + 1) + 1 <= n) f++;
        return f;
    }

    /// <summary>The smallest q ≤ n for which any two q-subsets of n validators share at least f + 1 (2q − n ≥ f + 1).</summary>
    public static int SmallestIntersectingQuorum(int n, int f)
    {
        for (var q = 1; q <= n; q++)
        {
            if (2 * q - n >= f + 1) return q;
        }
        throw new ArgumentException($"no quorum of {n} validators intersects in {f + 1}");
    }

    /// <summary>Checks one honest node's decision; throws <see cref="SafetyViolation"/> when it breaks safety.</summary>
    public void Decision(int node, ulong height, int round, byte[] value, Hash256 valueHash, IReadOnlyList<ConsensusMessage> certificate)
    {
        if (Hashing.Sha256(value) != valueHash) throw new SafetyViolation($"node {node} decided height {height} with a value that does not match its hash");
        if (!_isValid(height, value)) throw new SafetyViolation($"node {node} decided an invalid value at height {height}");
        if (CertificateProblem(height, round, valueHash, certificate) is { } problem) throw new SafetyViolation($"node {node} decided height {height}: {problem}");
        if (_decided.TryGetValue(height, out var earlier) && earlier.Value != valueHash)
        {
            throw new SafetyViolation($"nodes {earlier.Node} and {node} decided different values at height {height} ({earlier.Value.ToString()[..12]} and {valueHash.ToString()[..12]})");
        }
        _decided.TryAdd(height, (valueHash, node));
    }

    /// <summary>Why <paramref name="certificate"/> does not prove the decision, or null.</summary>
    public string? CertificateProblem(ulong height, int round, Hash256 valueHash, IReadOnlyList<ConsensusMessage> certificate)
    {
        var signers = new HashSet<SigningPublicKey>();
        foreach (var m in certificate)
        {
            if (m.Type != MessageType.Precommit) return $"its certificate holds a {m.Type}";
            if (m.Height != height) return $"its certificate holds a precommit of height {m.Height}";
            if (m.Round != round) return $"its certificate holds a precommit of round {m.Round}, not {round}";
            if (m.ValueHash != valueHash) return "its certificate holds a precommit for another value";
            if (!_validators.Contains(m.Sender)) return "its certificate holds a precommit of a non-validator";
            if (!m.VerifySignature(_networkId)) return "its certificate holds a precommit with a bad signature";
            signers.Add(m.Sender);
        }
        return signers.Count >= Certificate ? null : $"its certificate has {signers.Count} distinct signers; n = {N}, f = {F} needs {Certificate}";
    }

    /// <summary>Records a message an honest validator signed; throws when it conflicts with one it signed before.</summary>
    public void HonestSigned(int node, ConsensusMessage m)
    {
        var key = (m.Sender, m.Type, m.Height, m.Round);
        if (_signed.TryGetValue(key, out var before) && before != m.ValueHash)
        {
            throw new SafetyViolation($"honest node {node} signed two different {m.Type}s at height {m.Height}, round {m.Round}");
        }
        _signed[key] = m.ValueHash;
    }
}
