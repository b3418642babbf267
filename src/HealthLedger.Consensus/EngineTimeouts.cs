namespace HealthLedger.Consensus;

/// <summary>Round timeouts in milliseconds: base + round × increment, so rounds slow down until the network keeps up.</summary>
/// <param name="Base">The first round's timeout.</param>
/// <param name="Increment">Added per round.</param>
public sealed record EngineTimeouts(ulong Base, ulong Increment)
{
    /// <summary>1 s, +500 ms per round.</summary>
    public static EngineTimeouts Default { get; } = new(1000, 500);

    /// <summary>The timeout of round <paramref name="round"/>.</summary>
    public ulong For(int round) => Base + (ulong)round * Increment;
}
