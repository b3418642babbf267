using System.Globalization;
using HealthLedger.Bench;
using HealthLedger.Testing;
using HealthLedger.ThrowawayPostgres;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// <c>healthledger bench</c> before and around its rounds: a bad <c>--config</c> or <c>--out</c> is one line and exit code 2 with
/// nothing started or written, a target that cannot be set up is a problem of the run (not a stack trace), and Ctrl+C stops the
/// nodes the bench started, says so in one line and exits with 130.
/// </summary>
public class BenchRunTests
{
    [Fact]
    public void An_output_folder_is_refused_when_it_is_a_file_holds_results_or_cannot_be_written()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("file");
        File.WriteAllText(file, "x");
        Assert.Equal($"{file} is a file, not a folder", BenchRun.OutputProblem(file));

        var previous = dir.Combine("previous");
        Directory.CreateDirectory(previous);
        File.WriteAllText(Path.Combine(previous, "results.json"), "{}");
        Assert.Equal($"{previous} already holds the results of a run (results.json); give another folder, or remove them first", BenchRun.OutputProblem(previous));
        Assert.Equal("{}", File.ReadAllText(Path.Combine(previous, "results.json")));

        Assert.StartsWith("/proc/healthledger-bench cannot be created or written to (", BenchRun.OutputProblem("/proc/healthledger-bench"), StringComparison.Ordinal);
        Assert.StartsWith($"{file}/results cannot be created or written to (", BenchRun.OutputProblem(Path.Combine(file, "results")), StringComparison.Ordinal);

