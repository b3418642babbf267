namespace HealthLedger.Core.Execution;

/// <summary>
/// A transaction's 64-bit nonce is a <b>lane</b> (the top 16 bits) and a sequence number in that lane (the low 48 bits).
/// Replay protection is per signer and lane: a nonce must be above the last one committed (and waiting) in its own lane,
/// so two nodes that sign for one user at once (the user logged in at both) use different lanes and never collide.
/// Lane 0 is what every nonce below 2^48 already was, stored under the same state key, so chains written before lanes
/// execute to the same state root. Like Ethereum's account nonce within a lane (strictly ordered, no gaps needed);
/// unlike Hyperledger Fabric's transaction-id uniqueness it needs no replay window, so state stays bounded by lanes used.
/// </summary>
public static class NonceLanes
{
    /// <summary>Bits of the sequence number within a lane.</summary>
    public const int SequenceBits = 48;

    /// <summary>The largest sequence number in a lane.</summary>
    public const ulong MaxSequence = (1UL << SequenceBits) - 1;

    /// <summary>
    /// The lane <c>healthledger load</c> signs in (65534). No node signs its users' transactions in it (a node's lane is its
    /// position among the nodes, below this one, or 65535 while it is not registered), so a load run never competes for a
    /// nonce with a node writing for the same user.
    /// </summary>
    public const ushort Load = ushort.MaxValue - 1;

    /// <summary>The lane of a nonce.</summary>
    public static ushort Lane(ulong nonce) => (ushort)(nonce >> SequenceBits);

    /// <summary>The sequence number of a nonce within its lane.</summary>
    public static ulong Sequence(ulong nonce) => nonce & MaxSequence;

    /// <summary>The nonce for <paramref name="sequence"/> in <paramref name="lane"/>.</summary>
    public static ulong Compose(ushort lane, ulong sequence) =>
        sequence <= MaxSequence ? ((ulong)lane << SequenceBits) | sequence : throw new ArgumentOutOfRangeException(nameof(sequence));

    /// <summary>The value a lane starts from when nothing was committed in it: sequence 0 of the lane.</summary>
    public static ulong Start(ushort lane) => Compose(lane, 0);
}
