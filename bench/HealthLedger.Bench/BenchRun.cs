using System.Globalization;
using System.Text.Json;
using HealthLedger.ThrowawayPostgres;

namespace HealthLedger.Bench;

/// <summary>Everything a run measured, as written to <c>results.json</c>.</summary>
/// <param name="StartedAt">When the run started.</param>
/// <param name="Command">The command line.</param>
/// <param name="Machine">Cores, CPU, memory, OS and .NET.</param>
/// <param name="Config">The benchmark's config.</param>
/// <param name="Rounds">Every round's metrics, in run order.</param>
/// <param name="Problems">Targets that could not start, and why.</param>
/// <param name="DataFolders">With <c>--keep-data</c>: the HealthLedger nodes' data folders each target left, per pass (to verify).</param>
/// <param name="RawPaths">The raw signed-transaction path of each HealthLedger target, per pass (<see cref="BenchConfig.RawTransactions"/>).</param>
/// <param name="Verifies"><c>healthledger verify</c> of each HealthLedger target's data after its pass.</param>
public sealed record BenchResults(DateTimeOffset StartedAt, string Command, string Machine, BenchConfig Config, List<RoundMetrics> Rounds, List<string> Problems,
    List<TargetData> DataFolders, List<RawPathMetrics> RawPaths, List<VerifyMetrics> Verifies)
{
    /// <summary>Where the run was interrupted (Ctrl+C), e.g. <c>pass 1, node, round fixed-load-128</c>; null when it ran to its end.</summary>
    public string? Interrupted { get; init; }

    /// <summary>Each target's warm-up before its first round, per pass (<see cref="BenchConfig.TargetWarmupSeconds"/>).</summary>
    public List<WarmUpMetrics> WarmUps { get; init; } = [];

    /// <summary>The admission budgets each HealthLedger target's nodes announced, per pass: which budget a target ran with is part of what was measured.</summary>
    public List<TargetAdmission> Admissions { get; init; } = [];
}

/// <summary>The admission budgets a target's (first) node announced at start, e.g. <c>at most 128 writes, 16 uploads and 512 other requests at once</c>.</summary>
public sealed record TargetAdmission(string Target, int Pass, string Budgets);

/// <summary>A target's warm-up in one pass.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Pass">The pass, from 1.</param>
/// <param name="Seconds">How long the warm-up ran, in seconds.</param>
/// <param name="LastJitShare">The JIT's share of the target's CPU in the warm-up's last slice (0 to 1); null when not measured (a fixed warm-up, or no /proc).</param>
/// <param name="Settled">True when the warm-up ended because the JIT's share fell below <see cref="BenchConfig.SettledJitShare"/>; false when it reached <see cref="BenchConfig.TargetWarmupMaxSeconds"/> first or was fixed.</param>
public sealed record WarmUpMetrics(string Target, int Pass, double Seconds, double? LastJitShare, bool Settled);

/// <summary>The data folders a target's HealthLedger nodes left in one pass (kept with <c>--keep-data</c>).</summary>
public sealed record TargetData(string Target, int Pass, IReadOnlyList<string> Folders);

/// <summary>
/// Runs the benchmark: for each pass, each target in turn (the order alternates between passes) is started fresh, set up,
/// run through every round, and stopped. Writes results.json, report.md and report.html into the output folder. With
/// <c>keepData</c> the targets' folders are left in place (listed in <see cref="BenchResults.DataFolders"/>) rather than deleted.
/// A target that cannot start or be set up is a problem of the run (<see cref="BenchResults.Problems"/>), and the run goes on
/// with the next. Cancelled (Ctrl+C), the run stops the target it is in (its processes and temporary folder, as after its
/// rounds) and writes what finished, marked <see cref="BenchResults.Interrupted"/>; nothing when no round finished.
/// </summary>
public static class BenchRun
{
    public const string Password = "bench-root-password-1";

