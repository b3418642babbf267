using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using HealthLedger.Testing;
using HealthLedger.ThrowawayPostgres;

namespace HealthLedger.Cli.Tests;

/// <summary>One throwaway PostgreSQL server for <see cref="PostgresStoreTests"/> (fsync off: these tests check behaviour, not durability).</summary>
public sealed class PostgresStoreFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private int _databases;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>A new empty database: its name and a connection string to it.</summary>
    public async Task<(string Name, string ConnectionString)> NewDatabaseAsync()
    {
        var name = $"clinic_{Interlocked.Increment(ref _databases)}";
        return (name, await Server.CreateDatabaseAsync(name, TestContext.Current.CancellationToken));
    }

    public async ValueTask InitializeAsync() => _server = await PostgresServer.StartAsync(durable: false);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// A node whose ledger is in PostgreSQL, as an operator runs it (the real executable, a real server): <c>init --store</c>, <c>up</c>,
/// writes through the API, a restart, <c>verify</c>; bytes changed with SQL are found by <c>verify</c> and refused by <c>up</c>;
/// a server that cannot be used is one clear line, never the password.
/// </summary>
public sealed class PostgresStoreTests(PostgresStoreFixture postgres) : IClassFixture<PostgresStoreFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_on_PostgreSQL_commits_through_the_API_restarts_and_verifies_and_verify_finds_a_changed_row()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var (database, store) = await postgres.NewDatabaseAsync();

        var init = await CliProcess.RunAsync("init", "--data", data, "--store", store);
        Assert.True(init.ExitCode == 0, init.Stdout + init.Stderr);
        Assert.Contains($"Ledger: PostgreSQL database '{database}' on 127.0.0.1:{postgres.Server.Port} as user 'postgres'", init.Stdout);
        Assert.False(File.Exists(new DataDirectory(data).LedgerPath), "no ledger.db: the ledger is in PostgreSQL");
        Assert.True(File.Exists(new DataDirectory(data).KeystorePath), "the users' keystore stays in the data folder");
        Assert.Equal(store, NodeConfig.Read(new DataDirectory(data))!.Store);
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM blocks"));

        var height = await CommitAsync(data, ["pg-0", "pg-1"]);
        Assert.True(height >= 2, $"height {height}");
        Assert.Equal((long)height + 1, await CountAsync(database, "SELECT COUNT(*) FROM blocks"));
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM state WHERE key LIKE 'user/pg-1%'"));

        // Restarted, the node serves the same chain and commits after it.
        var after = await CommitAsync(data, ["pg-2"], expectedHeight: height);
        Assert.True(after > height, $"height {after} after {height}");
        Assert.Equal(after, LedgerTip.Read(new DataDirectory(data).LedgerPath)!.Height);

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains($"OK: {after + 1} blocks", verify.Stdout);

        // One byte of a committed transaction, changed in the database as someone with SQL access could.
        await postgres.Server.ExecuteAsync(database, "UPDATE transactions SET body = set_byte(body, 50, get_byte(body, 50) # 4) WHERE height = 1 AND idx = 0", Ct);
        var tampered = await CliProcess.RunAsync("verify", "--data", data, "--json");
        Assert.True(tampered.ExitCode == 1, tampered.Stdout + tampered.Stderr);
        using var report = JsonDocument.Parse(tampered.Stdout);
        Assert.False(report.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(1UL, report.RootElement.GetProperty("height").GetUInt64());

        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.True(up.ExitCode == 2, up.Stdout + up.Stderr);
        Assert.Contains("failed its start-up integrity check", up.Stderr);
        Assert.DoesNotContain("HealthLedger is running", up.Stdout);
    }

    [Fact]
    public async Task A_server_that_cannot_be_used_or_a_database_holding_a_network_is_one_clear_line_without_the_password()
    {
        using var dir = new TempDirectory();
        const string Secret = "Sup3r-secret-pw";
        var closed = CliProcess.FreePort();

        var unreachable = await CliProcess.RunAsync("init", "--data", dir.Combine("a"), "--store", $"Host=127.0.0.1;Port={closed};Database=clinic;Username=clinic;Password={Secret};Timeout=3");
        Assert.Equal(2, unreachable.ExitCode);
        var line = Assert.Single(unreachable.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"error: cannot connect to the ledger's PostgreSQL database 'clinic' on 127.0.0.1:{closed} as user 'clinic': ", line);
        Assert.DoesNotContain(Secret, unreachable.Stdout + unreachable.Stderr);
        Assert.False(Directory.Exists(dir.Combine("a")), "nothing is left behind");

        var several = await CliProcess.RunAsync("init", "--data", dir.Combine("b"), "--nodes", "4", "--store", $"Host=127.0.0.1;Port={closed};Database=clinic");
        Assert.Equal(2, several.ExitCode);
        Assert.Contains("--store is for a single node", several.Stderr);

        // A database that already holds a network is not given to another.
        var (database, store) = await postgres.NewDatabaseAsync();
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", dir.Combine("first"), "--store", store)).ExitCode);
        var second = await CliProcess.RunAsync("init", "--data", dir.Combine("second"), "--store", store);
        Assert.Equal(2, second.ExitCode);
        Assert.Contains($"PostgreSQL database '{database}'", second.Stderr);
        Assert.Contains("already holds a ledger (network '", second.Stderr);
        Assert.False(Directory.Exists(dir.Combine("second")));

        // A node whose server is down does not start, in one line naming the server, not the password.
        var folder = new DataDirectory(dir.Combine("first"));
        var config = NodeConfig.Read(folder)!;
        NodeConfig.Write(folder, config with { Store = $"Host=127.0.0.1;Port={closed};Database={database};Username=postgres;Password={Secret};Timeout=3" });
        var up = await CliProcess.RunAsync("up", "--data", folder.Root, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.Equal(2, up.ExitCode);
        Assert.StartsWith($"error: the node did not start: cannot connect to the ledger's PostgreSQL database '{database}' on 127.0.0.1:{closed}", up.Stderr.Trim());
        Assert.Single(up.Stderr.Trim().Split('\n'));
        Assert.DoesNotContain(Secret, up.Stdout + up.Stderr);
        var verify = await CliProcess.RunAsync("verify", "--data", folder.Root);
        Assert.Equal(2, verify.ExitCode);
        Assert.Contains("cannot connect to the ledger's PostgreSQL database", verify.Stderr);
        Assert.DoesNotContain(Secret, verify.Stdout + verify.Stderr);
    }

    [Fact]
    public async Task A_node_that_stops_because_a_commit_failed_exits_with_a_failure_code()
    {
        // The fault: the node logged "committing block N failed; the node shuts down" and then exited 0, so a service manager
        // restarting on failure (systemd Restart=on-failure) or a monitor took it for a clean stop.
        using var dir = new TempDirectory();
        var (database, node) = await NodeOnNewDatabaseAsync(dir);
        using var _ = node;

        // Someone with SQL access moves a table away under the running node: its next block cannot be committed.
        await postgres.Server.ExecuteAsync(database, "ALTER TABLE receipts RENAME TO receipts_moved", Ct);
        using (var content = node.Registration("pg-fail", 0))
        using (var accepted = await node.Http.PostAsync("/api/v1/transactions", content, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, node.Process.ExitCode);
        Assert.Contains("[1003]", node.Process.Stdout + node.Process.Stderr);
        Assert.Contains("error: the node stopped: committing block 1 failed (event 1003)", node.Process.Stderr);
        await postgres.Server.ExecuteAsync(database, "ALTER TABLE receipts_moved RENAME TO receipts", Ct);
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM blocks")); // genesis only: nothing half-written
    }

    // Break-it (2026-12-05): with PostgreSQL out of reach under a running node, every read that went to the database answered
    // 500. It is the database, not the request: 503 with Retry-After and words that say so, and the node answers again once
    // the database is back.
    [Fact]
    public async Task A_read_that_cannot_reach_the_database_is_answered_503_with_Retry_After_not_500()
    {
        using var dir = new TempDirectory();
        var (database, node) = await NodeOnNewDatabaseAsync(dir);
        using var _ = node;
        string id;
        using (var content = node.Registration("pg-read", 0))
        using (var committed = await node.Http.PostAsync("/api/v1/transactions?wait=true", content, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
            id = (await committed.Content.ReadFromJsonAsync<TransactionStatusResponse>(Ct))!.Id;
        }
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync($"/api/v1/transactions/{id}", Ct)).StatusCode);

        await postgres.Server.ExecuteAsync(database, "ALTER TABLE receipts RENAME TO receipts_away", Ct);
        using (var refused = await node.Http.GetAsync($"/api/v1/transactions/{id}", Ct))
        {
            var body = await refused.Content.ReadAsStringAsync(Ct);
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, body);
            Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
            Assert.Contains("Ledger database unavailable", body);
            Assert.DoesNotContain("receipts", body); // the database's own words stay in the log
        }
        await postgres.Server.ExecuteAsync(database, "ALTER TABLE receipts_away RENAME TO receipts", Ct);
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync($"/api/v1/transactions/{id}", Ct)).StatusCode);
    }

    // Break-it (2026-12-05): a database failure under the integrity sweep (here PostgreSQL ending the start's view, an idle
    // transaction, after idle_in_transaction_session_timeout) was recorded as tampering, and every later start refused. It is
    // not damage: no record, the node stops (exit 1) rather than run unchecked, and the next start checks everything itself.
    [Fact]
    public async Task A_database_failure_under_the_integrity_sweep_is_not_recorded_as_damage()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var (database, store) = await postgres.NewDatabaseAsync();
        var init = await CliProcess.RunAsync("init", "--data", data, "--store", store);
        Assert.True(init.ExitCode == 0, init.Stdout + init.Stderr);
        var height = await CommitAsync(data, ["sweep-a", "sweep-b"]); // a clean stop: ledger.tree is kept
        var folder = new DataDirectory(data);
        Assert.True(File.Exists(StateTreeFile.PathFor(folder.LedgerPath)));

        await postgres.Server.ExecuteAsync(database, $"ALTER DATABASE \"{database}\" SET idle_in_transaction_session_timeout = '50ms'", Ct);
        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.True(up.ExitCode == 1, up.Stdout + up.Stderr);
        Assert.Contains("[1014]", up.Stdout + up.Stderr);
        Assert.Contains("the integrity sweep could not read the ledger's database", up.Stderr);
        Assert.DoesNotContain("[1009]", up.Stdout + up.Stderr);
        Assert.False(File.Exists(Path.Combine(data, Node.Ledger.LedgerNode.DamageFileName)));
        Assert.False(File.Exists(StateTreeFile.PathFor(folder.LedgerPath))); // the next start hashes every entry

        await postgres.Server.ExecuteAsync(database, $"ALTER DATABASE \"{database}\" RESET idle_in_transaction_session_timeout", Ct);
        Assert.Equal(height, await CommitAsync(data, [], expectedHeight: height));
    }

    // Break-it (2026-12-05): after a PostgreSQL restart the node's writer connection was reused as it was, so the first block
    // after it failed (57P01) and the node stopped. A connection the server ended is opened again and the block written once more.
    [Fact]
    public async Task Writes_go_on_after_the_server_ended_the_nodes_connections()
    {
        using var dir = new TempDirectory();
        var (database, node) = await NodeOnNewDatabaseAsync(dir);
        using var _ = node;
        for (var i = 0; i < 2; i++)
        {
            // Every connection of the node ended by the server, as a restart or a failover does.
            await postgres.Server.ExecuteAsync(database, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()", Ct);
            using var content = node.Registration($"pg-restart-{i}", (ulong)i);
            using var committed = await node.Http.PostAsync("/api/v1/transactions?wait=true", content, Ct);
            Assert.True(committed.StatusCode == HttpStatusCode.OK, await committed.Content.ReadAsStringAsync(Ct) + node.Process.Stderr);
        }
        Assert.False(node.Process.HasExited);
        Assert.Equal(3, await CountAsync(database, "SELECT COUNT(*) FROM blocks"));
    }

    // Break-it (2026-12-06): with its PostgreSQL database refusing connections, an idle node's /healthz still answered 200 "ok"
    // (nothing wrote, so nothing had failed): a monitor saw a healthy node that could serve no record. It probes the database
    // (at most once a second): 503 with Retry-After while the database does not answer, 200 again once it does.
    [Fact]
    public async Task Healthz_answers_503_while_the_database_refuses_connections_and_200_once_it_is_back()
    {
        using var dir = new TempDirectory();
        var (database, node) = await SweptNodeOnNewDatabaseAsync(dir);
        using var _ = node;

        await postgres.Server.ExecuteAsync("postgres", $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false", Ct);
        await postgres.Server.ExecuteAsync("postgres", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'", Ct);
        using (var refused = await UnhealthyAsync(node))
        {
            var body = await refused.Content.ReadAsStringAsync(Ct);
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, body);
            Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Ledger database unavailable", body);
            Assert.DoesNotContain(database, body); // the database's own words stay in the log
        }

        await postgres.Server.ExecuteAsync("postgres", $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true", Ct);
        Assert.True(await HealthAsync(node, h => h.Status == "ok"), node.Process.Stdout + node.Process.Stderr);
        Assert.False(node.Process.HasExited);
        // The log lines reach this test through the process's output pipe, which may trail the answer: wait for them.
        Assert.True(SpinWait.SpinUntil(() => node.Process.Stdout is var logged && logged.Contains("[1016]", StringComparison.Ordinal) && logged.Contains("[1017]", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30)), node.Process.Stdout);
    }

    // Break-it (2026-12-06): PostgreSQL restarted under a running node (pg_ctl restart, ~2 s down) stopped the node for good:
    // the block it was committing met "57P03: the database system is shutting down", and a failed commit halted it. An outage
    // is not a refusal: the block is committed again once the database answers, and the write that waited for it lands.
    [Fact]
    public async Task A_block_committed_while_the_database_restarts_lands_once_it_is_back_and_the_node_goes_on()
    {
        using var dir = new TempDirectory();
        var (database, node) = await SweptNodeOnNewDatabaseAsync(dir);
        using var _ = node;
        using (var content = node.Registration("pg-outage-a", 0))
        using (var committed = await node.Http.PostAsync("/api/v1/transactions?wait=true", content, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
        }

        string id;
        try
        {
            postgres.Server.Shutdown();
            using var content = node.Registration("pg-outage-b", 1);
            using var accepted = await node.Http.PostAsync("/api/v1/transactions", content, Ct);
            Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync(Ct));
            id = (await accepted.Content.ReadFromJsonAsync<TransactionStatusResponse>(Ct))!.Id;
            // The node says it waits for the database (its log reaches this test through a pipe: wait for the line).
            Assert.True(SpinWait.SpinUntil(() => node.Process.Stdout.Contains("[1018]", StringComparison.Ordinal) || node.Process.HasExited, TimeSpan.FromSeconds(30)),
                node.Process.Stdout + node.Process.Stderr);
            Assert.False(node.Process.HasExited, node.Process.Stderr);
        }
        finally
        {
            await postgres.Server.StartAgainAsync(Ct); // the class's other tests use this server too
        }

        Assert.True(await CommittedAsync(node, id), node.Process.Stdout + node.Process.Stderr);
        Assert.True(SpinWait.SpinUntil(() => node.Process.Stdout.Contains("[1019]", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), node.Process.Stdout);
        Assert.False(node.Process.HasExited, node.Process.Stderr);
        Assert.Equal(3, await CountAsync(database, "SELECT COUNT(*) FROM blocks")); // genesis and the two registrations' blocks, each once
    }

    // Break-it (2026-12-06): load waiting for its last transaction while the node's database was down died with an unhandled
    // HttpRequestException (503), without its summary. It waits through the outage (Retry-After) and ends as usual.
    [Fact]
    public async Task Load_waits_for_its_last_transaction_through_a_database_outage_and_ends_with_its_summary()
    {
        using var dir = new TempDirectory();
        var (_, node) = await SweptNodeOnNewDatabaseAsync(dir);
        using var _ = node;
        CliProcess? load = null;
        try
        {
            postgres.Server.Shutdown();
            load = CliProcess.Start("load", "--data", dir.Combine("data"), "--url", node.Http.BaseAddress!.ToString(), "--count", "20");
            Assert.True(SpinWait.SpinUntil(() => load.Stdout.Contains("answers 503", StringComparison.Ordinal) || load.HasExited, TimeSpan.FromSeconds(60)),
                load.Stdout + load.Stderr);
            Assert.False(load.HasExited, load.Stdout + load.Stderr);
            Assert.Contains("The node answers 503: Ledger database unavailable: waiting for the last transaction to commit (Ctrl+C stops)", load.Stdout);
        }
        finally
        {
            await postgres.Server.StartAgainAsync(Ct);
        }
        using (load)
        {
            await load.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(load.ExitCode == 0, load.Stdout + load.Stderr);
            Assert.Contains("Submitted 20: 20 accepted at the door, 0 refused", load.Stdout);
            Assert.Contains("All accepted transactions committed by block", load.Stdout);
            Assert.DoesNotContain("Unhandled", load.Stderr);
        }
    }

    // A node asked to stop while its commit waits for the database stops at once and cleanly (exit 0): nothing of the block was
    // stored, and the next start, with the database back, serves the chain as it was.
    [Fact]
    public async Task A_node_stopped_while_it_waits_for_the_database_stops_cleanly_and_starts_again_once_it_is_back()
    {
        using var dir = new TempDirectory();
        var (database, node) = await SweptNodeOnNewDatabaseAsync(dir);
        var data = dir.Combine("data");
        try
        {
            using (node)
            {
                postgres.Server.Shutdown();
                using (var content = node.Registration("pg-stop", 0))
                using (var accepted = await node.Http.PostAsync("/api/v1/transactions", content, Ct))
                {
                    Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
                }
                Assert.True(SpinWait.SpinUntil(() => node.Process.Stdout.Contains("[1018]", StringComparison.Ordinal) || node.Process.HasExited, TimeSpan.FromSeconds(30)),
                    node.Process.Stdout + node.Process.Stderr);
                node.Process.Terminate();
                await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(20));
                Assert.True(node.Process.ExitCode == 0, node.Process.Stderr);
                Assert.DoesNotContain("the node stopped", node.Process.Stderr);
            }
        }
        finally
        {
            await postgres.Server.StartAgainAsync(Ct);
        }
        Assert.Equal(1, await CountAsync(database, "SELECT COUNT(*) FROM blocks")); // nothing of the waiting block was stored
        Assert.Equal(1ul, await CommitAsync(data, ["pg-stop-after"], expectedHeight: 0));
    }

    // Break-it (2026-12-06): with the database hanging rather than refusing (every PostgreSQL process stopped, as a network that
    // drops packets does), /healthz did not answer at all: a monitor's request timed out instead of reading 503. It answers 503
    // within the probe's wait (2 s), and 200 again once the database answers.
    [Fact]
    public async Task Healthz_answers_503_at_once_while_the_database_hangs_and_200_once_it_answers()
    {
        using var dir = new TempDirectory();
        var (_, node) = await SweptNodeOnNewDatabaseAsync(dir);
        using var _ = node;
        try
        {
            postgres.Server.Freeze();
            using (var answer = await UnhealthyAsync(node))
            {
                var body = await answer.Content.ReadAsStringAsync(Ct);
                Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, body);
                Assert.Contains("Ledger database unavailable", body);
            }
        }
        finally
        {
            postgres.Server.Thaw();
        }
        Assert.True(await HealthAsync(node, h => h.Status == "ok"), node.Process.Stdout + node.Process.Stderr);
        Assert.True(SpinWait.SpinUntil(() => node.Process.Stdout.Contains("no answer within 2 s", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), node.Process.Stdout);
    }

    // Polls /healthz (every 100 ms, up to 30 s; the probe's answer stands a second, so the one from before a fault may come
    // first) until it answers other than 200: that answer. A /healthz that does not answer fails the test at the deadline.
    private static async Task<HttpResponseMessage> UnhealthyAsync(RunningNode node)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var answer = await node.Http.GetAsync("/healthz", deadline.Token);
            if (answer.StatusCode != HttpStatusCode.OK) return answer;
            answer.Dispose();
            await Task.Delay(100, deadline.Token);
        }
    }

    // Polls the transaction's status (every 100 ms, up to 60 s) until it is committed.
    private static async Task<bool> CommittedAsync(RunningNode node, string id)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                using (var response = await node.Http.GetAsync($"/api/v1/transactions/{id}", deadline.Token))
                {
                    if (response.StatusCode == HttpStatusCode.OK
                        && (await response.Content.ReadFromJsonAsync<TransactionStatusResponse>(deadline.Token))!.Status == "committed") return true;
                }
                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    // Polls /healthz (every 100 ms, up to 30 s) until it answers 200 with a body that satisfies the condition.
    private static async Task<bool> HealthAsync(RunningNode node, Func<HealthResponse, bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                using (var response = await node.Http.GetAsync("/healthz", deadline.Token))
                {
                    if (response.StatusCode == HttpStatusCode.OK && condition((await response.Content.ReadFromJsonAsync<HealthResponse>(deadline.Token))!)) return true;
                }
                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return false;
        }
    }

    // A network initialised on a new database (init --store) and its node running: the database's name and the node.
    private async Task<(string Database, RunningNode Node)> NodeOnNewDatabaseAsync(TempDirectory dir)
    {
        var data = dir.Combine("data");
        var (database, store) = await postgres.NewDatabaseAsync();
        var init = await CliProcess.RunAsync("init", "--data", data, "--store", store);
        Assert.True(init.ExitCode == 0, init.Stdout + init.Stderr);
        return (database, await RunningNode.StartAsync(data));
    }

    // As NodeOnNewDatabaseAsync, once the node's integrity sweep has finished: it reads the database too (and stops the node
    // if it cannot), so a test that takes the database away lets it finish first.
    private async Task<(string Database, RunningNode Node)> SweptNodeOnNewDatabaseAsync(TempDirectory dir)
    {
        var (database, node) = await NodeOnNewDatabaseAsync(dir);
        try
        {
            Assert.True(await HealthAsync(node, h => h.IntegritySweep is "passed" or "notNeeded"), node.Process.Stdout + node.Process.Stderr);
            return (database, node);
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    // Starts the node, registers one patient per id through the API (each committed before the next), stops it cleanly; returns
    // the height. With expectedHeight, first checks that the node serves the chain up to it (after a restart).
    private static async Task<ulong> CommitAsync(string data, string[] ids, ulong? expectedHeight = null)
    {
        using var node = await RunningNode.StartAsync(data);
        if (expectedHeight is { } expected) Assert.Equal(expected, (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height);
        for (var i = 0; i < ids.Length; i++)
        {
            using var content = node.Registration(ids[i], (ulong)i);
            using var response = await node.Http.PostAsync("/api/v1/transactions?wait=true", content, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var height = (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;
        node.Process.Terminate();
        await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(node.Process.ExitCode == 0, node.Process.Stderr);
        // A clean stop closes the keystore: SQLite removes its -wal and -shm (break-it 2026-12-06: they were left behind).
        Assert.Empty(Directory.GetFiles(data, "keystore.db-*"));
        return height;
    }

    /// <summary>
    /// <c>healthledger up</c> on a data folder, serving, with the admin's keys unsealed from its keystore and the admin's signer
    /// record (network, organisation, next nonce): the set-up of every test here that submits transactions.
    /// </summary>
    private sealed class RunningNode : IDisposable
    {
        private readonly Core.Crypto.UserKeys _admin;

        private RunningNode(CliProcess process, HttpClient http, Core.Crypto.UserKeys admin, SignerResponse signer)
        {
            Process = process;
            Http = http;
            _admin = admin;
            Signer = signer;
        }

        public CliProcess Process { get; }

        public HttpClient Http { get; }

        public SignerResponse Signer { get; }

        public static async Task<RunningNode> StartAsync(string data)
        {
            Core.Crypto.UserKeys admin;
            using (var keystore = Keystore.Open(new DataDirectory(data).KeystorePath)) admin = keystore.Unseal("admin", CliProcess.Password)!;
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // the node opens the keystore next
            var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
            var process = CliProcess.Start("up", "--data", data, "--urls", url);
            var http = new HttpClient { BaseAddress = new Uri(url) };
            try
            {
                await process.WaitUntilServingAsync();
                return new RunningNode(process, http, admin, await Signers.GetAsync(http, admin));
            }
            catch
            {
                http.Dispose();
                process.Dispose();
                admin.Dispose();
                throw;
            }
        }

        /// <summary>The admin's registration of patient <paramref name="id"/> at the signer's next nonce + <paramref name="offset"/>, as a raw transaction body.</summary>
        public ByteArrayContent Registration(string id, ulong offset)
        {
            using var keys = TestNetwork.KeysFor(id);
            var tx = Transaction.Create(Signer.Network, _admin.Signing, Signer.NextNonce + offset,
                new RegisterUserPayload(id, Role.Patient, Signer.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey));
            var content = new ByteArrayContent(tx.Encoded.ToArray());
            content.Headers.ContentType = new("application/octet-stream");
            return content;
        }

        public void Dispose()
        {
            Http.Dispose();
            Process.Dispose();
            _admin.Dispose();
        }
    }

    private async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(postgres.Server.ConnectionString(database, "Pooling=false"));
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
