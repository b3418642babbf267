using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// 'up' tells the operator what a long start is doing: the start-up integrity check and the opening of the organisation's
/// records each print a line as they begin and one with their duration, before the node says it is running.
/// </summary>
public class UpStartupTests
{
    [Fact]
    public async Task Up_prints_each_start_up_step_with_its_duration_before_it_serves()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);

        using var node = CliProcess.Start("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        await node.WaitUntilServingAsync();
        var output = node.Stdout;
        string[] steps =
        [
            "Checking the ledger (the start-up integrity check)...",
            "Ledger checked in ",
            "Opening the organisation's records...",
            "Records opened in ",
            "HealthLedger is running at ",
        ];
        var at = steps.Select(s => output.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.All(at, i => Assert.True(i >= 0, $"missing from the output:\n{output}"));
        Assert.Equal(at.Order().ToList(), at);
        // The check's line names what it covered: a new network holds its genesis block.
        Assert.Matches(@"Ledger checked in \d+\.\d s: 1 block, [\d,]+ state entries\.", output);
        // The admission budgets in force: a node alone on the machine takes all its processors' (64 writes per processor).
        Assert.Contains($"Admission: at most {64 * Environment.ProcessorCount} writes, {8 * Environment.ProcessorCount} uploads and {256 * Environment.ProcessorCount} other requests at once " +
            $"(node.json's \"admission\" sets them; the defaults are per processor: {Environment.ProcessorCount} processors).", output, StringComparison.Ordinal);
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    // Break-test (2026-12-06): a category key cache that did not open was ignored without a word, unlike the heads file.
    [Fact]
    public async Task Up_says_when_the_category_key_cache_did_not_open()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        await File.WriteAllTextAsync(Path.Combine(data, "category-keys.sealed"), "not a cache", TestContext.Current.CancellationToken);

        using var node = CliProcess.Start("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        await node.WaitUntilServingAsync();
        Assert.Matches(@"Records opened in \d+\.\d s \(entries: .*\)\. The category key cache did not open \(another organisation's, altered, truncated, or not a file with content\): its keys were opened from the chain and it was written anew\.", node.Stdout);
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    // Break-test (2026-12-06, later): a damaged keystore.db (or a FIFO, a folder or an empty file in its place) ended 'up', 'node'
    // and 'seed' with an unhandled exception and its stack trace, after the ledger's check and the records had been opened.
    [Theory]
    [InlineData("damaged")]
    [InlineData("fifo")]
    public async Task Up_and_load_refuse_a_keystore_that_does_not_open_in_one_line_naming_it(string kind)
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var keystore = Path.Combine(data, "keystore.db");
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(keystore + suffix);
        if (kind == "fifo") SpecialFiles.MakeFifo(keystore);
        else await File.WriteAllBytesAsync(keystore, Enumerable.Repeat((byte)0xa5, 8192).ToArray(), TestContext.Current.CancellationToken);

        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        var load = await CliProcess.RunAsync("load", "--data", data, "--url", "http://127.0.0.1:1", "--count", "1");
        foreach (var (code, stdout, stderr) in new[] { up, load })
        {
            Assert.True(code == 2, stdout + stderr);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: {keystore} (this node's logins: each user's keys, sealed by their password) ", line, StringComparison.Ordinal);
            Assert.Contains("Restore it from a backup of the data folder", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled", stdout + stderr, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("HealthLedger is running", up.Stdout, StringComparison.Ordinal);
    }
}
