namespace HealthLedger.Core.Records;

/// <summary>
/// How long care relationships last, the same on every node (the state machine enforces them at block time): an
/// admission or transfer under a doctor lasts while the patient is admitted and <see cref="DischargeGrace"/> after the
/// discharge; a visit recorded by the organisation gives the named doctor <see cref="VisitPeriod"/> from the visit's block.
/// </summary>
public static class CarePolicy
{
    /// <summary>How long the doctors of a stay keep access after the discharge (7 days, in ms).</summary>
    public const ulong DischargeGrace = 7UL * 24 * 60 * 60 * 1000;

    /// <summary>How long a visit recorded by the organisation gives its doctor access (30 days, in ms).</summary>
    public const ulong VisitPeriod = 30UL * 24 * 60 * 60 * 1000;
}
