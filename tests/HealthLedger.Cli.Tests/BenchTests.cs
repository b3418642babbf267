using System.Text.Json;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// The benchmark's quick mode against every target: the results folder has its three files, every round committed, and every
/// target ran each kind of operation of the mix, the lab order's five steps and prescribe → dispense included.
/// </summary>
public class BenchTests
{
    [Theory]
    [InlineData("""{ "mix": { "registerPatient": 0, "encounter": 0, "charge": 0, "payment": 0, "labReport": 0, "grantRevoke": 0, "read": 0, "labOrder": 0, "dispense": 0 } }""")]
    [InlineData("""{ "mix": { "labOrder": -1 } }""")]
    public async Task A_mix_with_no_positive_weight_or_a_negative_one_is_refused_in_one_line(string config)
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("bad-mix.json");
        await File.WriteAllTextAsync(file, config, TestContext.Current.CancellationToken);
        var run = await CliProcess.RunAsync("bench", "--config", file, "--out", dir.Combine("results"));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: mix weights must be zero or positive, with at least one positive", run.Stderr.Trim());
        Assert.False(Directory.Exists(dir.Combine("results")));
    }

    [Fact]
    public async Task Quick_bench_runs_every_target_and_writes_results_and_reports()
    {
        using var dir = new TempDirectory();
        var output = dir.Combine("results");
        var run = await CliProcess.RunAsync(TimeSpan.FromMinutes(5), "bench", "--quick", "--out", output);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);

        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json"), TestContext.Current.CancellationToken));
        var rounds = results.RootElement.GetProperty("rounds").EnumerateArray().ToList();
        var targets = rounds.Select(r => r.GetProperty("target").GetString()).Distinct().Order().ToList();
        Assert.Equal(["cluster", "node", "node-postgres", "postgres", "postgres-chained"], targets);
        Assert.All(rounds, r =>
        {
            Assert.True(r.GetProperty("succeeded").GetInt64() > 0, r.ToString());
            Assert.True(r.GetProperty("throughput").GetDouble() > 0, r.ToString());
            Assert.True(r.GetProperty("latency").GetProperty("p99").GetDouble() >= r.GetProperty("latency").GetProperty("p50").GetDouble());
            Assert.NotEmpty(r.GetProperty("processes").EnumerateObject());
        });
        Assert.Equal(rounds.Count, rounds.Select(r => (r.GetProperty("target").GetString(), r.GetProperty("round").GetString())).Distinct().Count());
        // Every target ran the whole mix, lab orders (order → specimen → receipt → results → validation) and prescribe → dispense
        // included, and none of those failed.
        foreach (var target in rounds.GroupBy(r => r.GetProperty("target").GetString()))
        {
            foreach (var kind in new[] { "Encounter", "Read", "LabOrder", "Dispense" })
            {
                var done = target.Sum(r => r.GetProperty("byOperation").TryGetProperty(kind, out var n) ? n.GetInt64() : 0);
                Assert.True(done > 0, $"{target.Key}: no {kind} succeeded");
            }
            var failures = target.SelectMany(r => r.GetProperty("failures").EnumerateObject().Select(f => f.Name)).ToList();
            Assert.DoesNotContain(failures, f => f.StartsWith("lab", StringComparison.Ordinal) || f.StartsWith("specimen", StringComparison.Ordinal)
                || f.StartsWith("prescription", StringComparison.Ordinal) || f.StartsWith("dispense", StringComparison.Ordinal) || f.Contains("out of order", StringComparison.Ordinal)
                || f.Contains("stock", StringComparison.Ordinal));
        }

        var report = await File.ReadAllTextAsync(Path.Combine(output, "report.md"), TestContext.Current.CancellationToken);
        Assert.Contains("| pass | target | round | control | ok | failed | send rate/s | throughput/s |", report);
        Assert.Contains("node / postgres = ", report);
        Assert.Contains("## Failures", report);
        var html = await File.ReadAllTextAsync(Path.Combine(output, "report.html"), TestContext.Current.CancellationToken);
        Assert.Equal(3, html.Split("src=\"data:image/png;base64,").Length - 1);
        foreach (var png in new[] { "throughput.png", "latency.png", "cdf.png" })
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(output, png), TestContext.Current.CancellationToken);
            Assert.True(bytes.Length > 1000 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', png);
        }
    }
}
