using HealthLedger.Bench;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// report.md says what was measured and nothing more: a target that did not run is said not to have run (not "every operation
/// succeeded", not "0.0/s"), controllers carry their config names, a maximum-rate round that never saturated says so, and no
/// plot's axis of rates, latencies or fractions goes below zero.
/// </summary>
public class ReportTests
{
    [Fact]
    public void A_target_that_could_not_start_is_reported_as_not_run_not_as_flawless_or_zero()
    {
        var config = new BenchConfig { Targets = ["node", "postgres"], Passes = 1 };
        var results = Results(config, [Round("postgres", "fixed-load-16", RateControl.FixedLoad, 200)], "pass 1, node: could not start: port in use");

        var md = Report.Markdown(results);

        Assert.DoesNotContain("None: every operation sent succeeded", md, StringComparison.Ordinal);
        Assert.Contains("None in the rounds that ran: every operation they sent succeeded.", md, StringComparison.Ordinal);
        Assert.Contains("Did not run (no operation sent; see Problems): pass 1, node.", md, StringComparison.Ordinal);
        Assert.Contains("- pass 1: node did not run, postgres 200.0/s", md, StringComparison.Ordinal);
        Assert.DoesNotContain("node 0.0/s", md, StringComparison.Ordinal);
        Assert.DoesNotContain("node / postgres", md, StringComparison.Ordinal);
        Assert.Contains("- pass 1, node: could not start: port in use", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_where_nothing_ran_does_not_claim_success()
    {
        var md = Report.Markdown(Results(new BenchConfig { Targets = ["node"], Passes = 1 }, [], "pass 1, node: could not set up: admin's login was refused"));
        Assert.Contains("None: no round ran.", md, StringComparison.Ordinal);
        Assert.DoesNotContain("every operation sent succeeded", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_control_column_shows_the_config_s_names()
    {
        var config = new BenchConfig { Targets = ["node"], Passes = 1 };
        var md = Report.Markdown(Results(config, [Round("node", "a", RateControl.FixedRate, 50), Round("node", "b", RateControl.FixedLoad, 90), Round("node", "c", RateControl.MaximumRate, 80)]));
        Assert.Contains("| 1 | node | a | fixed-rate |", md, StringComparison.Ordinal);
        Assert.Contains("| 1 | node | b | fixed-load |", md, StringComparison.Ordinal);
        Assert.Contains("| 1 | node | c | maximum-rate |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("FixedLoad", md, StringComparison.Ordinal);
        Assert.DoesNotContain("MaximumRate", md, StringComparison.Ordinal);
    }

    [Fact]
    public void A_maximum_rate_round_that_never_saturated_says_so_beside_its_ratio()
    {
        var config = new BenchConfig { Targets = ["node"], Passes = 1 };
        const string Note = "never saturated: its steps ended with its duration, throughput still rising and nothing refused";
        var unsaturated = Round("node", "max", RateControl.MaximumRate, 80, saturated: false);
        var md = Report.Markdown(Results(config, [Round("node", "load", RateControl.FixedLoad, 100), unsaturated]));
        var overload = md.Split('\n').Single(l => l.StartsWith("| 1 | node | 80.0 |", StringComparison.Ordinal));
        Assert.Contains("| 0.72 (" + Note, overload, StringComparison.Ordinal);
        Assert.Contains(Note, md.Split('\n').Single(l => l.StartsWith("| maximum-rate round, 1 node |", StringComparison.Ordinal)), StringComparison.Ordinal);

        // Saturated, or refusing the excess: the best step is the maximum, no note.
        foreach (var m in new[] { unsaturated with { Saturated = true }, unsaturated with { Rejected = 5 } })
        {
            Assert.DoesNotContain("never saturated", Report.Markdown(Results(config, [Round("node", "load", RateControl.FixedLoad, 100), m])), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_interrupted_run_says_so_at_the_top()
    {
        var results = Results(new BenchConfig { Targets = ["node"], Passes = 2 }, [Round("node", "a", RateControl.FixedLoad, 10)]) with { Interrupted = "pass 2, node, round a" };
        var md = Report.Markdown(results);
        Assert.Contains("**Interrupted** (pass 2, node, round a): partial results, only the rounds that finished.", md, StringComparison.Ordinal);
        Assert.Contains("Did not run (no operation sent; see Problems): pass 2, node.", md, StringComparison.Ordinal);
    }

    [Fact]
    public void No_plot_axis_goes_below_zero()
    {
        // One point of a low rate, and a flat CDF: autoscaling alone would put the axes' margins below zero.
        var config = new BenchConfig { Targets = ["node"], Passes = 1 };
        var results = Results(config, [Round("node", "a", RateControl.FixedLoad, 0.5) with { SendRate = 0.5, LatencySample = [3, 3, 3] }]);
        foreach (var plot in new[] { Report.ThroughputPlot(results), Report.LatencyPlot(results), Report.CdfPlot(results), Report.ThroughputPlot(Results(config, [])) })
        {
            plot.RenderInMemory(300, 200);
            var limits = plot.Axes.GetLimits();
            Assert.True(limits.Bottom >= 0, $"y from {limits.Bottom}");
            Assert.True(limits.Top > limits.Bottom);
        }
        var throughput = Report.ThroughputPlot(results);
        throughput.RenderInMemory(300, 200);
        Assert.True(throughput.Axes.GetLimits().Left >= 0);
    }

    private static BenchResults Results(BenchConfig config, List<RoundMetrics> rounds, params string[] problems) =>
        new(DateTimeOffset.UnixEpoch, "healthledger bench", "test machine", config, rounds, [.. problems], [], [], []);

    private static RoundMetrics Round(string target, string name, RateControl control, double throughput, bool? saturated = null)
    {
        var round = new RoundConfig { Name = name, Control = control };
        var latency = new Latency(1, 2, 2, 3, 4, 5);
        IReadOnlyList<StepMetrics> steps = control == RateControl.MaximumRate ? [new StepMetrics(20, 20, throughput * 0.5, 0), new StepMetrics(40, 40, throughput * 0.9, 0)] : [];
        return RoundMetrics.From(target, round, 1, [], [], new Dictionary<string, ProcessUse>()) with
        {
            Succeeded = 10,
            Throughput = throughput,
            SendRate = throughput,
            Latency = latency,
            Steps = steps,
            Saturated = control == RateControl.MaximumRate ? saturated ?? true : null,
            LatencySample = [1, 2, 3],
        };
    }
}
