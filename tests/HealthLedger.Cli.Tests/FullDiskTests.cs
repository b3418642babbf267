using System.Net.Http.Json;
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
            // One line: up and node check the data folder's disk before anything else (no warning of the space left first).
            var line = Assert.Single(run.Stderr.Trim().Split('\n'));
            Assert.StartsWith("error: ", line);
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
    // full although no space could be freed there. The read-only mount is named first, and verify reads the copy.
    [Fact]
    public async Task Up_on_a_disk_mounted_read_only_says_so_blaming_no_other_process_and_verify_reads_the_copy()
    {
        using var disk = new SmallDisk(32);
        var data = await InitAsync(disk);
        disk.Fill();
        disk.Remount(readOnly: true);
        try
        {
            var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
            Assert.Equal(2, up.ExitCode);
            var line = Assert.Single(up.Stderr.Trim().Split('\n'));
            Assert.StartsWith($"error: {data} cannot be written: the file system holding {data} is mounted read-only: remount it read-write", line);
            Assert.DoesNotContain("Another HealthLedger process", line);

            // Break-it (2026-12-07): verify and verify-file could not read a read-only copy at all (SQLite cannot make the -shm
            // index there); they read it as immutable now, so a snapshot or a backup on read-only media can be checked.
            var verify = await CliProcess.RunAsync("verify", "--data", data);
            Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
            Assert.StartsWith("OK: ", verify.Stdout.Trim());
            var file = Path.Combine(Path.GetTempPath(), $"not-a-report-{Guid.NewGuid():N}.pdf");
            await File.WriteAllTextAsync(file, "%PDF-1.4 not a report", TestContext.Current.CancellationToken);
            try
            {
                var check = await CliProcess.RunAsync("verify-file", "--data", data, file);
                Assert.True(check.ExitCode == 1, check.Stdout + check.Stderr);
                Assert.StartsWith("NO MATCH: ", check.Stdout.Trim());
            }
            finally
            {
                File.Delete(file);
            }
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

        // up says it in one line, without warning first that its upload folder cannot be made owner-only or of the space left.
        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.Equal(2, up.ExitCode);
        line = Assert.Single(up.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"error: {data} cannot be written: the disk holding {data} has no file entries (inodes) left", line);

        disk.FreeInodes();
        Assert.Equal(0, (await CliProcess.RunAsync("verify", "--data", data)).ExitCode);
    }

    // Break-it (2026-12-07): init on a full disk said only "error: No space left on device : 'DIR/keys/organisation.key.tmp'",
    // and on a read-only one "error: Read-only file system : 'DIR'": now the disk is named as the other commands name it.
    [Fact]
    public async Task Init_on_a_full_or_read_only_disk_names_the_disk_in_one_line_and_leaves_no_network()
    {
        using var disk = new SmallDisk(32);
        disk.Fill();
        var data = Path.Combine(disk.Path, "new");
        var full = await CliProcess.RunAsync("init", "--data", data);
        Assert.Equal(2, full.ExitCode);
        var line = Assert.Single(full.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"error: {data} cannot be made (", line);
        Assert.Contains($"the disk holding {data} is full (", line);
        Assert.False(File.Exists(Path.Combine(data, "ledger.db")));

        disk.Free();
        disk.Remount(readOnly: true);
        try
        {
            var readOnly = await CliProcess.RunAsync("init", "--data", data);
            Assert.Equal(2, readOnly.ExitCode);
            line = Assert.Single(readOnly.Stderr.Trim().Split('\n'));
            Assert.Contains($"the file system holding {data} is mounted read-only: remount it read-write", line);
        }
        finally
        {
            disk.Remount(readOnly: false);
        }
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
    }

    // Break-it (2026-12-07): only init named the disk. consortium up on a full disk said "error: No space left on device :
    // 'DIR/general-hospital/ledger.tip'" (or, with a little room, threw SQLite's error at the genesis block's commit with a stack
    // trace), consortium request the same; and init with room for its keys but not its databases said "…ledger.db (the ledger)
    // could not be written (SQLite Error 13…)… Its content is not in question: do not restore it for this." of a file it was
    // making. Every command that makes a network now says the same one line, whichever file fails first, and leaves nothing.
    [Fact]
    public async Task Every_command_that_makes_a_network_names_the_full_disk_in_one_line_whichever_file_fails_first_and_leaves_nothing()
    {
        using var disk = new SmallDisk(8);
        var basePort = Ports.FreeClusterBlock().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[][] commands =
        [
            ["init"],
            ["up", "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}"],
            ["cluster", "up", "--base-port", basePort],
            ["consortium", "up", "--base-port", basePort],
            ["consortium", "request", "--org", "Harbour Clinic", "--type", "clinic", "--peer-listen", $"http://127.0.0.1:{CliProcess.FreePort()}"],
        ];
        var data = Path.Combine(disk.Path, "new");
        // No room at all (the first key file fails), then room for the key files but not the databases (SQLite fails).
        foreach (var room in new[] { 0, 32 * 1024 })
        {
            disk.Fill();
            disk.Free(room);
            foreach (var command in commands)
            {
                var run = await CliProcess.RunAsync([.. command, "--data", data]);
                Assert.True(run.ExitCode == 2, $"{string.Join(' ', command)} with {room} bytes freed: {run.ExitCode} {run.Stdout} {run.Stderr}");
                var line = Assert.Single(run.Stderr.Trim().Split('\n'));
                Assert.StartsWith($"error: {data} cannot be made (", line);
                Assert.Contains($"the disk holding {data} is full (", line);
                Assert.DoesNotContain("restore", line);
                Assert.DoesNotContain("Created", run.Stdout, StringComparison.Ordinal);
                Assert.False(Directory.Exists(data));
            }
            disk.Free();
        }
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

    // Break-it (2026-12-07, later): with the disk full under a running node, every read of records was refused (503: its
    // disclosure could not be stored) while /healthz answered 200 "ok". It now answers 503 naming the failed write, and 200
    // again once a write succeeds.
    [Fact]
    public async Task A_node_that_cannot_record_disclosures_on_a_full_disk_is_not_healthy_until_it_can()
    {
        using var disk = new SmallDisk(40);
        var data = await InitAsync(disk);
        var url = new Uri($"http://127.0.0.1:{CliProcess.FreePort()}");
        using var node = CliProcess.Start("up", "--data", data, "--urls", url.ToString().TrimEnd('/'));
        await node.WaitUntilServingAsync();
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        using (var login = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = CliProcess.Password }, Ct))
        {
            Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync(Ct));
            http.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("accessToken").GetString());
        }
        using (var patient = await http.PostAsJsonAsync("/api/v1/patients", new { mrn = "FD-1", fullName = "Fiona Full", dateOfBirth = "1970-07-08", gender = "female" }, Ct))
        {
            Assert.True(patient.IsSuccessStatusCode, await patient.Content.ReadAsStringAsync(Ct));
        }

        disk.Fill();
        using (var refused = await http.GetAsync("/api/v1/patients", Ct)) Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        using (var health = await http.GetAsync("/healthz", Ct))
        {
            var body = await health.Content.ReadAsStringAsync(Ct);
            Assert.True(health.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, body);
            Assert.Contains("could not write who read which records to its disk", body, StringComparison.Ordinal);
        }

        disk.Free();
        using (var read = await http.GetAsync("/api/v1/patients", Ct))
        {
            var body = await read.Content.ReadAsStringAsync(Ct);
            Assert.True(read.IsSuccessStatusCode, body);
            Assert.Contains("Fiona Full", body, StringComparison.Ordinal);
        }
        using (var health = await http.GetAsync("/healthz", Ct)) Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, node.ExitCode);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A single node's network made in disk/data; returns the folder.
    private static async Task<string> InitAsync(SmallDisk disk)
    {
        var data = Path.Combine(disk.Path, "data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        return data;
    }
}
