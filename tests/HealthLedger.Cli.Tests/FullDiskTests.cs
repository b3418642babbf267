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
        var data = await InitAsync(disk);
        disk.Fill();

        var port = CliProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var command in new[] { new[] { "up", "--data", data, "--urls", $"http://127.0.0.1:{port}" }, ["node", "--data", data], ["verify", "--data", data] })
        {
            var run = await CliProcess.RunAsync(command);
            Assert.Equal(2, run.ExitCode);
            var lines = run.Stderr.Trim().Split('\n');
            var line = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
            // up and node also warn of the little space left before they try to open the ledger; verify serves nothing
            Assert.Equal(command[0] == "verify" ? 1 : 2, lines.Length);
            if (command[0] != "verify") Assert.StartsWith($"warning: the disk holding {data} has only ", lines[0]);
            Assert.Contains($"the disk holding {data} is full (", line);
            Assert.Contains("do not restore it for this", line);
            Assert.DoesNotContain("failing disk", line);
        }

        disk.Free();
        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.Equal(0, verify.ExitCode);
    }

    // Break-it (2026-12-07): on a disk mounted read-only, up said "Another HealthLedger process is using DIR (node.lock is held)"
    // — every error making node.lock was taken for a lock held — and verify, on a full disk remounted read-only, said the disk was
    // full although no space could be freed there. The read-only mount is named first.
    [Fact]
    public async Task Up_and_verify_on_a_disk_mounted_read_only_say_so_and_blame_no_other_process()
    {
        using var disk = new SmallDisk(32);
        var data = await InitAsync(disk);
        disk.Fill();
        disk.Remount(readOnly: true);
        try
        {
            var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
            Assert.Equal(2, up.ExitCode);
            // (a warning before it says the upload folder cannot be made there either)
            var line = Assert.Single(up.Stderr.Trim().Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.StartsWith($"error: {data} cannot be written (Read-only file system", line);
            Assert.Contains($"the file system holding {data} is mounted read-only: remount it read-write", line);
            Assert.DoesNotContain("Another HealthLedger process", line);

            var verify = await CliProcess.RunAsync("verify", "--data", data);
            Assert.Equal(2, verify.ExitCode);
            line = Assert.Single(verify.Stderr.Trim().Split('\n'));
            Assert.Contains($"the file system holding {data} is mounted read-only: remount it read-write", line);
            Assert.DoesNotContain("is full", line);
        }
        finally
        {
            disk.Remount(readOnly: false);
        }
        disk.Free();
        Assert.Equal(0, (await CliProcess.RunAsync("verify", "--data", data)).ExitCode);
    }

    // Break-it (2026-12-07): on a disk with bytes free but no inode left, verify said the ledger "cannot be opened … check that
    // it, the ledger.db-wal and ledger.db-shm files beside it … and its folder can be read and written by this user" — a
    // question of access — and up named no cause ("mounted read-only, full, out of inodes or failing"). Both now say the disk
    // has no file entries (inodes) left; with them freed the folder verifies.
    [Fact]
    public async Task Up_and_verify_on_a_disk_out_of_inodes_say_so_and_not_that_access_is_refused()
    {
        using var disk = new SmallDisk(32, inodes: 64);
        var data = await InitAsync(disk);
        disk.FillInodes();

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.Equal(2, verify.ExitCode);
        var line = Assert.Single(verify.Stderr.Trim().Split('\n'));
        Assert.Contains($"the disk holding {data} has no file entries (inodes) left, though it has bytes free (df -i names its use)", line);
        Assert.DoesNotContain("read and written by this user", line);

        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.Equal(2, up.ExitCode);
        line = Assert.Single(up.Stderr.Trim().Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains($"the disk holding {data} has no file entries (inodes) left", line);

        disk.FreeInodes();
        Assert.Equal(0, (await CliProcess.RunAsync("verify", "--data", data)).ExitCode);
    }

    // Break-it (2026-12-07): a running node whose disk filled stopped with "committing block N failed (event 1003): SQLite Error
    // 13: 'database or disk is full'." and nothing more, or (a checkpoint) with the tip record's recovery steps. It now says the
    // disk is full and that freeing space and starting again is all it takes; the ledger verifies once space is freed.
    [Fact]
    public async Task A_node_whose_disk_fills_under_load_stops_saying_the_disk_is_full()
    {
        using var disk = new SmallDisk(40);
        var data = await InitAsync(disk);
        disk.Fill();
        disk.Free(3L * 1024 * 1024);
        var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var node = CliProcess.Start("up", "--data", data, "--urls", url);
        await node.WaitUntilServingAsync();
        // The load's registrations fill the last 3 MiB; the node stops at the block it cannot write (the load then fails too).
        await CliProcess.RunAsync(TimeSpan.FromMinutes(3), "load", "--data", data, "--url", url, "--count", "200000");
        await node.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(1, node.ExitCode);
        var line = Assert.Single(node.Stderr.Trim().Split('\n'), l => l.StartsWith("error: the node stopped:", StringComparison.Ordinal));
        Assert.Contains($"the disk holding {data} is full (", line);
        Assert.EndsWith("start the node again; the start checks the ledger, and nothing needs restoring for this.", line);

        disk.Free();
        Assert.Equal(0, (await CliProcess.RunAsync("verify", "--data", data)).ExitCode);
    }

    // A single node's network made in disk/data; returns the folder.
    private static async Task<string> InitAsync(SmallDisk disk)
    {
        var data = Path.Combine(disk.Path, "data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        return data;
    }
}
