using System.Collections.Concurrent;
using System.Diagnostics;

namespace HealthLedger.Bench;

/// <summary>One finished operation.</summary>
/// <param name="Kind">Which operation.</param>
/// <param name="Submitted">Its first send, in milliseconds since the round started (a retried request keeps it).</param>
/// <param name="Finished">Its answer (last commit), in milliseconds since the round started.</param>
/// <param name="Error">Null when it succeeded; otherwise why not.</param>
/// <param name="Rejected">Refused for overload (503) and not retried: counted apart from failures.</param>
public readonly record struct OpRecord(OpKind Kind, double Submitted, double Finished, string? Error, bool Rejected = false);

/// <summary>Runs rounds against a client with Caliper's rate controllers.</summary>
public sealed class Runner(IBenchClient client, OpPicker picker)
{
    private const int MaxOutstanding = 20_000;
    private long _sequence;

    /// <summary>
    /// Runs <paramref name="round"/>: the warm-up (not measured), then the measured part. Returns every measured operation;
    /// for maximum-rate also the offered rate of each step, and whether the steps stopped because throughput stopped rising
    /// (saturated) rather than because the round's duration ran out or the next step would offer more than
    /// <see cref="BenchConfig.MaxTps"/> (null for the other controllers). Fixed-rate and fixed-load rounds honour a refusal's
    /// Retry-After (wait, send again; latency from the first send); the maximum-rate round retries no operation's first request
    /// and counts its refusal as rejected (the later steps of an operation already begun are sent again in every round).
    /// </summary>
    public async Task<(List<OpRecord> Ops, List<(double Offered, double Start, double End)> Steps, bool? Saturated)> RunAsync(RoundConfig round, Action<string> progress,
        CancellationToken ct)
    {
        if (round.WarmupSeconds > 0)
        {
            progress("warm-up");
            await OfferAsync(round with { Control = round.Control == RateControl.MaximumRate ? RateControl.FixedRate : round.Control }, round.WarmupSeconds, null, _ => { },
                retryBusy: round.Control != RateControl.MaximumRate, ct);
        }
        var ops = new ConcurrentBag<OpRecord>();
        var clock = Stopwatch.StartNew();
        var steps = new List<(double, double, double)>();
        bool? saturated = null;
        if (round.Control != RateControl.MaximumRate)
        {
            await OfferAsync(round, round.DurationSeconds, (ops, clock), progress, retryBusy: true, ct);
        }
        else
        {
            // Fixed-rate steps, each offering StepFactor times the last; stop when a step's throughput did not rise 5% over the best so far.
            var best = 0.0;
            saturated = false;
            for (var i = 0; clock.Elapsed.TotalSeconds + round.StepSeconds <= round.DurationSeconds + 0.001; i++)
            {
                var tps = round.Tps * Math.Pow(round.StepFactor, i);
                if (tps > BenchConfig.MaxTps) break;
                var start = clock.Elapsed.TotalMilliseconds;
                progress($"step {i + 1}: {tps:0} op/s offered");
                await OfferAsync(round with { Control = RateControl.FixedRate, Tps = tps }, round.StepSeconds, (ops, clock), _ => { }, retryBusy: false, ct);
                var end = clock.Elapsed.TotalMilliseconds;
                steps.Add((tps, start, end));
                var done = ops.Count(o => o.Error is null && o.Submitted >= start && o.Submitted < end);
                var throughput = done / ((end - start) / 1000);
                if (throughput < best * 1.05)
                {
                    saturated = true;
                    break;
                }
                best = Math.Max(best, throughput);
            }
        }
        return ([.. ops], steps, saturated);
    }

    /// <summary>
    /// A target's warm-up before its first round (<see cref="BenchConfig.TargetWarmupSeconds"/>): <paramref name="inFlight"/>
    /// operations of the mix in flight for <paramref name="seconds"/> s, nothing measured, a refusal's Retry-After honoured.
    /// </summary>
    public Task WarmUpAsync(int inFlight, double seconds, Action<string> progress, CancellationToken ct) =>
        OfferAsync(new RoundConfig { Name = "target warm-up", Control = RateControl.FixedLoad, InFlight = inFlight }, seconds, null, progress, retryBusy: true, ct);

    private async Task OfferAsync(RoundConfig round, double seconds, (ConcurrentBag<OpRecord> Ops, Stopwatch Clock)? measure, Action<string> progress, bool retryBusy, CancellationToken ct)
    {
        var outstanding = new ConcurrentDictionary<long, Task>();
        var watch = Stopwatch.StartNew();
        var last = 0.0;
        var inFlight = 0; // both controls: operations sent and not answered yet
        void Tick()
        {
            if (watch.Elapsed.TotalSeconds - last < 1) return;
            last = watch.Elapsed.TotalSeconds;
            progress($"{last:0}/{seconds:0} s, {Volatile.Read(ref inFlight)} in flight");
        }

        async Task One()
        {
            Interlocked.Increment(ref inFlight);
            var seq = Interlocked.Increment(ref _sequence);
            var kind = picker.Pick(seq);
            var submitted = measure?.Clock.Elapsed.TotalMilliseconds ?? 0;
            OpOutcome outcome;
            try
            {
                outcome = await client.RunAsync(kind, seq, retryBusy, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = OpOutcome.Failed(e.GetType().Name + ": " + e.Message);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
            measure?.Ops.Add(new OpRecord(kind, submitted, measure.Value.Clock.Elapsed.TotalMilliseconds, outcome.Error, outcome.Rejected));
        }

        if (round.Control == RateControl.FixedLoad)
        {
            var workers = Enumerable.Range(0, round.InFlight).Select(_ => Task.Run(async () =>
            {
                while (watch.Elapsed.TotalSeconds < seconds && !ct.IsCancellationRequested) await One();
            }, ct)).ToList();
            while (!Task.WhenAll(workers).IsCompleted)
            {
                Tick();
                await Task.WhenAny(Task.WhenAll(workers), Task.Delay(250, ct));
            }
            await Task.WhenAll(workers);
            return;
        }

        // Fixed rate: operation i starts at i / tps seconds, whatever the system does (open loop).
        for (long i = 0; ; i++)
        {
            var due = i / round.Tps;
            if (due >= seconds) break;
            var wait = due - watch.Elapsed.TotalSeconds;
            if (wait > 0.001) await Task.Delay(TimeSpan.FromSeconds(wait), ct);
            Tick();
            if (outstanding.Count >= MaxOutstanding)
            {
                measure?.Ops.Add(new OpRecord(OpKind.Read, measure.Value.Clock.Elapsed.TotalMilliseconds, measure.Value.Clock.Elapsed.TotalMilliseconds,
                    $"not sent: {MaxOutstanding} operations already in flight"));
                continue;
            }
            var id = i;
            var task = Task.Run(One, ct);
            outstanding[id] = task;
            _ = task.ContinueWith(_ => outstanding.TryRemove(id, out Task? _), TaskScheduler.Default);
        }
        await Task.WhenAll(outstanding.Values);
    }
}