        // A new folder, or an existing one without results: fine, created and left empty.
        Assert.Null(BenchRun.OutputProblem(dir.Combine("new", "results")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Combine("new", "results")));
        Assert.Null(BenchRun.OutputProblem(dir.Path));
    }

    [Theory]
    [InlineData("config-folder")]
    [InlineData("out-file")]
    [InlineData("out-results")]
    [InlineData("out-proc")]
    [InlineData("quick-and-config")]
    [InlineData("bad-control")]
    public async Task A_bad_config_or_output_folder_is_one_line_and_exit_code_2_with_nothing_started(string mistake)
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("c.json");
        await File.WriteAllTextAsync(config, """{"targets":["node"],"rounds":[{"name":"a","control":"fixed-load"},{"name":"b","control":"foo"}]}""", TestContext.Current.CancellationToken);
        var file = dir.Combine("file");
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);
        var previous = dir.Combine("previous");
        Directory.CreateDirectory(previous);
        await File.WriteAllTextAsync(Path.Combine(previous, "results.json"), "{}", TestContext.Current.CancellationToken);
        var fresh = dir.Combine("fresh");
        (string[] Args, string Error) c = mistake switch
        {
            "config-folder" => (["--config", dir.Path, "--out", fresh], $"error: {dir.Path} is a folder, not a config file"),
            "out-file" => (["--quick", "--out", file], $"error: --out: {file} is a file, not a folder"),
            "out-results" => (["--quick", "--out", previous], $"error: --out: {previous} already holds the results of a run (results.json); give another folder, or remove them first"),
            "out-proc" => (["--quick", "--out", "/proc/healthledger-bench"], "error: --out: /proc/healthledger-bench cannot be created or written to ("),
            "quick-and-config" => (["--quick", "--config", config, "--out", fresh], "error: --quick and --config do not go together: a config sets its own rounds and passes"),
            _ => (["--config", config, "--out", fresh], """error: rounds[1].control: "foo" is not one of fixed-rate, fixed-load, maximum-rate"""),
        };
        var run = await CliProcess.RunAsync(["bench", .. c.Args]);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith(c.Error, run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.Equal("", run.Stdout);
        Assert.False(Directory.Exists(fresh));
        Assert.Equal("{}", await File.ReadAllTextAsync(Path.Combine(previous, "results.json"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_nodeData_folder_with_another_admin_password_is_a_problem_line_and_the_report_says_the_node_did_not_run()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode); // the tests' admin password, not the bench's
        var config = dir.Combine("c.json");
        await File.WriteAllTextAsync(config, $$"""
            {"targets":["node"],"nodeData":"{{data}}","passes":1,"rawTransactions":0,"patients":1,
             "rounds":[{"name":"a","control":"fixed-load","inFlight":2,"warmupSeconds":0,"durationSeconds":1}]}
            """, TestContext.Current.CancellationToken);
        var output = dir.Combine("results");

        var run = await CliProcess.RunAsync("bench", "--config", config, "--out", output);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"problem: pass 1, node: could not set up: admin's login was refused (HTTP 401: wrong password): nodeData {data} was made with another admin password " +
            $"than the bench's; make it with HEALTHLEDGER_ADMIN_PASSWORD={BenchRun.Password}", run.Stderr.Trim());
        var report = await File.ReadAllTextAsync(Path.Combine(output, "report.md"), TestContext.Current.CancellationToken);
        Assert.Contains("None: no round ran.", report, StringComparison.Ordinal);
        Assert.Contains("- pass 1: node did not run", report, StringComparison.Ordinal);
        Assert.DoesNotContain("every operation sent succeeded", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_during_a_large_round_stops_the_node_says_so_in_one_line_and_exits_130()
    {
        using var dir = new TempDirectory();
        var output = dir.Combine("results");
        using var bench = await StartInRoundAsync(dir, "big", """ "control":"fixed-load","inFlight":10000,"warmupSeconds":0,"durationSeconds":120 """, output);
        var children = Children(bench.Id);
        Assert.NotEmpty(children); // the node ('healthledger up')

        bench.Interrupt();
        await bench.WaitForExitAsync(TimeSpan.FromMinutes(2)); // a bound, not a pause: generous for a loaded machine

        Assert.Equal(130, bench.ExitCode);
        Assert.Equal("interrupted during pass 1, node, round big: the targets' processes were stopped and their temporary folders removed; no round had finished: no results written",
            bench.Stderr.Trim());
        for (var i = 0; i < 50 && children.Any(pid => Directory.Exists($"/proc/{pid}")); i++) await Task.Delay(100, TestContext.Current.CancellationToken); // reaped
        Assert.All(children, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"child {pid} outlived the bench"));
        Assert.False(Directory.Exists(output)); // made for this run, left empty: removed
    }

    // break: a bench killed with SIGKILL left the node it started running (and serving); its children watch it and stop.
    [Fact]
    public async Task A_bench_killed_with_SIGKILL_leaves_no_node_running()
    {
        using var dir = new TempDirectory();
        using var bench = await StartInRoundAsync(dir, "long", """ "control":"fixed-rate","tps":5,"warmupSeconds":0,"durationSeconds":600 """, dir.Combine("results"));
        var children = new List<int>();
        try
        {
            children.AddRange(Children(bench.Id));
            Assert.NotEmpty(children); // the node ('healthledger up'), serving the round

            // The bench's temporary folder, which holds the node's data folder ('--data /tmp/healthledger-bench-…/node').
            var arguments = File.ReadAllText($"/proc/{children[0]}/cmdline").Split('\0');
            var work = Path.GetDirectoryName(arguments[Array.IndexOf(arguments, "--data") + 1])!;
            Assert.StartsWith(Path.Combine(Path.GetTempPath(), "healthledger-bench-"), work, StringComparison.Ordinal);

            CliProcess.KillPid(bench.Id); // SIGKILL: the bench runs no clean-up code
            await bench.WaitForExitAsync(TimeSpan.FromMinutes(1));

            await CliProcess.WaitUntilGoneAsync(children, TimeSpan.FromMinutes(1));
            Assert.All(children, pid => Assert.False(CliProcess.IsRunning(pid), $"child {pid} outlived the killed bench"));

            // Its folder is left behind, and the next run's sweep (what every bench does before its first target) removes it.
            Assert.True(Directory.Exists(work), work);
            Assert.Contains(work, BenchRun.SweepAbandoned());
            Assert.False(Directory.Exists(work), work);
        }
        finally
        {
            foreach (var pid in children.Where(CliProcess.IsRunning)) CliProcess.KillPid(pid);
        }
    }

    // A bench killed while its node ran on its throwaway PostgreSQL server: the node stops by itself, the server (which knows
    // nothing of the bench) keeps running; the next run's sweep stops it (SIGQUIT) and only then removes its folder. Before,
    // nothing ever stopped it, and the sweep removed the folder from under it.
    [Fact]
    public async Task A_PostgreSQL_server_left_by_a_killed_bench_is_stopped_before_its_folder_is_removed()
    {
        using var dir = new TempDirectory();
        using var bench = await StartInRoundAsync(dir, "long", """ "control":"fixed-rate","tps":5,"warmupSeconds":0,"durationSeconds":600 """, dir.Combine("results"), "node-postgres");
        var node = Children(bench.Id).Single(pid => File.ReadAllText($"/proc/{pid}/cmdline").Contains("\0up\0", StringComparison.Ordinal));
        var arguments = File.ReadAllText($"/proc/{node}/cmdline").Split('\0');
        var work = Path.GetDirectoryName(arguments[Array.IndexOf(arguments, "--data") + 1])!;
        var data = Path.Combine(work, "postgres", "data");
        var postmaster = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        try
        {
            CliProcess.KillPid(bench.Id);
            await bench.WaitForExitAsync(TimeSpan.FromMinutes(1));
            Assert.True(await CliProcess.WaitUntilGoneAsync([node], TimeSpan.FromMinutes(1)), "the node outlived the killed bench");
            Assert.True(CliProcess.IsRunning(postmaster), "the server stopped by itself: nothing left to sweep");

            Assert.Contains(work, BenchRun.SweepAbandoned());
            Assert.False(CliProcess.IsRunning(postmaster), $"PostgreSQL ({postmaster}) still runs after its folder was swept");
            Assert.False(Directory.Exists(work), work);
        }
        finally
        {
            if (CliProcess.IsRunning(postmaster)) CliProcess.KillPid(postmaster);
        }
    }

    // Who owns a bench's or a server's folder: a process that is gone, or one that still runs, told apart by its start time
    // as well as its id (ids are reused), and never judged from another PID namespace (whose processes are not in /proc here).
    [Fact]
    public void An_owner_record_is_gone_only_when_its_process_surely_is()
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("owner.pid");
        OwnerRecord.Write(file);
        Assert.False(OwnerRecord.IsGone(file)); // this process
        var fields = File.ReadAllText(file).Split(' ');
        Assert.Equal(3, fields.Length);
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), fields[0]);
        File.WriteAllText(file, $"{fields[0]} 1 {fields[2]}"); // this id, another start time: the id was reused
        Assert.True(OwnerRecord.IsGone(file));
        File.WriteAllText(file, $"{int.MaxValue} {fields[1]} {fields[2]}"); // no such process
        Assert.True(OwnerRecord.IsGone(file));
        File.WriteAllText(file, $"{int.MaxValue} {fields[1]} pid:[1]"); // recorded in another namespace: cannot tell
        Assert.False(OwnerRecord.IsGone(file));
        File.WriteAllText(file, $"{int.MaxValue}"); // an older run's record, the id alone
        Assert.True(OwnerRecord.IsGone(file));
        File.WriteAllText(file, "not a record");
        Assert.False(OwnerRecord.IsGone(file));
    }

    // The runtime's JIT worker thread, which the bench's warm-up watches, is there by the name it looks for (a runtime that
    // renamed it would make every warm-up "settled" at once).
    [Fact]
    public void The_tiered_compilation_thread_is_found_by_name_and_its_cpu_read()
    {
        var names = Directory.EnumerateDirectories("/proc/self/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).TrimEnd('\n')).ToList();
        Assert.Contains(".NET Tiered Com", names);
        Assert.True(TieredCompilationCpu.Seconds([Environment.ProcessId]) >= 0);
        Assert.Equal(0, TieredCompilationCpu.Seconds([int.MaxValue])); // no such process
    }

    // After its fixed part, a target's warm-up goes on while the JIT still takes a share of its processes' CPU, up to the most
    // it may take; what it did is in results.json and the report's header.
    [Fact]
    public async Task A_targets_warm_up_goes_on_until_the_jit_settles_within_its_most_and_says_so()
    {
        using var dir = new TempDirectory();
        var config = dir.Combine("c.json");
        await File.WriteAllTextAsync(config,
            """{"targets":["node"],"passes":1,"rawTransactions":0,"patients":1,"targetWarmupSeconds":2,"targetWarmupMaxSeconds":12,"rounds":[{"name":"short","control":"fixed-load","inFlight":8,"warmupSeconds":0,"durationSeconds":2}]}""",
            TestContext.Current.CancellationToken);
        var output = dir.Combine("out");
        using var bench = CliProcess.Start("bench", "--config", config, "--out", output);
        await bench.WaitForExitAsync(TimeSpan.FromMinutes(4));
        Assert.True(bench.ExitCode == 0, bench.Stdout + bench.Stderr);
        Assert.Contains("warm-up: 2 s at 8 in flight (not measured), then until the JIT has settled (at most 12 s in all)", bench.Stdout, StringComparison.Ordinal);
        using var results = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json"), TestContext.Current.CancellationToken));
        var warmUp = Assert.Single(results.RootElement.GetProperty("warmUps").EnumerateArray().ToList());
        var seconds = warmUp.GetProperty("seconds").GetDouble();
        var share = warmUp.GetProperty("lastJitShare").GetDouble();
        var settled = warmUp.GetProperty("settled").GetBoolean();
        Assert.InRange(seconds, 2, 17);
        Assert.InRange(share, 0, 1);
        Assert.Equal(share < BenchConfig.SettledJitShare, settled);
        Assert.True(settled || seconds + BenchConfig.WarmupSliceSeconds > 12, $"stopped at {seconds} s with the JIT at {share}");
        Assert.Contains(settled ? ": settled" : ": not settled, but the warm-up's 12 s are up", bench.Stdout, StringComparison.Ordinal);
        var report = await File.ReadAllTextAsync(Path.Combine(output, "report.md"), TestContext.Current.CancellationToken);
        Assert.Contains("then in 5 s parts until the JIT took under 2% of its processes' CPU (at most 12 s in all): pass 1, node ", report, StringComparison.Ordinal);
    }

    // Starts a bench of the node target with one round (`name` and the rest of its JSON) and waits until the round is under way.
    private static async Task<CliProcess> StartInRoundAsync(TempDirectory dir, string name, string round, string output, string target = "node")
    {
        var config = dir.Combine("c.json");
        await File.WriteAllTextAsync(config,
            $$"""{"targets":["{{target}}"],"passes":1,"rawTransactions":0,"patients":1,"targetWarmupSeconds":0,"rounds":[{"name":"{{name}}",{{round.Trim()}}}]}""", TestContext.Current.CancellationToken);
        var bench = CliProcess.Start("bench", "--config", config, "--out", output);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            while (!bench.Stdout.Contains($"· {name}: ", StringComparison.Ordinal))
            {
                Assert.False(bench.HasExited, bench.Stdout + bench.Stderr);
                await Task.Delay(100, timeout.Token);
            }
            return bench;
        }
        catch
        {
            bench.Dispose();
            throw;
        }
    }

    // Processes whose parent is pid.
    private static List<int> Children(int pid) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture))
            .Where(p =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{p}/stat");
                    return int.Parse(stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) == pid;
                }
                catch (IOException)
                {
                    return false;
                }
            }).ToList();
}
