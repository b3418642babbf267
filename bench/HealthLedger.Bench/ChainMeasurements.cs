using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace HealthLedger.Bench;

/// <summary>Where <c>healthledger load</c> can send pre-signed transactions to a target: a node's URL, the data folder holding the admin's keystore, the admin.</summary>
/// <param name="Url">The node the batches go to.</param>
/// <param name="DataFolder">A data folder whose keystore holds <paramref name="Admin"/>'s keys (sealed with the benchmark's password).</param>
/// <param name="Admin">The admin who signs.</param>
public sealed record RawPathEndpoint(string Url, string DataFolder, string Admin);

/// <summary>
/// The raw signed-transaction path of one target in one pass (issue 17's "raw" row): <c>healthledger load --json</c> registering
/// synthetic users, pre-signed before the clock starts and posted in batches to <c>POST /api/v1/transactions/batch</c>.
/// </summary>
/// <param name="Target">The system under test.</param>
/// <param name="Pass">The pass.</param>
/// <param name="Transactions">Transactions sent.</param>
/// <param name="Accepted">Transactions the door accepted (all committed when <paramref name="Seconds"/> is set).</param>
/// <param name="Seconds">First submit to the commit of the last accepted transaction, in seconds.</param>
/// <param name="TransactionsPerSecond">Accepted ÷ <paramref name="Seconds"/>.</param>
/// <param name="CpuMicrosecondsPerTransaction">CPU time of the target's processes (every node) per accepted transaction, in µs.</param>
/// <param name="Processes">CPU % and peak RSS of each process over the run (the load client included).</param>
/// <param name="Problem">Why the run did not complete (null when it did).</param>
public sealed record RawPathMetrics(string Target, int Pass, int Transactions, int Accepted, double? Seconds, double? TransactionsPerSecond,
    double? CpuMicrosecondsPerTransaction, IReadOnlyDictionary<string, ProcessUse> Processes, string? Problem);

/// <summary>
/// <c>healthledger verify --json</c> of a target's data after its pass (the node stopped): issue 17's "verify" row.
/// </summary>
/// <param name="Target">The system under test.</param>
/// <param name="Pass">The pass.</param>
/// <param name="Folder">The data folder verified (one node's; every node of a network holds the same chain).</param>
/// <param name="Ok">Whether verify passed.</param>
/// <param name="Blocks">Blocks verified.</param>
/// <param name="Transactions">Transactions verified (re-hashed, signature checked, re-executed).</param>
/// <param name="Seconds">Wall time of the verify process, start to exit, in seconds.</param>
/// <param name="TransactionsPerSecond">Transactions ÷ <paramref name="Seconds"/>.</param>
/// <param name="CpuSeconds">CPU time (user + system) of the verify process, in seconds; its share of the cores is CpuSeconds ÷ Seconds.</param>
/// <param name="Problem">verify's problem (null when it passed).</param>
public sealed record VerifyMetrics(string Target, int Pass, string Folder, bool Ok, long Blocks, long Transactions, double Seconds, double TransactionsPerSecond,
    double CpuSeconds, string? Problem);

