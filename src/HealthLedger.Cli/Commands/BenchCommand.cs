using System.CommandLine;
using HealthLedger.Bench;
using Spectre.Console;

namespace HealthLedger.Cli.Commands;

internal static class BenchCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "A benchmark config (JSON: targets, rounds with rate controllers, workload mix, passes); default: built in" };
        var quick = new Option<bool>("--quick") { Description = "Short rounds, one pass, every target (about two minutes in a Release build); not with --config" };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Results folder (default ./bench-results/<time>), created when missing; a folder that already holds a run's results.json is refused, never overwritten",
        };
        var targets = new Option<string?>("--targets") { Description = "Comma-separated subset of: " + string.Join(", ", BenchConfig.KnownTargets) + " (default: all of them, or the config's \"targets\")" };
        var keepData = new Option<bool>("--keep-data")
        {
            Description = "Keep the HealthLedger targets' data folders (listed in results.json as dataFolders) to check them with 'healthledger verify'; " +
                "not node-postgres's, whose ledger is in a PostgreSQL server the bench stops and removes (the bench verifies it before)",
        };
        var passes = new Option<int?>("--passes") { Description = "Passes, 1 to 100 (targets alternate; default 2, quick 1)" }.WholeNumber(1, 100);
        var command = new Command("bench",
            "Caliper-style load rounds through the real transaction path (HTTP API, signing, consensus, execution, encryption, SQLite) against one " +
            "node, a local BFT cluster, a consortium of four hospitals and a PostgreSQL baseline (plain and hash-chained audit), side by side. Writes results.json, report.md " +
            "and report.html (plots) to the results folder. Ctrl+C stops the targets, writes the rounds that finished and exits with 130.")
        {
            config, quick, output, targets, passes, keepData,
        };
        command.SetAction(async (parse, ct) =>
        {
            BenchConfig settings;
            // Its targets' nodes would refuse it one by one, after the run had begun (MachineShare).
            if (Node.Configuration.MachineShare.Problem is { } share) return CommonOptions.Fail(share);
            if (Environment.GetEnvironmentVariable(Node.Configuration.MachineShare.Variable) is { Length: > 0 } nodesHere)
            {
                Console.Error.WriteLine($"note: {Node.Configuration.MachineShare.Variable}={nodesHere} is not passed to the benchmark's targets: they run one at " +
                    "a time, each with the machine to itself ('consortium up' divides it among its own nodes; each target's progress line says its admission budget).");
            }
            if (parse.GetValue(quick) && parse.GetValue(config) is not null) return CommonOptions.Fail("--quick and --config do not go together: a config sets its own rounds and passes");
            if (parse.GetResult(output) is not null && string.IsNullOrWhiteSpace(parse.GetValue(output))) return CommonOptions.Fail("--out: a folder is needed");
            try
            {
                settings = parse.GetValue(config) is { } file ? BenchConfig.Load(file) : parse.GetValue(quick) ? BenchConfig.Quick : new BenchConfig();
                if (parse.GetValue(targets) is { } list)
                {
                    var names = list.Split(',', StringSplitOptions.TrimEntries);
                    if (names.Any(n => n.Length == 0)) return CommonOptions.Fail($"--targets: \"{list}\" has an empty name (one or more of {string.Join(", ", BenchConfig.KnownTargets)}, separated by commas)");
                    settings = settings with { Targets = names };
                }
                if (parse.GetValue(passes) is { } p) settings = settings with { Passes = p };
                settings.Validate();
            }
            catch (InvalidDataException e)
            {
                return CommonOptions.Fail(e.Message);
            }
            var folder = Path.GetFullPath(parse.GetValue(output) ?? Path.Combine("bench-results", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)));
            var existed = Directory.Exists(folder);
            if (BenchRun.OutputProblem(folder) is { } problem) return CommonOptions.Fail("--out: " + problem);
            var line = "healthledger bench " + string.Join(' ', Environment.GetCommandLineArgs().Skip(2));
            BenchResults results;
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                results = await AnsiConsole.Status().StartAsync("starting", async ctx =>
                    await BenchRun.RunAsync(settings, folder, line, what =>
                    {
                        // The budget a target runs with stays on the screen; the rest is the status line's.
                        if (what.Contains(" · admission", StringComparison.Ordinal)) AnsiConsole.WriteLine(what);
                        ctx.Status(Markup.Escape(what));
                    }, ct, parse.GetValue(keepData)));
            }
            else
            {
                var last = DateTime.MinValue;
                results = await BenchRun.RunAsync(settings, folder, line, what =>
                {
                    // Non-interactive: a line per event, at most one progress line a second.
                    if (!what.Contains(" s, ", StringComparison.Ordinal) || DateTime.UtcNow - last > TimeSpan.FromSeconds(1))
                    {
                        last = DateTime.UtcNow;
                        Console.WriteLine(what);
                    }
                }, ct, parse.GetValue(keepData));
            }
            if (results.Interrupted is { } where)
            {
                var kept = results.DataFolders.Count > 0 ? "; the data folders kept are listed in results.json" : "";
                var written = File.Exists(Path.Combine(folder, "results.json"))
                    ? $"partial results ({results.Rounds.Count} {(results.Rounds.Count == 1 ? "round" : "rounds")} that finished) in {folder}{kept}"
                    : "no round had finished: no results written";
                if (!existed && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
                Console.Error.WriteLine($"interrupted during {where}: the targets' processes were stopped and their temporary folders removed; {written}");
                return 130;
            }
            Console.WriteLine(File.ReadAllText(Path.Combine(folder, "report.md")));
            Console.WriteLine($"Results: {folder} (results.json, report.md, report.html)");
            foreach (var p in results.Problems) Console.Error.WriteLine("problem: " + p);
            return results.Problems.Count == 0 && results.Rounds.All(r => r.Succeeded > 0) ? 0 : 1;
        });
        return command;
    }
}
