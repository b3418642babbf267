using HealthLedger.Bench;

namespace HealthLedger.Cli.Tests;

/// <summary>The maximum-rate round says whether it found the target's maximum (saturated) or ran out of time first.</summary>
public class RunnerTests
{
    [Fact]
    public async Task A_maximum_rate_round_that_ends_with_its_duration_did_not_saturate()
    {
        // One step only (the step is the whole round): nothing can stop it but its duration.
        var round = new RoundConfig { Name = "max", Control = RateControl.MaximumRate, Tps = 20, StepSeconds = 0.3, WarmupSeconds = 0, DurationSeconds = 0.3 };
        var (ops, steps, saturated) = await new Runner(new FakeClient(succeedFirst: int.MaxValue), new OpPicker(new WorkloadMix())).RunAsync(round, _ => { }, TestContext.Current.CancellationToken);
        Assert.Single(steps);
        Assert.NotEmpty(ops);
        Assert.False(saturated);
    }

    [Fact]
    public async Task A_maximum_rate_round_whose_throughput_stops_rising_saturated()
    {
        // The first step's 6 operations (20/s for 0.3 s) succeed, the next step's all fail: throughput fell, the round stops there.
        var round = new RoundConfig { Name = "max", Control = RateControl.MaximumRate, Tps = 20, StepFactor = 2, StepSeconds = 0.3, WarmupSeconds = 0, DurationSeconds = 30 };
        var (_, steps, saturated) = await new Runner(new FakeClient(succeedFirst: 6), new OpPicker(new WorkloadMix())).RunAsync(round, _ => { }, TestContext.Current.CancellationToken);
        Assert.Equal(2, steps.Count);
        Assert.True(saturated);
    }

    [Fact]
    public async Task Other_controllers_have_no_saturation()
    {
        var round = new RoundConfig { Name = "load", Control = RateControl.FixedLoad, InFlight = 2, WarmupSeconds = 0, DurationSeconds = 0.1 };
        var (_, _, saturated) = await new Runner(new FakeClient(succeedFirst: int.MaxValue), new OpPicker(new WorkloadMix())).RunAsync(round, _ => { }, TestContext.Current.CancellationToken);
        Assert.Null(saturated);
    }

    [Fact]
    public async Task A_target_warm_up_keeps_its_operations_in_flight_for_its_time_and_measures_none()
    {
        var client = new FakeClient(int.MaxValue);
        var runner = new Runner(client, new OpPicker(new WorkloadMix()));
        await runner.WarmUpAsync(inFlight: 5, seconds: 0.3, _ => { }, TestContext.Current.CancellationToken);
        Assert.True(client.Calls > 5, $"{client.Calls} operations in a 0.3 s warm-up at 5 in flight");
        Assert.InRange(client.MostInFlight, 2, 5); // overlapping, never more than asked
        // The rounds after it measure their own operations only.
        var (ops, _, _) = await runner.RunAsync(new RoundConfig { Name = "a", Control = RateControl.FixedLoad, InFlight = 2, WarmupSeconds = 0, DurationSeconds = 0.2 }, _ => { },
            TestContext.Current.CancellationToken);
        Assert.InRange(ops.Count, 1, client.Calls - 6);
    }

    private sealed class FakeClient(int succeedFirst) : IBenchClient
    {
        private int _calls;
        private int _inFlight;
        private int _mostInFlight;

        public int Calls => Volatile.Read(ref _calls);

        public int MostInFlight => Volatile.Read(ref _mostInFlight);

        public Task SetupAsync(BenchConfig config, Action<string> progress, CancellationToken ct) => Task.CompletedTask;

        public async Task<OpOutcome> RunAsync(OpKind kind, long sequence, bool retryBusy, CancellationToken ct)
        {
            var now = Interlocked.Increment(ref _inFlight);
            for (var most = Volatile.Read(ref _mostInFlight); now > most; most = Volatile.Read(ref _mostInFlight)) Interlocked.CompareExchange(ref _mostInFlight, now, most);
            await Task.Delay(5, ct); // an answer takes a while: the operations overlap
            Interlocked.Decrement(ref _inFlight);
            return Interlocked.Increment(ref _calls) <= succeedFirst ? OpOutcome.Ok : OpOutcome.Failed("down");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
