using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>A node's data folder on a disk that is full: the commands that open its ledger say so, and the ledger is sound.</summary>
public class FullDiskTests
{
    // Break-it (2026-12-07): with the disk full, 'up' said "could not be read or written (SQLite Error 10: 'disk I/O error'):
    // a ledger.db-wal or ledger.db-shm file beside it that is not a regular file (a FIFO, a device), or a failing disk, does
    // this" — SQLite reports the full disk as an I/O error while it opens the ledger in WAL mode — and sent the operator to
    // check a sound disk and the files beside the ledger. Now every command that opens it names the full disk and says that its
    // content is not in question; with space freed the same folder verifies and starts.
    [Fact]
    public async Task Up_node_and_verify_on_a_full_disk_say_the_disk_is_full_and_the_ledger_verifies_once_space_is_freed()
    {
        using var disk = new SmallDisk(32);
        var data = Path.Combine(disk.Path, "data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        disk.Fill();

        var port = CliProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var command in new[] { new[] { "up", "--data", data, "--urls", $"http://127.0.0.1:{port}" }, ["node", "--data", data], ["verify", "--data", data] })
        {
            var run = await CliProcess.RunAsync(command);
            Assert.Equal(2, run.ExitCode);
            var line = Assert.Single(run.Stderr.Trim().Split('\n'));
            Assert.Contains($"the disk holding {data} is full (", line);
            Assert.Contains("do not restore it for this", line);
            Assert.DoesNotContain("failing disk", line);
        }

        disk.Free();
        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.Equal(0, verify.ExitCode);
    }
}
