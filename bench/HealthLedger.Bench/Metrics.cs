namespace HealthLedger.Bench;

/// <summary>Latency summary of successful operations, in milliseconds.</summary>
public sealed record Latency(double Min, double Avg, double P50, double P95, double P99, double Max);

/// <summary>CPU and memory of one process during a round.</summary>
/// <param name="CpuPercent">Average CPU (100 = one core busy).</param>
/// <param name="MaxRssMb">Largest resident memory seen.</param>
public sealed record ProcessUse(double CpuPercent, double MaxRssMb);

/// <summary>One step of a maximum-rate round (per second: offered, sent, succeeded, refused for overload).</summary>
public sealed record StepMetrics(double OfferedTps, double SendRate, double Throughput, double RejectedRate);

/// <summary>A round's metrics, with Hyperledger Caliper's definitions.</summary>
/// <param name="Target">The system under test.</param>
/// <param name="Round">The round's name.</param>
/// <param name="Control">Its rate controller.</param>
/// <param name="Pass">Which pass.</param>
/// <param name="Succeeded">Operations that committed (or, for reads, answered).</param>
/// <param name="Failed">Operations that failed; <paramref name="Failures"/> says which and why ("Kind: reason"; refusals for overload are not failures).</param>
/// <param name="Rejected">Operations refused at once for overload (503 with Retry-After) and not retried: the maximum-rate round's excess.</param>
/// <param name="SendRate">(succeeded + rejected + failed) / (last submit − first submit), per second.</param>
/// <param name="Throughput">succeeded / (last commit − first submit), per second.</param>
/// <param name="Latency">Submit → commit of successful (accepted) operations.</param>
/// <param name="RejectionLatency">Submit → refusal of rejected operations (how soon the excess was answered); null when none.</param>
/// <param name="Failures">Failed operations by reason.</param>
/// <param name="ByOperation">Successful operations by kind.</param>
/// <param name="Steps">Maximum-rate steps.</param>
/// <param name="Processes">CPU and memory of the target's processes.</param>
/// <param name="LatencySample">Up to 2,000 sorted latencies (for the CDF).</param>
/// <param name="LatencyByOperation">Latency of successful operations by kind (which operations wait, and for what share of the round's latency).</param>
/// <param name="Saturated">
/// Maximum-rate: true when the steps stopped because throughput stopped rising; false when the round's duration ran out first (or
/// the next step would have offered more than <see cref="BenchConfig.MaxTps"/>), so its best step is not the target's maximum. Null
/// for the other controllers.
/// </param>
public sealed record RoundMetrics(string Target, string Round, string Control, int Pass, long Succeeded, long Failed, long Rejected, double SendRate, double Throughput,
    Latency? Latency, Latency? RejectionLatency, IReadOnlyDictionary<string, long> Failures, IReadOnlyDictionary<string, long> ByOperation, IReadOnlyList<StepMetrics> Steps,
    IReadOnlyDictionary<string, ProcessUse> Processes, IReadOnlyList<double> LatencySample, IReadOnlyDictionary<string, Latency>? LatencyByOperation = null, bool? Saturated = null)
{
    /// <summary>Computes the metrics of a round's operations (<see cref="Control"/>: the config's name of its rate controller, e.g. fixed-load).</summary>
    public static RoundMetrics From(string target, RoundConfig round, int pass, IReadOnlyList<OpRecord> ops, IReadOnlyList<(double Offered, double Start, double End)> steps,
        IReadOnlyDictionary<string, ProcessUse> processes, bool? saturated = null)
    {
        var ok = ops.Where(o => o.Error is null).ToList();
        var sendRate = Rate(ops.Count, ops);
        var throughput = ok.Count == 0 ? 0 : ok.Count / Math.Max(0.001, (ok.Max(o => o.Finished) - ops.Min(o => o.Submitted)) / 1000);
        var latencies = ok.Select(o => o.Finished - o.Submitted).Order().ToArray();
        var latency = Summary(latencies);
        var rejected = ops.Where(o => o.Rejected).ToList();
        var rejectionLatency = Summary(rejected.Select(o => o.Finished - o.Submitted).Order().ToArray());
        var failures = ops.Where(o => o.Error is not null && !o.Rejected).GroupBy(o => $"{o.Kind}: {o.Error}").ToDictionary(g => g.Key, g => (long)g.Count());
        var byOp = ok.GroupBy(o => o.Kind.ToString()).ToDictionary(g => g.Key, g => (long)g.Count());
        var latencyByOp = ok.GroupBy(o => o.Kind.ToString()).ToDictionary(g => g.Key, g => Summary(g.Select(o => o.Finished - o.Submitted).Order().ToArray())!);
        var stepMetrics = steps.Select(s =>
        {
            var inStep = ops.Where(o => o.Submitted >= s.Start && o.Submitted < s.End).ToList();
            var done = inStep.Count(o => o.Error is null);
            var seconds = (s.End - s.Start) / 1000;
            return new StepMetrics(s.Offered, inStep.Count / seconds, done / seconds, inStep.Count(o => o.Rejected) / seconds);
        }).ToList();
        // A sample of at most 2,000 latencies (evenly spaced in sorted order) for the CDF plot.
        var sample = latencies.Length <= 2000 ? latencies : Enumerable.Range(0, 2000).Select(i => latencies[(int)((long)i * (latencies.Length - 1) / 1999)]).ToArray();
        return new RoundMetrics(target, round.Name, BenchConfig.NameOf(round.Control), pass, ok.Count, ops.Count - ok.Count - rejected.Count, rejected.Count, sendRate, throughput,
            latency, rejectionLatency, failures, byOp, stepMetrics,
            processes, sample.Select(x => Math.Round(x, 2)).ToList(), latencyByOp, saturated);
    }

    private static Latency? Summary(double[] sorted) => sorted.Length == 0 ? null
        : new Latency(sorted[0], sorted.Average(), Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted[^1]);

    private static double Rate(int count, IReadOnlyList<OpRecord> ops)
    {
        if (ops.Count < 2) return ops.Count;
        var span = (ops.Max(o => o.Submitted) - ops.Min(o => o.Submitted)) / 1000;
        return span <= 0 ? count : count / span;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>Samples CPU time and resident memory of processes (and their children) from /proc.</summary>
public sealed class ProcessSampler : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, int> _pids;
    private readonly Dictionary<string, (double Cpu, double MaxRss)> _start = [];
    private readonly Dictionary<string, double> _maxRss = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly DateTime _began = DateTime.UtcNow;

    public ProcessSampler(IReadOnlyDictionary<string, int> pids)
    {
        _pids = pids;
        foreach (var (label, pid) in pids) _start[label] = (CpuSeconds(pid), 0);
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var (label, pid) in _pids) _maxRss[label] = Math.Max(_maxRss.GetValueOrDefault(label), RssMb(pid));
                try
                {
                    await Task.Delay(250, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    /// <summary>Stops sampling and returns each process's use since the sampler started.</summary>
    public async Task<IReadOnlyDictionary<string, ProcessUse>> FinishAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        var seconds = (DateTime.UtcNow - _began).TotalSeconds;
        return _pids.ToDictionary(p => p.Key, p => new ProcessUse(Math.Round((CpuSeconds(p.Value) - _start[p.Key].Cpu) / seconds * 100, 1), Math.Round(_maxRss.GetValueOrDefault(p.Key), 1)));
    }

    // The process and its direct children (PostgreSQL's backends); not for the benchmark's own process, whose children are the targets.
    private static IEnumerable<int> Tree(int pid)
    {
        yield return pid;
        if (pid == Environment.ProcessId) yield break;
        foreach (var dir in Directory.Exists("/proc") ? Directory.EnumerateDirectories("/proc") : [])
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child)) continue;
            if (Stat(child) is { } s && s.Length > 3 && s[3] == pid.ToString(System.Globalization.CultureInfo.InvariantCulture)) yield return child;
        }
    }

    private static string[]? Stat(int pid) => Stat($"/proc/{pid}/stat");

    // The fields of a /proc stat file (a process's or a thread's), numbered as in proc(5) from index 1 (comm's closing
    // parenthesis skipped); null when it is gone.
    private static string[]? Stat(string path) => HealthLedger.ThrowawayPostgres.ProcFiles.Stat(path) is { } fields ? ["", "", .. fields] : null;

    // utime + stime of the process and its direct children (PostgreSQL's backends), in seconds (USER_HZ = 100).
    internal static double CpuSeconds(int pid) => Tree(pid).Sum(p => CpuSecondsOf(Stat(p)));

    /// <summary>utime + stime of the process or thread whose /proc stat file is <paramref name="statPath"/>, in seconds; 0 when it is gone.</summary>
    internal static double CpuSecondsAt(string statPath) => CpuSecondsOf(Stat(statPath));

    private static double CpuSecondsOf(string[]? s) => s is { Length: > 16 }
        ? (double.Parse(s[13], System.Globalization.CultureInfo.InvariantCulture) + double.Parse(s[14], System.Globalization.CultureInfo.InvariantCulture)) / 100 : 0;

    private static double RssMb(int pid) => Tree(pid).Sum(p =>
    {
        try
        {
            var line = File.ReadLines($"/proc/{p}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    });

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>
/// CPU time of the .NET runtime's tiered-compilation thread in processes, from /proc (Linux): the runtime names its background
/// JIT worker ".NET Tiered Compilation Worker", which the kernel keeps as <c>.NET Tiered Com</c> (15 characters).
/// </summary>
public static class TieredCompilationCpu
{
    private const string ThreadName = ".NET Tiered Com";

    /// <summary>True where threads can be read by name (/proc).</summary>
    public static bool Available => Directory.Exists("/proc/self/task");

    /// <summary>The JIT thread's CPU seconds (user + system) summed over <paramref name="pids"/>; a process gone counts 0.</summary>
    public static double Seconds(IEnumerable<int> pids)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var total = 0.0;
        foreach (var pid in pids)
        {
            try
            {
                foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == ThreadName) total += ProcessSampler.CpuSecondsAt(Path.Combine(task, "stat"));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process or thread ended while it was read
            }
        }
        return total;
    }
}
