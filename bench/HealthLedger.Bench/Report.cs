using System.Globalization;
using System.Text;
using ScottPlot;

namespace HealthLedger.Bench;

/// <summary>report.md (tables and ratios per pass) and report.html (the same with plots drawn by ScottPlot).</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string FixedLoad = BenchConfig.NameOf(RateControl.FixedLoad);
    private static readonly string MaximumRate = BenchConfig.NameOf(RateControl.MaximumRate);

    public static void Write(BenchResults results, string folder)
    {
        var md = Markdown(results);
        File.WriteAllText(Path.Combine(folder, "report.md"), md);
        var plots = new (string Title, string File)[]
        {
            ("Throughput against offered load", "throughput.png"),
            ("Latency percentiles per round (p50, p95, p99)", "latency.png"),
            ("Latency CDF (fixed-load rounds)", "cdf.png"),
        };
        ThroughputPlot(results).SavePng(Path.Combine(folder, plots[0].File), 900, 500);
        LatencyPlot(results).SavePng(Path.Combine(folder, plots[1].File), 900, 500);
        CdfPlot(results).SavePng(Path.Combine(folder, plots[2].File), 900, 500);
        var html = new StringBuilder("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>HealthLedger benchmark</title>")
            .Append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th:first-child,td:first-child{text-align:left}pre{white-space:pre-wrap}</style></head><body>")
            .Append("<h1>HealthLedger benchmark</h1>");
        foreach (var (title, file) in plots)
        {
            var data = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(folder, file)));
            html.Append(Inv, $"<h2>{title}</h2><img alt=\"{title}\" src=\"data:image/png;base64,{data}\" width=\"900\">");
        }
        html.Append("<h2>Report</h2><pre>").Append(System.Net.WebUtility.HtmlEncode(md)).Append("</pre></body></html>");
        File.WriteAllText(Path.Combine(folder, "report.html"), html.ToString());
    }

    /// <summary>The headline figure of a target in a pass: its best throughput over the rounds.</summary>
    public static double Best(BenchResults results, string target, int pass) =>
        results.Rounds.Where(r => r.Target == target && r.Pass == pass).Select(r => Math.Max(r.Throughput, r.Steps.Select(s => s.Throughput).DefaultIfEmpty(0).Max())).DefaultIfEmpty(0).Max();

    internal static string Markdown(BenchResults r)
    {
        var s = new StringBuilder();
        s.AppendLine("# HealthLedger benchmark").AppendLine();
        if (r.Interrupted is { } interrupted) s.AppendLine(Inv, $"**Interrupted** ({interrupted}): partial results, only the rounds that finished.").AppendLine();
        s.AppendLine(Inv, $"- started {r.StartedAt:u}; command `{r.Command}`");
        s.AppendLine(Inv, $"- machine: {r.Machine}");
        s.AppendLine(Inv, $"- targets {string.Join(", ", r.Config.Targets)}; {r.Config.Passes} pass(es), targets alternating; {r.Config.Patients} patients; documents {r.Config.DocumentBytes} bytes; cluster of {r.Config.ClusterNodes} nodes; consortium of {r.Config.ConsortiumOrganisations} hospitals, one node each");
        s.AppendLine(r.Config.TargetWarmupSeconds > 0
            ? string.Create(Inv, $"- each target warmed up for {r.Config.TargetWarmupSeconds:0.#} s at {r.Config.TargetWarmupInFlight} operations in flight after its setup, before its first round (not measured)") +
              (r.WarmUps.Any(w => w.LastJitShare is not null)
                  ? string.Create(Inv, $", then in {BenchConfig.WarmupSliceSeconds:0} s parts until the JIT took under {BenchConfig.SettledJitShare:0%} of its processes' CPU (at most {r.Config.TargetWarmupMaxSeconds:0.#} s in all): ") +
                    string.Join("; ", r.WarmUps.Select(w => string.Create(Inv, $"pass {w.Pass}, {w.Target} {w.Seconds:0} s") + (w.LastJitShare is { } share
                        ? string.Create(Inv, $" (JIT {share:0%}{(w.Settled ? "" : ", not settled")})") : "")))
                  : "") + "; each round then has its own warm-up"
            : "- no target warm-up (targetWarmupSeconds 0): a target's first round starts on a freshly started process");
        if (r.Admissions.Count > 0)
        {
            // Each node's admission budgets (node.json's "admission", else per processor of its share of the machine): a
            // consortium's nodes divide the machine's, a single node and a cluster's each take all of it.
            s.AppendLine("- admission budgets (per node): " + string.Join("; ", r.Admissions.Select(a => string.Create(Inv, $"pass {a.Pass}, {a.Target}: {a.Budgets}"))));
        }
        var mix = r.Config.Mix;
        s.AppendLine(Inv, $"- operation mix (weights): register patient {mix.RegisterPatient}, encounter {mix.Encounter}, charge {mix.Charge}, payment {mix.Payment}, lab report with file {mix.LabReport}, grant/revoke {mix.GrantRevoke}, read (disclosure-audited) {mix.Read}, lab order (order → specimen → receipt → results → validation) {mix.LabOrder}, prescribe → dispense {mix.Dispense}");
        s.AppendLine().AppendLine("Definitions (Hyperledger Caliper): send rate = (succeeded + rejected + failed) / (last submit − first submit); throughput = succeeded / (last commit − first submit); " +
            "latency of successful (accepted) operations, submit → commit, in ms. Rejected = refused at once for overload (503 with Retry-After) in the maximum-rate round, " +
            "which retries no operation's first request (the later steps of a lab order or dispense already begun wait out a refusal and are sent again in every round); " +
            "the other rounds wait out a refusal's Retry-After and send again (latency from the first send). CPU s/op = the target's processes' CPU seconds per successful operation.").AppendLine();
        Targets(s, r);
        s.AppendLine("## Rounds").AppendLine();
        s.AppendLine("Control: the round's rate controller, as named in a config (fixed-rate, fixed-load, maximum-rate).").AppendLine();
        s.AppendLine("| pass | target | round | control | ok | rejected | failed | send rate/s | throughput/s | min | avg | p50 | p95 | p99 | max | CPU s/op | CPU % / RSS MB per process |");
        s.AppendLine("| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var m in r.Rounds)
        {
            var l = m.Latency;
            var procs = string.Join("; ", m.Processes.Select(p => string.Create(Inv, $"{p.Key} {p.Value.CpuPercent:0}%/{p.Value.MaxRssMb:0}")));
            s.AppendLine(Inv, $"| {m.Pass} | {m.Target} | {m.Round} | {m.Control} | {m.Succeeded} | {m.Rejected} | {m.Failed} | {m.SendRate:0.0} | {m.Throughput:0.0} | {l?.Min:0} | {l?.Avg:0} | {l?.P50:0} | {l?.P95:0} | {l?.P99:0} | {l?.Max:0} | {CpuPerOp(m):0.0000} | {procs} |");
        }
        var byKind = r.Rounds.Where(m => m.LatencyByOperation is { Count: > 0 } && m.Control == FixedLoad).ToList();
        if (byKind.Count > 0)
        {
            s.AppendLine().AppendLine("Latency by operation in the fixed-load rounds (ms, p50 / p99 of successful operations; a lab order is five writes, a dispense two):").AppendLine();
            var kinds = byKind.SelectMany(m => m.LatencyByOperation!.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
            s.AppendLine("| pass | target | round | " + string.Join(" | ", kinds) + " |");
            s.AppendLine("| ---: | --- | --- |" + string.Concat(kinds.Select(_ => " ---: |")));
            foreach (var m in byKind)
            {
                s.AppendLine(string.Create(Inv, $"| {m.Pass} | {m.Target} | {m.Round} | ") + string.Join(" | ", kinds.Select(k =>
                    m.LatencyByOperation!.TryGetValue(k, out var l) ? string.Create(Inv, $"{l.P50:0} / {l.P99:0}") : "")) + " |");
            }
        }
        var steps = r.Rounds.Where(m => m.Steps.Count > 0).ToList();
        if (steps.Count > 0)
        {
            s.AppendLine().AppendLine("Maximum-rate steps (offered → send rate → throughput, rejected, op/s):").AppendLine();
            foreach (var m in steps) s.AppendLine(string.Create(Inv, $"- pass {m.Pass}, {m.Target}: ") + string.Join("; ", m.Steps.Select(x => string.Create(Inv, $"{x.OfferedTps:0} → {x.SendRate:0} → {x.Throughput:0}, {x.RejectedRate:0} rejected"))));
            s.AppendLine().AppendLine("## Overload (maximum-rate round against the fixed-load rounds)").AppendLine();
            s.AppendLine("| pass | target | accepted throughput/s (whole round) | best step's accepted throughput/s | p99 accepted (ms) | rejected | p99 of a refusal (ms) | best fixed-load throughput/s | best step / fixed-load |");
            s.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var m in steps)
            {
                var fixedLoad = r.Rounds.Where(x => x.Target == m.Target && x.Pass == m.Pass && x.Control == FixedLoad).Select(x => x.Throughput).DefaultIfEmpty(0).Max();
                s.AppendLine(Inv, $"| {m.Pass} | {m.Target} | {m.Throughput:0.0} | {BestStep(m):0.0} | {m.Latency?.P99:0} | {m.Rejected} | {m.RejectionLatency?.P99:0} | {fixedLoad:0.0} | {(fixedLoad > 0 ? BestStep(m) / fixedLoad : 0):0.00}{Unsaturated(m)} |");
            }
        }
        if (r.RawPaths.Count > 0 || r.Verifies.Count > 0)
        {
            s.AppendLine().AppendLine("## Raw signed-transaction path and verify").AppendLine();
            s.AppendLine(string.Create(Inv, $"Raw path: `healthledger load --json --count {r.Config.RawTransactions} --batch {r.Config.RawBatch}` after the rounds ") + "(synthetic registrations signed by the admin " +
                "before the clock starts, posted to `POST /api/v1/transactions/batch`; seconds = first submit → commit of the last). CPU µs/tx = the nodes' CPU per committed transaction. " +
                "Verify: `healthledger verify --json` of one node's data once its nodes stopped (every transaction re-hashed, signature checked and re-executed); CPU = the verify process's user + system time.");
            s.AppendLine().AppendLine("| pass | target | raw: committed | raw: seconds | raw: tx/s | raw: node CPU µs/tx | verify: blocks | verify: transactions | verify: seconds | verify: tx/s | verify: CPU s (cores used) |");
            s.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var (pass, target) in r.RawPaths.Select(x => (x.Pass, x.Target)).Concat(r.Verifies.Select(x => (x.Pass, x.Target))).Distinct())
            {
                var raw = r.RawPaths.FirstOrDefault(x => x.Pass == pass && x.Target == target);
                var v = r.Verifies.FirstOrDefault(x => x.Pass == pass && x.Target == target);
                var rawCells = raw is null ? "| | | |" : raw.Problem is not null ? "| failed | | |" : string.Create(Inv, $"| {raw.Accepted} | {raw.Seconds:0.0} | {raw.TransactionsPerSecond:0} | {raw.CpuMicrosecondsPerTransaction:0} |");
                var verifyCells = v is null ? "| | | | |" : !v.Ok ? "| FAILED | | | |" : string.Create(Inv, $"| {v.Blocks} | {v.Transactions} | {v.Seconds:0.0} | {v.TransactionsPerSecond:0} | {v.CpuSeconds:0.0} ({v.CpuSeconds / v.Seconds:0.0}) |");
                s.AppendLine(string.Create(Inv, $"| {pass} | {target} ") + rawCells + verifyCells[1..]);
            }
        }
        var failures = r.Rounds.Where(m => m.Failed > 0).ToList();
        var notRun = NotRun(r);
        s.AppendLine().AppendLine("## Failures").AppendLine();
        if (failures.Count == 0)
        {
            s.AppendLine(notRun.Count == 0 ? "None: every operation sent succeeded."
                : r.Rounds.Count > 0 ? "None in the rounds that ran: every operation they sent succeeded." : "None: no round ran.");
        }
        foreach (var m in failures) s.AppendLine(string.Create(Inv, $"- pass {m.Pass}, {m.Target}, {m.Round}: ") + string.Join("; ", m.Failures.Select(f => string.Create(Inv, $"{f.Value} × {f.Key}"))));
        if (notRun.Count > 0)
        {
            s.AppendLine().AppendLine("Did not run (no operation sent; see Problems): " + string.Join("; ", notRun.Select(x => string.Create(Inv, $"pass {x.Pass}, {x.Target}"))) + ".");
        }
        s.AppendLine().AppendLine("## Ratios per pass (best throughput of each target)").AppendLine();
        for (var pass = 1; pass <= r.Config.Passes; pass++)
        {
            var ran = r.Rounds.Where(m => m.Pass == pass).Select(m => m.Target).ToHashSet(StringComparer.Ordinal);
            var best = r.Config.Targets.Where(ran.Contains).ToDictionary(t => t, t => Best(r, t, pass));
            s.AppendLine(string.Create(Inv, $"- pass {pass}: ") + string.Join(", ", r.Config.Targets.Select(t =>
                best.TryGetValue(t, out var b) ? string.Create(Inv, $"{t} {b:0.0}/s") : $"{t} did not run")));
            foreach (var (a, b) in new[] { ("node", "postgres"), ("node", "postgres-chained"), ("cluster", "postgres"), ("cluster", "postgres-chained"), ("consortium", "postgres") })
            {
                if (best.TryGetValue(a, out var x) && best.TryGetValue(b, out var y) && y > 0) s.AppendLine(Inv, $"  - {a} / {b} = {x / y:0.00}");
            }
        }
        if (r.Problems.Count > 0)
        {
            s.AppendLine().AppendLine("## Problems").AppendLine();
            foreach (var p in r.Problems) s.AppendLine("- " + p);
        }
        return s.ToString();
    }

    // Issue 17's table, one row per measure and a column per pass: each figure from this run, with the goal beside it.
    private static void Targets(StringBuilder s, BenchResults r)
    {
        double? BestFixedLoad(string target, int pass) => r.Rounds.Where(m => m.Target == target && m.Pass == pass && m.Control == FixedLoad)
            .Select(m => (double?)m.Throughput).Max();
        RoundMetrics? FixedLoadRound(string target, int pass) => r.Rounds.Where(m => m.Target == target && m.Pass == pass && m.Control == FixedLoad)
            .MaxBy(m => m.Throughput);
        RoundMetrics? MaxRate(string target, int pass) => r.Rounds.FirstOrDefault(m => m.Target == target && m.Pass == pass && m.Control == MaximumRate);
        string Ratio(string a, string b, int pass) => BestFixedLoad(a, pass) is { } x && BestFixedLoad(b, pass) is { } y && y > 0
            ? string.Create(Inv, $"{x / y:0.00}× ({x:0} / {y:0} op/s)") : "—";
        string Overload(string target, int pass) => MaxRate(target, pass) is not { } m ? "—"
            : string.Create(Inv, $"best step {BestStep(m):0} op/s accepted (×{(BestFixedLoad(target, pass) is > 0 and var f ? BestStep(m) / f : 0):0.00} of fixed-load; whole round {m.Throughput:0}), p99 {m.Latency?.P99 / 1000:0.00} s, ") +
                (m.Rejected == 0 ? "none rejected" : string.Create(Inv, $"{m.Rejected} rejected (answered in p99 {m.RejectionLatency?.P99:0} ms)")) + Unsaturated(m);
        string Raw(string target, int pass) => r.RawPaths.FirstOrDefault(x => x.Target == target && x.Pass == pass) is not { } x ? "—"
            : x.Problem is not null ? "failed" : string.Create(Inv, $"{x.TransactionsPerSecond:0} tx/s ({x.CpuMicrosecondsPerTransaction:0} µs node CPU/tx)");
        string Verify(string target, int pass) => r.Verifies.FirstOrDefault(x => x.Target == target && x.Pass == pass) is not { } x ? "—"
            : !x.Ok ? "FAILED" : string.Create(Inv, $"{x.TransactionsPerSecond:0} tx/s ({x.Transactions} tx, {x.CpuSeconds / Math.Max(x.Seconds, 0.001):0.0} cores)");
        string ConsortiumP99(int pass) => FixedLoadRound("consortium", pass) is { Latency: { } l } ? string.Create(Inv, $", p99 {l.P99 / 1000:0.00} s") : "";

        var passes = Enumerable.Range(1, r.Config.Passes).ToList();
        s.AppendLine("## Issue 17 targets").AppendLine();
        s.AppendLine("Each figure from this run; fixed-load = the best fixed-load round of the pass; \"—\" = the target or round was not in this run, or did not run (see Problems).").AppendLine();
        s.AppendLine("| measure | goal | " + string.Join(" | ", passes.Select(p => string.Create(Inv, $"pass {p}"))) + " |");
        s.AppendLine("| --- | --- | " + string.Join(" | ", passes.Select(_ => "---")) + " |");
        void Row(string measure, string goal, Func<int, string> cell) => s.AppendLine($"| {measure} | {goal} | " + string.Join(" | ", passes.Select(cell)) + " |");
        Row("1 node, default mix, fixed-load: throughput / PostgreSQL's", "≥ 2×", p => Ratio("node", "postgres", p));
        Row("4 organisations' nodes (consortium), same: throughput / PostgreSQL's", "≥ 1×, p99 < 1 s", p => Ratio("consortium", "postgres", p) + ConsortiumP99(p));
        Row("maximum-rate round, 1 node", "p99 accepted < 2 s, excess 503, ≥ fixed-load", p => Overload("node", p));
        Row("maximum-rate round, consortium", "same", p => Overload("consortium", p));
        Row("raw signed-transaction path, 1 node", "≥ 20,000 tx/s", p => Raw("node", p));
        Row("raw signed-transaction path, 4 nodes (cluster)", "≥ 8,000 tx/s", p => Raw("cluster", p));
        Row("raw signed-transaction path, 4 organisations (consortium)", "—", p => Raw("consortium", p));
        Row("raw signed-transaction path, 1 node on PostgreSQL", "—", p => Raw("node-postgres", p));
        Row("`verify` of the node's data", "≥ 30,000 tx/s, both cores", p => Verify("node", p));
        Row("1 node on PostgreSQL, fixed-load: throughput / the SQLite node's", "—", p => Ratio("node-postgres", "node", p));
        s.AppendLine();
    }

    // A maximum-rate round whose steps ended with its duration (throughput still rising) and that refused nothing did not find the
    // target's maximum: its best step is a lower bound, and the report says so beside it.
    private static string Unsaturated(RoundMetrics m) => m.Saturated == false && m.Rejected == 0
        ? " (never saturated: its steps ended with its duration, throughput still rising and nothing refused; the best step is not the maximum)" : "";

    // The (pass, target) pairs of the config with no round measured: the target could not start or set up, or the run was interrupted first.
    private static List<(int Pass, string Target)> NotRun(BenchResults r) => Enumerable.Range(1, r.Config.Passes)
        .SelectMany(p => r.Config.Targets.Select(t => (Pass: p, Target: t)))
        .Where(x => !r.Rounds.Any(m => m.Pass == x.Pass && m.Target == x.Target)).ToList();

    // The maximum rate a maximum-rate round found: its best step's accepted throughput (the earlier steps offer less than the
    // target can do by design, so the whole round's average understates it).
    private static double BestStep(RoundMetrics m) => m.Steps.Select(x => x.Throughput).DefaultIfEmpty(m.Throughput).Max();

    // CPU seconds of the target's own processes (not the bench client) per successful operation in a round.
    private static double CpuPerOp(RoundMetrics m)
    {
        if (m.Succeeded == 0 || m.Throughput <= 0) return 0;
        var cores = m.Processes.Where(p => p.Key != "bench client").Sum(p => p.Value.CpuPercent) / 100;
        return cores / m.Throughput;
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    // Rates, latencies and fractions are never negative: an axis fitted to the data (with its margin) starts at 0, not below.
    private static Plot FromZero(Plot plot, bool x)
    {
        plot.Axes.AutoScale();
        var limits = plot.Axes.GetLimits();
        plot.Axes.SetLimitsY(0, Math.Max(limits.Top, 1));
        if (x) plot.Axes.SetLimitsX(0, Math.Max(limits.Right, 1));
        return plot;
    }

    internal static Plot ThroughputPlot(BenchResults r)
    {
        var plot = NewPlot("Throughput against offered load", "send rate (op/s)", "throughput (op/s)");
        foreach (var target in r.Config.Targets)
        {
            var points = r.Rounds.Where(m => m.Target == target)
                .SelectMany(m => m.Steps.Count > 0 ? m.Steps.Select(s => (s.SendRate, s.Throughput)) : [(m.SendRate, m.Throughput)])
                .OrderBy(p => p.Item1).ToList();
            if (points.Count == 0) continue;
            var sc = plot.Add.Scatter(points.Select(p => p.Item1).ToArray(), points.Select(p => p.Item2).ToArray());
            sc.LegendText = target;
        }
        return FromZero(plot, x: true);
    }

    internal static Plot LatencyPlot(BenchResults r)
    {
        var plot = NewPlot("Latency per round (p50, p95, p99)", "round (pass · target · round, in run order)", "latency (ms)");
        var rounds = r.Rounds.Where(m => m.Latency is not null).ToList();
        var xs = Enumerable.Range(1, rounds.Count).Select(i => (double)i).ToArray();
        if (xs.Length == 0) return FromZero(plot, x: false);
        plot.Add.Scatter(xs, rounds.Select(m => m.Latency!.P50).ToArray()).LegendText = "p50";
        plot.Add.Scatter(xs, rounds.Select(m => m.Latency!.P95).ToArray()).LegendText = "p95";
        plot.Add.Scatter(xs, rounds.Select(m => m.Latency!.P99).ToArray()).LegendText = "p99";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, rounds.Select(m => string.Create(Inv, $"{m.Pass}·{m.Target}·{m.Round}")).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        return FromZero(plot, x: false);
    }

    internal static Plot CdfPlot(BenchResults r)
    {
        var plot = NewPlot("Latency CDF (fixed-load rounds, last pass)", "latency (ms)", "fraction of operations");
        var lastPass = r.Rounds.Count == 0 ? 0 : r.Rounds.Max(m => m.Pass);
        foreach (var m in r.Rounds.Where(m => m.Pass == lastPass && m.Control == FixedLoad && m.LatencySample.Count > 0))
        {
            var xs = m.LatencySample.ToArray();
            var ys = Enumerable.Range(1, xs.Length).Select(i => (double)i / xs.Length).ToArray();
            plot.Add.Scatter(xs, ys).LegendText = $"{m.Target} {m.Round}";
        }
        return FromZero(plot, x: true);
    }
}
