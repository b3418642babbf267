using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus;

/// <summary>
/// What a node must never forget across a crash: where it is, what it locked, and what it signed at this height.
/// The host persists it (durably) whenever the engine asks, before sending the messages that follow.
/// </summary>
/// <param name="Height">Current height.</param>
/// <param name="Round">Current round.</param>
/// <param name="Step">Current step.</param>
/// <param name="LockedRound">Round of the locked value, or -1.</param>
/// <param name="LockedValue">The locked value, or null.</param>
/// <param name="ValidRound">Round of the valid value, or -1.</param>
/// <param name="ValidValue">The valid value, or null.</param>
/// <param name="Signed">Every vote signed at this height: (type, round) → value hash.</param>
public sealed record SafetyState(ulong Height, int Round, Step Step, int LockedRound, byte[]? LockedValue, int ValidRound, byte[]? ValidValue,
    IReadOnlyDictionary<(MessageType Type, int Round), Hash256> Signed)
{
    /// <summary>The state of a node that has decided nothing at <paramref name="height"/> yet.</summary>
    public static SafetyState Fresh(ulong height) => new(height, 0, Step.Propose, -1, null, -1, null, new Dictionary<(MessageType, int), Hash256>());
}