    public static async Task<BenchResults> RunAsync(BenchConfig config, string outputFolder, string command, Action<string> progress, CancellationToken ct, bool keepData = false)
    {
        Directory.CreateDirectory(outputFolder);
        var results = new BenchResults(DateTimeOffset.UtcNow, command, Machine(), config, [], [], [], [], []);
        var where = "the start";
        try
        {
            await RunPassesAsync(config, results, at => where = at, progress, ct, keepData);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            results = results with { Interrupted = where };
            results.Problems.Add($"interrupted during {where}");
            if (results.Rounds.Count == 0 && results.DataFolders.Count == 0) return results;
        }
        await File.WriteAllTextAsync(Path.Combine(outputFolder, "results.json"), JsonSerializer.Serialize(results, BenchConfig.Json), CancellationToken.None);
        Report.Write(results, outputFolder);
        return results;
    }

    /// <summary>
    /// Checks that <paramref name="folder"/> can take a run's results, before anything starts: not a file, not a folder that
    /// already holds results (<c>results.json</c>: a run never overwrites another's), and writable (created when missing).
    /// Returns the problem in one line, or null.
    /// </summary>
    public static string? OutputProblem(string folder)
    {
        if (File.Exists(folder)) return $"{folder} is a file, not a folder";
        if (File.Exists(Path.Combine(folder, "results.json"))) return $"{folder} already holds the results of a run (results.json); give another folder, or remove them first";
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".healthledger-bench-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{folder} cannot be created or written to ({e.Message})";
        }
    }

    private static async Task RunPassesAsync(BenchConfig config, BenchResults results, Action<string> at, Action<string> progress, CancellationToken ct, bool keepData)
    {
        SweepAbandoned();
        for (var pass = 1; pass <= config.Passes; pass++)
        {
            var order = pass % 2 == 1 ? config.Targets : config.Targets.Reverse().ToList();
            foreach (var name in order)
            {
                var work = Directory.CreateTempSubdirectory(WorkPrefix);
                OwnerRecord.Write(Path.Combine(work.FullName, OwnerFile));
                var keptAny = false;
                at($"pass {pass}, {name}");
                try
                {
                    if (!OperatingSystem.IsWindows() && Environment.UserName == "root") File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_101_101);
                    await using var target = Create(name, work.FullName, config);
                    void Say(string what) => progress($"pass {pass}/{config.Passes} · {name} · {what}");
                    IBenchClient client;
                    try
                    {
                        client = await target.StartAsync(Say, ct);
                        if (target.Admission is { } admission) results.Admissions.Add(new TargetAdmission(name, pass, admission));
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        results.Problems.Add($"pass {pass}, {name}: could not start: {Describe(e)}");
                        continue;
                    }
                    if (keepData && target.DataFolders.Count > 0)
                    {
                        results.DataFolders.Add(new TargetData(name, pass, target.DataFolders));
                        keptAny = true;
                    }
                    await using (client)
                    {
                        try
                        {
                            await client.SetupAsync(config, Say, ct);
                        }
                        catch (Exception e) when (!ct.IsCancellationRequested)
                        {
                            // A nodeData folder made with another admin password: the admin's login is refused.
                            var hint = name == "node" && config.NodeData is { } data && e is HttpRequestException { StatusCode: System.Net.HttpStatusCode.Unauthorized }
                                ? $": nodeData {data} was made with another admin password than the bench's; make it with HEALTHLEDGER_ADMIN_PASSWORD={Password}" : "";
                            results.Problems.Add($"pass {pass}, {name}: could not set up: {Describe(e)}{hint}");
                            continue;
                        }
                        var runner = new Runner(client, new OpPicker(config.Mix));
                        if (config.TargetWarmupSeconds > 0)
                        {
                            at($"pass {pass}, {name}, warm-up");
                            var settles = config.TargetWarmupMaxSeconds > config.TargetWarmupSeconds && TieredCompilationCpu.Available;
                            Say(FormattableString.Invariant($"warm-up: {config.TargetWarmupSeconds:0.#} s at {config.TargetWarmupInFlight} in flight (not measured)") +
                                (settles ? FormattableString.Invariant($", then until the JIT has settled (at most {config.TargetWarmupMaxSeconds:0.#} s in all)") : ""));
                            results.WarmUps.Add(await WarmUpAsync(runner, target, name, pass, config, settles, Say, ct));
                        }
                        foreach (var round in config.Rounds)
                        {
                            at($"pass {pass}, {name}, round {round.Name}");
                            // The client's own process too: on a small machine it competes with the target for the same cores.
                            await using var sampler = new ProcessSampler(new Dictionary<string, int>(target.Processes) { ["bench client"] = Environment.ProcessId });
                            var (ops, steps, saturated) = await runner.RunAsync(round, what => Say($"{round.Name}: {what}"), ct);
                            var use = await sampler.FinishAsync();
                            var metrics = RoundMetrics.From(name, round, pass, ops, steps, use, saturated);
                            results.Rounds.Add(metrics);
                            Say($"{round.Name}: {metrics.Succeeded} ok, {metrics.Rejected} rejected, {metrics.Failed} failed, {metrics.Throughput:0.0} op/s, p99 {metrics.Latency?.P99:0} ms");
                        }
                    }
                    if (config.RawTransactions > 0 && target.RawPath is { } endpoint)
                    {
                        at($"pass {pass}, {name}, raw path");
                        Say($"raw path: {config.RawTransactions} pre-signed transactions in batches of {config.RawBatch}");
                        var raw = await ChainMeasurements.LoadAsync(name, pass, endpoint, target.Processes, config.RawTransactions, config.RawBatch, Password, ct);
                        results.RawPaths.Add(raw);
                        if (raw.Problem is { } failed) results.Problems.Add($"pass {pass}, {name}: raw path: {failed}");
                        else Say($"raw path: {raw.Accepted} committed, {raw.TransactionsPerSecond:0} tx/s");
                    }
                    at($"pass {pass}, {name}, verify");
                    if (await target.StopAndVerifyAsync(pass, ct) is { } verified)
                    {
                        results.Verifies.Add(verified);
                        if (!verified.Ok) results.Problems.Add($"pass {pass}, {name}: verify of {verified.Folder} failed: {verified.Problem}");
                        else Say($"verify: {verified.Transactions} transactions in {verified.Seconds:0.0} s ({verified.TransactionsPerSecond:0} tx/s)");
                    }
                }
                finally
                {
                    if (!keepData || !keptAny) TryDelete(work.FullName); // PostgreSQL's folders are not kept: there is nothing to verify in them
                    else TryDeleteFile(Path.Combine(work.FullName, OwnerFile)); // kept for 'healthledger verify': never swept
                }
            }
        }
    }

    // An environment's failure (a port, a file, a refused call) in its own words; anything else with its type, which says more.
    // The target's warm-up: the fixed part, then (when settles) slices while its processes' tiered-compilation thread still took
    // more than SettledJitShare of their CPU, up to TargetWarmupMaxSeconds in all.
    private static async Task<WarmUpMetrics> WarmUpAsync(Runner runner, ITarget target, string name, int pass, BenchConfig config, bool settles,
        Action<string> say, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var pids = target.Processes.Values.ToList();
        var jitBefore = TieredCompilationCpu.Seconds(pids);
        var cpuBefore = pids.Sum(ProcessSampler.CpuSeconds);
        await runner.WarmUpAsync(config.TargetWarmupInFlight, config.TargetWarmupSeconds, what => say($"warm-up: {what}"), ct);
        if (!settles) return new WarmUpMetrics(name, pass, Math.Round(clock.Elapsed.TotalSeconds, 1), null, false);
        while (true)
        {
            var (jit, cpu) = (TieredCompilationCpu.Seconds(pids), pids.Sum(ProcessSampler.CpuSeconds));
            var share = cpu - cpuBefore > 0 ? Math.Clamp((jit - jitBefore) / (cpu - cpuBefore), 0, 1) : 0;
            (jitBefore, cpuBefore) = (jit, cpu);
            var elapsed = clock.Elapsed.TotalSeconds;
            if (share < BenchConfig.SettledJitShare || elapsed + BenchConfig.WarmupSliceSeconds > config.TargetWarmupMaxSeconds)
            {
                var settled = share < BenchConfig.SettledJitShare;
                say(FormattableString.Invariant($"warm-up: {elapsed:0} s; the JIT took {share:0%} of the target's CPU in the last part") +
                    (settled ? ": settled" : FormattableString.Invariant($": not settled, but the warm-up's {config.TargetWarmupMaxSeconds:0.#} s are up")));
                return new WarmUpMetrics(name, pass, Math.Round(elapsed, 1), Math.Round(share, 3), settled);
            }
            say(FormattableString.Invariant($"warm-up: {elapsed:0} s; the JIT took {share:0%} of the target's CPU in the last part: going on"));
            await runner.WarmUpAsync(config.TargetWarmupInFlight, BenchConfig.WarmupSliceSeconds, what => say($"warm-up: {what}"), ct);
        }
    }

    private static string Describe(Exception e) => e is InvalidOperationException or TimeoutException or IOException or UnauthorizedAccessException or HttpRequestException
        ? e.Message : $"{e.GetType().Name}: {e.Message}";

    private static ITarget Create(string name, string folder, BenchConfig config) => name switch
    {
        "node" => new NodeTarget(folder, Password, config.NodeData),
        "cluster" => new ClusterTarget(folder, Password, config.ClusterNodes),
        "consortium" => new ConsortiumTarget(folder, Password, config.ConsortiumOrganisations),
        "postgres" => new PostgresTarget(folder, chained: false),
        "postgres-chained" => new PostgresTarget(folder, chained: true),
        "node-postgres" => new NodePostgresTarget(folder, Password),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown target"),
    };

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() : null;
        var memory = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] : "0";
        return $"{Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), {long.Parse(memory, System.Globalization.CultureInfo.InvariantCulture) / 1024 / 1024} GiB, " +
            $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    private const string WorkPrefix = "healthledger-bench-";
    private const string OwnerFile = "owner.pid";

    /// <summary>
    /// Removes the temporary folders (<c>$TMPDIR/healthledger-bench-*</c>) of benches that were killed (SIGKILL runs no
    /// clean-up): those whose <c>owner.pid</c> names a process that is surely gone (<see cref="OwnerRecord.IsGone"/>), after
    /// stopping a PostgreSQL server still running in one (<see cref="PostgresServer.StopIfAbandoned"/>). A folder a process
    /// still names on its command line (a node of the killed bench still stopping) is left for the next run; <c>owner.pid</c>
    /// goes last, so a folder only partly removed is tried again. Folders kept with <c>--keep-data</c> have no such file and
    /// are never removed, nor are those of a bench still running or one in another PID namespace. Each run does this before its
    /// first target; returns the folders removed. Linux only (it reads <c>/proc</c>).
    /// </summary>
    public static IReadOnlyList<string> SweepAbandoned()
    {
        var removed = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), WorkPrefix + "*"))
        {
            try
            {
                var owner = Path.Combine(folder, OwnerFile);
                if (!File.Exists(owner) || !OwnerRecord.IsGone(owner)) continue;
                var postgres = Path.Combine(folder, "postgres");
                if (File.Exists(Path.Combine(postgres, OwnerFile)) && !PostgresServer.StopIfAbandoned(postgres)) continue;
                if (!NamedByAProcess(folder) && OwnerRecord.RemoveFolder(folder, owner)) removed.Add(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // another user's: left alone
            }
        }
        return removed;
    }

    // Whether a running process has a path inside folder on its command line (a node's '--data', a server's '-D').
    private static bool NamedByAProcess(string folder)
    {
        var inside = folder + Path.DirectorySeparatorChar;
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId) continue;
            if (ProcFiles.CommandLine(pid)?.Any(arg => arg.Contains(inside, StringComparison.Ordinal)) == true) return true; // null: gone meanwhile
        }
        return false;
    }

    private static void TryDeleteFile(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
