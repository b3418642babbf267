namespace HealthLedger.Consensus.Tests.Simulation;

/// <summary>
/// Deterministic simulation: thousands of seeded runs of 4 validators (1 Byzantine) and 7 validators (2 Byzantine).
/// Safety is checked on every decision; after the network stabilises every honest node must decide. A failure names
/// its seed, and <c>new Simulator(seed, …).Run(…)</c> replays it exactly.
/// </summary>
public class SimulationTests
{
    private static readonly int Seeds = int.TryParse(Environment.GetEnvironmentVariable("HEALTHLEDGER_SIM_SEEDS"), out var n) ? n : 1500;

    /// <summary>
    /// Safety must hold on every seed. Liveness (every honest node decides 3 heights after GST) must hold on at least 99%
    /// of the seeds: the engine gossips only its own votes and the last decision, and a few runs with an equivocating
    /// validator still stall (see docs/consensus.md, "Open work"); the stalled seeds are printed so they can be replayed.
    /// </summary>
    [Fact]
    public void Thousands_of_seeds_with_faults_and_Byzantine_validators_keep_safety_and_nearly_always_liveness()
    {
        var total = new SimulationStats();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var stalls = new System.Collections.Concurrent.ConcurrentBag<string>();
        var behaviours = new[] { Byzantine.All, Byzantine.Equivocate, Byzantine.Forge | Byzantine.Replay, Byzantine.InvalidValues, Byzantine.Withhold, Byzantine.Garbage };
        Parallel.For(0, Seeds, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = TestContext.Current.CancellationToken }, seed =>
        {
            var (n, faulty) = seed % 5 == 4 ? (7, 2) : (4, 1);
            var sim = new Simulator(seed, n, faulty, behaviours[seed % behaviours.Length]);
            try
            {
                if (!sim.Run(heights: 3)) stalls.Add($"seed {seed} (n={n}): honest nodes did not all decide 3 heights after GST: {sim.Describe()}");
            }
            catch (SafetyViolation e)
            {
                failures.Add($"seed {seed} (n={n}): SAFETY VIOLATION: {e.Message}");
            }
            sim.CollectEngineStats();
            lock (total) total.Add(sim.Stats);
        });
        var summary = $"{Seeds} seeds, {failures.Count} safety violations, {stalls.Count} stalled: {total}";
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        Console.WriteLine($"consensus simulation: {summary}");
        foreach (var stall in stalls.Take(10)) Console.WriteLine("stalled " + stall);
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(20)));
        Assert.True(stalls.Count <= Seeds / 100, $"{stalls.Count} of {Seeds} seeds stalled:\n" + string.Join("\n", stalls.Take(20)));
        // Every listed Byzantine behaviour was exercised and refused.
        Assert.True(total.EquivocationsSent > 0 && total.Equivocations > 0, "equivocation");
        Assert.True(total.ForgedSent > 0 && total.BadSignatures > 0, "forgery");
        Assert.True(total.ReplaysSent > 0 && total.Stale > 0, "replay");
        Assert.True(total.InvalidValues > 0, "invalid values");
        Assert.True(total.GarbageSent > 0 && total.Undecodable > 0, "garbage");
        Assert.True(total.Withheld > 0, "withheld votes");
        Assert.True(total.Crashes > 0 && total.Restarts > 0 && total.Partitions > 0, "crashes and partitions");
    }

    [Fact]
    public void A_run_replays_exactly_from_its_seed()
    {
        var a = new Simulator(42, 4, 1, Byzantine.All);
        var b = new Simulator(42, 4, 1, Byzantine.All);
        Assert.True(a.Run(3));
        Assert.True(b.Run(3));
        a.CollectEngineStats();
        b.CollectEngineStats();
        Assert.Equal(a.Stats.ToString(), b.Stats.ToString());
    }

    [Fact]
    public void More_than_f_silent_validators_stop_progress_without_any_fork()
    {
        // 4 validators, 2 of them withholding: no quorum, so nothing may be decided (and nothing conflicting ever is).
        var sim = new Simulator(7, 4, 2, Byzantine.Withhold, gst: 0);
        Assert.False(sim.Run(heights: 1, timeLimit: 20_000));
        Assert.Equal(0, sim.Stats.Decisions);
    }
}
