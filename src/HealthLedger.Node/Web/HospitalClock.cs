namespace HealthLedger.Node.Web;

/// <summary>The hospital's wall clock for forms (UTC; entries record the time as entered).</summary>
public static class HospitalClock
{
    /// <summary>Now, truncated to the minute, as a form's default date and time.</summary>
    public static DateTime NowToTheMinute(TimeProvider clock)
    {
        var now = DateTime.SpecifyKind(clock.GetUtcNow().UtcDateTime, DateTimeKind.Unspecified);
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMinute));
    }
}
