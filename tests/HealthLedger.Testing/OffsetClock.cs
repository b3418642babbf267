namespace HealthLedger.Testing;

/// <summary>The real clock plus an offset a test can move forward (to reach a grant's expiry without waiting).</summary>
public sealed class OffsetClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