/// <summary>Runs the raw-path and verify measurements as child processes of the same <c>healthledger</c> build.</summary>
public static partial class ChainMeasurements
{
    /// <summary>Sends <paramref name="count"/> pre-signed transactions in batches of <paramref name="batch"/> and waits for them to commit.</summary>
    public static async Task<RawPathMetrics> LoadAsync(string target, int pass, RawPathEndpoint endpoint, IReadOnlyDictionary<string, int> processes, int count, int batch,
        string password, CancellationToken ct)
    {
        using var load = ChildProcess.StartSelf(
            ["load", "--data", endpoint.DataFolder, "--url", endpoint.Url, "--admin", endpoint.Admin, "--count", count.ToString(CultureInfo.InvariantCulture),
                "--batch", batch.ToString(CultureInfo.InvariantCulture), "--json"],
            new Dictionary<string, string> { ["HEALTHLEDGER_ADMIN_PASSWORD"] = password });
        // The target's CPU is counted from here: signing before the clock is the client's work, and the nodes are idle meanwhile.
        await using var sampler = new ProcessSampler(new Dictionary<string, int>(processes) { ["load client"] = load.Id });
        var watch = Stopwatch.StartNew();
        var exit = await load.WaitAsync(ct);
        var use = await sampler.FinishAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        var answer = LastJson(load.Output);
        if (answer is not { } json)
        {
            return new RawPathMetrics(target, pass, count, 0, null, null, null, use, $"load exited {exit} without a result: {Tail(load.Output)}");
        }
        if (Error(json) is { } loadError) return new RawPathMetrics(target, pass, count, 0, null, null, null, use, $"load exited {exit}: {loadError}");
        var accepted = json.GetProperty("accepted").GetInt32();
        double? loadSeconds = json.TryGetProperty("seconds", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : null;
        double? rate = loadSeconds is > 0 ? accepted / loadSeconds : null;
        // The nodes' CPU % is over the whole sampled time (signing included, when they idle): CPU seconds = % × sampled seconds.
        var nodeCpuSeconds = use.Where(p => p.Key != "load client").Sum(p => p.Value.CpuPercent) / 100 * seconds;
        double? cpuPerTx = accepted > 0 ? Math.Round(nodeCpuSeconds / accepted * 1e6, 1) : null;
        var problem = exit == 0 ? null : json.TryGetProperty("failure", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : $"load exited {exit}: {Tail(load.Output)}";
        return new RawPathMetrics(target, pass, json.GetProperty("sent").GetInt32(), accepted, loadSeconds, rate, cpuPerTx, use, problem);
    }

    /// <summary>Runs <c>healthledger verify --json</c> on <paramref name="folder"/> (its node stopped) and times it.</summary>
    public static async Task<VerifyMetrics> VerifyAsync(string target, int pass, string folder, CancellationToken ct)
    {
        var before = ChildrenCpuSeconds();
        var watch = Stopwatch.StartNew();
        using var verify = ChildProcess.StartSelf(["verify", "--json", "--data", folder], new Dictionary<string, string>());
        var exit = await verify.WaitAsync(ct);
        var seconds = watch.Elapsed.TotalSeconds;
        var cpu = Math.Round(ChildrenCpuSeconds() - before, 2);
        if (LastJson(verify.Output) is not { } json)
        {
            return new VerifyMetrics(target, pass, folder, false, 0, 0, seconds, 0, cpu, $"verify exited {exit} without a result: {Tail(verify.Output)}");
        }
        if (Error(json) is { } verifyError) return new VerifyMetrics(target, pass, folder, false, 0, 0, seconds, 0, cpu, $"verify exited {exit}: {verifyError}");
        var transactions = json.GetProperty("transactions").GetInt64();
        var ok = exit == 0 && json.GetProperty("ok").GetBoolean();
        return new VerifyMetrics(target, pass, folder, ok, json.GetProperty("blocks").GetInt64(), transactions, Math.Round(seconds, 2), Math.Round(transactions / seconds, 0), cpu,
            ok ? null : json.TryGetProperty("problem", out var p) ? p.GetString() : $"exit {exit}");
    }

    // The document of a --json command that could not do its work (exit 2): {"ok":false,"error":"…"}.
    private static string? Error(JsonElement json) =>
        json.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    private static JsonElement? LastJson(string output)
    {
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith('{') && l.EndsWith('}'));
        if (line is null) return null;
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Tail(string output) => output.Length <= 500 ? output.Trim() : output[^500..].Trim();

    // CPU seconds (user + system) of this process's children that have exited and been waited for (getrusage(2), RUSAGE_CHILDREN).
    private static double ChildrenCpuSeconds()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        return GetRusage(-1, out var usage) == 0
            ? usage.UserSeconds + usage.UserMicroseconds / 1e6 + usage.SystemSeconds + usage.SystemMicroseconds / 1e6
            : 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        // The remaining 14 longs of struct rusage (maxrss … nivcsw).
        public long R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int GetRusage(int who, out RUsage usage);
}
