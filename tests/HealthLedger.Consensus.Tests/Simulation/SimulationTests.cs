using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Consensus.Tests.Simulation;

/// <summary>
/// Deterministic simulation: thousands of seeded runs over every validator count from 1 to 10 and 13 — one node per member
/// organisation — each with f = ⌊(n − 1)/3⌋ Byzantine organisations (whole organisations: node key and organisation key). An independent <see cref="SafetyOracle"/> checks every decision and every honest
/// signature; every run goes on until every honest node decided <see cref="SimulationRun.HeightsAfterGst"/> heights after
/// GST. A failure names its seed, n and Byzantine behaviour with the command that replays it exactly.
/// </summary>
public class SimulationTests
{
    private static readonly int Seeds = int.TryParse(Environment.GetEnvironmentVariable("HEALTHLEDGER_SIM_SEEDS"), out var n) ? n : 2200;

    // The first seed (default 0): a long soak can be split into chunks, or run past the seeds CI runs.
    private static readonly int FirstSeed = int.TryParse(Environment.GetEnvironmentVariable("HEALTHLEDGER_SIM_FIRST_SEED"), out var first) ? first : 0;

    /// <summary>The validator counts simulated: every n from 1 to 10, and 13.</summary>
    public static readonly int[] Sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13];

    // Seeds cycle through this pattern of 50: every size in each cycle, the cheap small ones (where quorums are most often
    // wrong: 2, 3, 5, 6) more often than the costly large ones (a run costs about n² signature checks per height). 35 of the
    // 50 have at least one Byzantine organisation (n ≥ 4), so the 2,200 CI seeds hold 1,540 such runs.
    private static readonly int[] Pattern = [.. Sizes, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 4, 5, 4, 4, 4, 4, 4, 10, 7];

    /// <summary>Runs with a Byzantine organisation every CI run must hold (issue 13: at least 1,500).</summary>
    public const int MinByzantineOrganisationSeeds = 1500;

    private static readonly Byzantine[] Behaviours = [Byzantine.All, Byzantine.Equivocate, Byzantine.Forge | Byzantine.Replay, Byzantine.InvalidValues, Byzantine.Withhold, Byzantine.Garbage, Byzantine.Equivocate | Byzantine.InvalidValues, Byzantine.Selective, Byzantine.Equivocate | Byzantine.Selective,
        Byzantine.ProposesForgedGrant, Byzantine.Equivocate | Byzantine.Forge | Byzantine.ProposesForgedGrant];

    /// <summary>The run of a seed: sizes in turn, and for each size the behaviours in turn.</summary>
    public static SimulationRun RunOf(int seed)
    {
        var size = Pattern[seed % Pattern.Length];
        var faulty = SafetyOracle.Faults(size);
        // Behaviours advance once per cycle and with the position, so every size meets every behaviour.
        return new SimulationRun(seed, size, faulty, faulty == 0 ? Byzantine.None : Behaviours[(seed / Pattern.Length + seed) % Behaviours.Length]);
    }

    /// <summary>
    /// Safety and liveness (every honest node decides 3 heights after GST) must hold on every seed; a stalled or failing seed
    /// is printed with its replay command.
    /// </summary>
    [Fact]
    public void Thousands_of_seeds_over_every_validator_count_stay_safe_and_live_against_an_independent_oracle()
    {
        var total = new SimulationStats();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var stalls = new System.Collections.Concurrent.ConcurrentBag<string>();
        var perSize = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var msPerSize = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
        var byzantineOrganisationSeeds = 0;
        var oneByzantineOrganisationSeeds = 0;
        Parallel.For(FirstSeed, FirstSeed + Seeds, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = TestContext.Current.CancellationToken }, seed =>
        {
            var run = RunOf(seed);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var sim = run.Create();
            perSize.AddOrUpdate(run.N, 1, (_, c) => c + 1);
            var byzantine = sim.Organisations.Count(o => o.Byzantine);
            if (byzantine > 0) Interlocked.Increment(ref byzantineOrganisationSeeds);
            if (byzantine == 1) Interlocked.Increment(ref oneByzantineOrganisationSeeds);
            try
            {
                if (!sim.Run(SimulationRun.HeightsAfterGst)) stalls.Add($"{run}: honest nodes did not all decide {SimulationRun.HeightsAfterGst} heights after GST: {sim.Describe()}\n  replay: {run.ReplayCommand}");
            }
            catch (SafetyViolation e)
            {
                failures.Add($"{run}: SAFETY VIOLATION: {e.Message}\n  replay: {run.ReplayCommand}");
            }
            sim.CollectEngineStats();
            lock (total) total.Add(sim.Stats);
            msPerSize.AddOrUpdate(run.N, 0, (_, ms) => ms + (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        var summary = $"{Seeds} seeds from seed {FirstSeed}, {byzantineOrganisationSeeds} with a Byzantine organisation ({oneByzantineOrganisationSeeds} with exactly one) (per n: {string.Join(", ", perSize.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value} in {msPerSize.GetValueOrDefault(p.Key) / 1000.0:0.0} s"))}), {failures.Count} safety violations, {stalls.Count} stalled: {total}";
        // The test's own output (shown by `dotnet test --output detailed` and in a failure's report), not the console, which
        // the test platform swallows.
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"consensus simulation: {summary}");
        foreach (var stall in stalls.OrderBy(s => s, StringComparer.Ordinal).Take(20)) output?.WriteLine("stalled " + stall);
        foreach (var failure in failures.OrderBy(s => s, StringComparer.Ordinal).Take(20)) output?.WriteLine("FAILED " + failure);
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(20)));
        Assert.True(stalls.IsEmpty, $"{stalls.Count} of {Seeds} seeds stalled:\n" + string.Join("\n", stalls.Take(20)));
        // Issue 13: at least 1,500 runs of a CI run (2,200 seeds) have a Byzantine organisation among n = 3f + 1 or more.
        if (Seeds >= 2200) Assert.True(byzantineOrganisationSeeds >= MinByzantineOrganisationSeeds, $"only {byzantineOrganisationSeeds} seeds with a Byzantine organisation");
        // Every listed Byzantine behaviour was exercised and refused.
        Assert.True(total.EquivocationsSent > 0 && total.Equivocations > 0, "equivocation");
        Assert.True(total.ForgedSent > 0 && total.BadSignatures > 0, "forgery");
        Assert.True(total.ReplaysSent > 0 && total.Stale > 0, "replay");
        Assert.True(total.InvalidValues > 0, "invalid values");
        Assert.True(total.GarbageSent > 0 && total.Undecodable > 0, "garbage");
        Assert.True(total.Withheld > 0, "withheld votes");
        Assert.True(total.SelectiveSent > 0, "votes sent to some validators only");
        Assert.True(total.ForgedGrantsProposed > 0 && total.ForgedGrantsRefused > 0, "forged grants proposed and refused");
        Assert.True(total.Crashes > 0 && total.Restarts > 0 && total.Partitions > 0, "crashes and partitions");
    }

    /// <summary>
    /// Replays one run named by <c>HEALTHLEDGER_SIM_REPLAY=seed:n:faulty:behaviour</c>; when unset, the replay path itself is
    /// exercised on the first seed of the CI runs, so the command printed for a failing seed is known to work.
    /// </summary>
    [Fact]
    public void Replay_the_seed_named_by_the_environment()
    {
        var spec = Environment.GetEnvironmentVariable(SimulationRun.ReplayVariable) is { Length: > 0 } named
            ? named
            : RunOf(0).ReplayCommand.Split(' ')[0].Split('=')[1];
        var run = SimulationRun.Parse(spec);
        var sim = run.Create();
        var live = sim.Run(SimulationRun.HeightsAfterGst);
        sim.CollectEngineStats();
        Console.WriteLine($"{run}: {(live ? "live" : "STALLED")}; {sim.Describe()}; {sim.Stats}");
        Assert.True(live, $"{run} stalled: {sim.Describe()}");
    }

    [Fact]
    public void Every_seed_maps_to_a_run_whose_replay_command_parses_back_to_it()
    {
        for (var seed = 0; seed < Sizes.Length * 8; seed++)
        {
            var run = RunOf(seed);
            var spec = run.ReplayCommand.Split(' ')[0].Split('=')[1];
            Assert.Equal(run, SimulationRun.Parse(spec));
        }
        Assert.Equal(Sizes, Enumerable.Range(0, Sizes.Length).Select(s => RunOf(s).N));
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
    public void A_Byzantine_organisation_proposing_grants_to_itself_is_refused_and_the_others_stay_live()
    {
        // Four organisations, the last Byzantine: its proposals hold a grant of a patient's records signed by itself.
        var sim = new Simulator(11, 4, 1, Byzantine.ProposesForgedGrant);
        Assert.Equal([false, false, false, true], sim.Organisations.Select(o => o.Byzantine));
        Assert.True(sim.Run(SimulationRun.HeightsAfterGst), sim.Describe());
        Assert.True(sim.Stats.ForgedGrantsProposed > 0, sim.Stats.ToString());
        Assert.True(sim.Stats.ForgedGrantsRefused > 0, sim.Stats.ToString());
    }

    [Fact]
    public void The_validity_predicate_refuses_a_grant_not_signed_by_the_patient()
    {
        static byte[] Value(byte kind, byte grantee, byte signer)
        {
            var value = new byte[24];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(value, 5);
            (value[8], value[9], value[10], value[11]) = (1, kind, grantee, signer);
            return value;
        }
        Assert.True(Simulator.IsValid(5, Value(0, 0, 0)));
        Assert.True(Simulator.IsValid(5, Value(1, 3, 0xFE)));
        Assert.False(Simulator.IsValid(5, Value(1, 3, 3)));
        Assert.True(Simulator.IsForgedGrant(Value(1, 3, 3)));
        Assert.False(Simulator.IsValid(6, Value(0, 0, 0)));
    }

    [Fact]
    public void More_than_f_silent_validators_stop_progress_without_any_fork()
    {
        // 4 validators, 2 of them withholding: no quorum, so nothing may be decided (and nothing conflicting ever is).
        var sim = new Simulator(7, 4, 2, Byzantine.Withhold, gst: 0);
        Assert.False(sim.Run(heights: 1, timeLimit: 20_000));
        Assert.Equal(0, sim.Stats.Decisions);
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(2, 0, 2)]
    [InlineData(3, 0, 2)]
    [InlineData(4, 1, 3)]
    [InlineData(5, 1, 4)]
    [InlineData(6, 1, 4)]
    [InlineData(7, 2, 5)]
    [InlineData(10, 3, 7)]
    [InlineData(13, 4, 9)]
    public void The_oracle_derives_f_and_the_smallest_safe_certificate_from_n(int n, int f, int certificate)
    {
        Assert.Equal(f, SafetyOracle.Faults(n));
        Assert.Equal(certificate, SafetyOracle.SmallestIntersectingQuorum(n, f));
    }

    [Fact]
    public void The_oracle_refuses_every_kind_of_bad_vote_in_a_certificate()
    {
        const string net = "sim-net";
        var keys = Enumerable.Range(1, 5).Select(i => SigningKeyPair.FromSeed(Enumerable.Repeat((byte)i, 32).ToArray())).ToArray();
        using var outsider = SigningKeyPair.FromSeed(Enumerable.Repeat((byte)99, 32).ToArray());
        var oracle = new SafetyOracle(net, keys.Select(k => k.PublicKey).ToList(), (_, _) => true);
        var value = Hashing.Sha256([1]);
        ConsensusMessage Vote(SigningKeyPair k, MessageType type = MessageType.Precommit, ulong height = 2, int round = 1, Hash256? v = null) =>
            ConsensusMessage.Create(net, k, type, height, round, v ?? value, -1, null);
        List<ConsensusMessage> Good() => [.. keys.Take(4).Select(k => Vote(k))];
        Assert.Null(oracle.CertificateProblem(2, 1, value, Good()));
        Assert.Contains("3 distinct signers", oracle.CertificateProblem(2, 1, value, Good().Take(3).ToList()));
        Assert.Contains("3 distinct signers", oracle.CertificateProblem(2, 1, value, [.. Good().Take(3), Vote(keys[0])]));
        Assert.Contains("Prevote", oracle.CertificateProblem(2, 1, value, [.. Good().Take(3), Vote(keys[3], MessageType.Prevote)]));
        Assert.Contains("height 3", oracle.CertificateProblem(2, 1, value, [.. Good().Take(3), Vote(keys[3], height: 3)]));
        Assert.Contains("round 0", oracle.CertificateProblem(2, 1, value, [.. Good().Take(3), Vote(keys[3], round: 0)]));
        Assert.Contains("another value", oracle.CertificateProblem(2, 1, value, [.. Good().Take(3), Vote(keys[3], v: Hashing.Sha256([2]))]));
        Assert.Contains("non-validator", oracle.CertificateProblem(2, 1, value, [.. Good().Take(3), Vote(outsider)]));
        Assert.Contains("bad signature", oracle.CertificateProblem(2, 1, value, [.. Good().Take(3), Vote(keys[3]) with { Signature = Vote(keys[3], round: 7).Signature }]));
        Assert.Throws<SafetyViolation>(() =>
        {
            oracle.Decision(0, 2, 1, [1], value, Good());
            oracle.Decision(1, 2, 1, [2], Hashing.Sha256([2]), [.. keys.Take(4).Select(k => Vote(k, v: Hashing.Sha256([2])))]);
        });
        foreach (var k in keys) k.Dispose();
    }
}
