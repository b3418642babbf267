namespace HealthLedger.Core.State;

/// <summary>
/// Runs <paramref name="body"/> once for each index from 0 to <paramref name="count"/> − 1, in any order and on any threads,
/// and returns when all have run (e.g. <c>(n, body) =&gt; Parallel.For(0, n, body)</c>). Core itself starts no thread: a caller
/// outside it lends its cores this way, and Core passes only bodies that write their own slot of an array, so the result never
/// depends on the schedule.
/// </summary>
public delegate void ParallelFor(int count, Action<int> body);

/// <summary>The <see cref="ParallelFor"/> that runs every index in order on the calling thread.</summary>
internal static class SerialFor
{
    /// <summary>Runs the body for each index from 0 up, in order.</summary>
    public static readonly ParallelFor Run = (count, body) =>
    {
        for (var i = 0; i < count; i++) body(i);
    };
}
