using System.Net.Http.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;

namespace HealthLedger.Cli.Tests;

public class CommandTests
{
    [Fact]
    public void The_default_consortium_gives_every_organisation_a_switchboard_and_the_seed_number_is_the_kth()
    {
        var (organisations, problem) = Commands.ConsortiumUpCommand.Parse(Commands.ConsortiumUpCommand.DefaultOrganisations);
        Assert.Null(problem);
        Assert.Equal(["+44 20 7946 0100", "+44 20 7946 0200", "+44 20 7946 0300", "+44 20 7946 0400"], organisations!.Select(o => o.Contact));
        Assert.Equal("", Commands.ConsortiumUpCommand.Parse("City Lab:laboratory").Organisations!.Single().Contact);
        Assert.Equal("+44 20 7946 0300", Commands.ConsortiumUpCommand.SyntheticSwitchboard(3));
    }

    [Theory]
    [InlineData("init")]
    [InlineData("up")]
    [InlineData("verify")]
    [InlineData("load")]
    [InlineData("seed")]
    public async Task Every_command_has_help(string command)
    {
        var (code, stdout, _) = await CliProcess.RunAsync(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout);
        Assert.Contains("--data", stdout);
    }

    [Fact]
    public async Task Init_then_verify_reports_the_genesis_block()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var init = await CliProcess.RunAsync("init", "--data", data, "--org", "St. Mary's Hospital");
        Assert.Equal(0, init.ExitCode);
        Assert.Contains("for organisation 'st.-mary-s-hospital'", init.Stdout);
        Assert.Contains("password from HEALTHLEDGER_ADMIN_PASSWORD", init.Stdout);
        Assert.DoesNotContain(CliProcess.Password, init.Stdout);

        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.Equal(0, verify.ExitCode);
        Assert.Matches(@"^OK: 1 block, 1 transaction, final state root [0-9a-f]{64}\s*$", verify.Stdout);

        var json = await CliProcess.RunAsync("verify", "--data", data, "--json");
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"ok\":true", json.Stdout);
    }

    [Fact]
    public async Task A_second_init_into_the_same_folder_fails_with_one_line()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var again = await CliProcess.RunAsync("init", "--data", data);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Single(again.Stderr.Trim().Split('\n'));
        Assert.StartsWith("error: ", again.Stderr);
    }

    // break14: "--minutes 99999999999" printed "System.Nullable`1[System.Int32]"; every whole-number option names itself and its range.
    [Theory]
    [InlineData(new[] { "consortium", "declare-emergency", "--minutes", "99999999999" }, "error: --minutes must be a whole number of minutes from 1 to 43200 (got 99999999999) (see 'healthledger consortium declare-emergency --help')")]
    [InlineData(new[] { "consortium", "declare-emergency", "--minutes", "0" }, "error: --minutes must be a whole number of minutes from 1 to 43200 (got 0) (see 'healthledger consortium declare-emergency --help')")]
    [InlineData(new[] { "seed", "--patients", "many" }, "error: --patients must be a whole number from 1 to 100000 (got 'many') (see 'healthledger seed --help')")]
    [InlineData(new[] { "load", "--rate", "-3" }, "error: --rate must be a whole number of transactions per second from 0 to 1000000 (got -3) (see 'healthledger load --help')")]
    [InlineData(new[] { "join", "--wait-minutes", "1.5" }, "error: --wait-minutes must be a whole number of minutes from 0 to 10080 (got '1.5') (see 'healthledger join --help')")]
    public async Task A_bad_whole_number_option_names_the_option_and_its_range_in_one_line(string[] args, string expected)
    {
        var run = await CliProcess.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(expected, run.Stderr.Trim());
    }

    // Break-it (2026-12-06): "--url http://127.0.0.1:99999" was said not to be an http:// address; the port is what is wrong.
    [Theory]
    [InlineData(new[] { "load", "--data", "no-such-folder", "--url", "http://127.0.0.1:99999" }, "error: --url: port 99999 is out of range (1 to 65535) in 'http://127.0.0.1:99999'")]
    [InlineData(new[] { "consortium", "proposals", "--user", "admin", "--url", "https://node.example:123456/" }, "error: --url: port 123456 is out of range (1 to 65535) in 'https://node.example:123456/'")]
    [InlineData(new[] { "load", "--data", "no-such-folder", "--url", "ftp://node.example" }, "error: --url must be an http:// or https:// address (got 'ftp://node.example')")]
    public async Task A_url_out_of_range_or_of_another_scheme_is_named_in_one_line(string[] args, string expected)
    {
        var run = await CliProcess.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(expected, run.Stderr.Trim());
    }

    // break: "init --store ''" made a SQLite network; an empty or blank value of any text option is refused, not taken for its default.
    [Theory]
    [InlineData(new[] { "init", "--store", "" }, "error: --store must not be empty (leave it out for its default) (see 'healthledger init --help')")]
    [InlineData(new[] { "init", "--store", "  " }, "error: --store must not be empty (leave it out for its default) (see 'healthledger init --help')")]
    [InlineData(new[] { "init", "--org", " " }, "error: --org must not be empty (leave it out for its default) (see 'healthledger init --help')")]
    [InlineData(new[] { "verify", "--json", "--data", "" }, "error: --data must not be empty (see 'healthledger verify --help')")]
    [InlineData(new[] { "load", "--url", "" }, "error: --url must not be empty (leave it out for its default) (see 'healthledger load --help')")]
    [InlineData(new[] { "consortium", "up", "--orgs", "" }, "error: --orgs must not be empty (leave it out for its default) (see 'healthledger consortium up --help')")]
    [InlineData(new[] { "import", "" }, "error: PATHS must not be empty (see 'healthledger import --help')")]
    public async Task An_empty_option_value_is_refused_in_one_line_and_creates_nothing(string[] args, string expected)
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        // --data is given unless the case is about --data itself.
        var run = await CliProcess.RunAsync(args.Contains("--data") ? args : [.. args, "--data", data]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(expected, run.Stderr.Trim());
        Assert.False(Directory.Exists(data));
    }

    // break: a value of HEALTHLEDGER_NODES_ON_MACHINE that was not a whole number of at least 1 was taken as 1 in silence, so a
    // node of a local network took the whole machine's admission budget; every command that starts a node refuses it first.
    [Theory]
    [InlineData("two", new[] { "up" })]
    [InlineData("0", new[] { "node" })]
    [InlineData("-4", new[] { "cluster", "up", "--nodes", "4" })]
    [InlineData("4096", new[] { "consortium", "up" })]
    public async Task A_bad_count_of_nodes_on_the_machine_is_refused_in_one_line_and_creates_nothing(string value, string[] command)
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var run = await CliProcess.RunAsync(new Dictionary<string, string?> { [MachineShare.Variable] = value }, [.. command, "--data", data]);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {MachineShare.Variable} is \"{value}\": it must be the number of nodes on this machine, a whole number from 1 to 1024 (or unset for 1).", run.Stderr.Trim());
        Assert.False(Directory.Exists(data));
    }

    // Break-it (2026-12-07): 1024 nodes on a 2-processor machine left a node 1 write at once ("at most 1 writes"), said nowhere
    // but in that line; a share under 8 writes is now warned of at the start.
    [Fact]
    public async Task A_share_of_the_machine_that_leaves_a_node_a_handful_of_writes_is_warned_of_at_the_start()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var writes = MachineShare.Of(64, Environment.ProcessorCount, 1024);
        using var node = CliProcess.Start(new Dictionary<string, string?> { [MachineShare.Variable] = "1024" }, "up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        await node.WaitUntilServingAsync();
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains($"Admission: at most {writes} write{(writes == 1 ? "" : "s")}, ", node.Stdout, StringComparison.Ordinal);
        var warning = Assert.Single(node.Stderr.Trim().Split('\n'), l => l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.StartsWith($"warning: {MachineShare.Variable}=1024 leaves this node under 1/8 of a processor ({Environment.ProcessorCount} processors shared by 1024 nodes): " +
            $"its default budgets are {writes} write", warning);
        Assert.Contains("refused with 503", warning);

        // node.json setting only the writes: the other budgets still come from the share, still warned of; setting all three, not.
        await File.WriteAllTextAsync(Path.Combine(data, "node.json"), """{ "admission": { "writes": 100 } }""", TestContext.Current.CancellationToken);
        Assert.Contains("leaves this node under 1/8 of a processor", await StartAndStopAsync(data));
        await File.WriteAllTextAsync(Path.Combine(data, "node.json"), """{ "admission": { "writes": 100, "uploads": 10, "reads": 100 } }""", TestContext.Current.CancellationToken);
        Assert.DoesNotContain("warning:", await StartAndStopAsync(data));

        // A share of 1/8 of a processor or more: no warning.
        Assert.DoesNotContain("warning:", await StartAndStopAsync(data, nodes: (8 * Environment.ProcessorCount).ToString(System.Globalization.CultureInfo.InvariantCulture), noJson: true));
    }

    // Starts 'up' on the folder with HEALTHLEDGER_NODES_ON_MACHINE (1024 unless given), stops it; returns its stderr.
    private static async Task<string> StartAndStopAsync(string data, string nodes = "1024", bool noJson = false)
    {
        if (noJson) File.Delete(Path.Combine(data, "node.json"));
        using var node = CliProcess.Start(new Dictionary<string, string?> { [MachineShare.Variable] = nodes }, "up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        await node.WaitUntilServingAsync();
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return node.Stderr;
    }

    // Break-it (2026-12-07): a single-node hospital could not publish its switchboard on the public on-call page (init and up had
    // no contact option: "not published" for ever); --contact puts it on the chain at the genesis, as consortium up's does.
    [Fact]
    public async Task Init_with_a_contact_publishes_the_switchboard_on_the_on_call_page_and_a_contact_of_two_lines_is_refused()
    {
        using var dir = new TempDirectory();
        var bad = await CliProcess.RunAsync("init", "--data", dir.Combine("bad"), "--contact", "+44 20\n7946 0000");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("error: --contact must be one line of at most 200 bytes of UTF-8 text, without control, invisible, direction-changing, private-use or unassigned characters (it holds U+000A at position 7).", bad.Stderr.Trim());
        Assert.False(Directory.Exists(dir.Combine("bad")));
        // A right-to-left mark would make the public number read otherwise.
        var bidi = await CliProcess.RunAsync("init", "--data", dir.Combine("bad"), "--contact", "+44 20 \u200f7946 0000");
        Assert.Equal(2, bidi.ExitCode);
        Assert.False(Directory.Exists(dir.Combine("bad")));

        var data = dir.Combine("data");
        var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var node = CliProcess.Start("up", "--data", data, "--contact", "+44 20 7946 0000", "--urls", url);
        await node.WaitUntilServingAsync();
        using var http = new HttpClient();
        var onCall = await http.GetStringAsync($"{url}/api/v1/public/on-call", TestContext.Current.CancellationToken);
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("\"switchboard\":\"+44 20 7946 0000\"", onCall, StringComparison.Ordinal);
    }

    // Break-it (2026-12-07): consortium request refused a contact over 100 characters ("--contact must be one line of at most
    // 100 characters…") where init, up and consortium up took 200 bytes, and each said its own rule. One rule, one line.
    [Fact]
    public async Task Every_command_that_takes_a_contact_refuses_the_same_contact_with_the_same_line_and_takes_200_bytes()
    {
        using var dir = new TempDirectory();
        var bad = "+44 20 7946 \uE000";
        var line = "error: --contact must be one line of at most 200 bytes of UTF-8 text, without control, invisible, direction-changing, " +
            "private-use or unassigned characters (it holds U+E000 at position 13).";
        var peer = $"http://127.0.0.1:{CliProcess.FreePort()}";
        foreach (var command in new[] { new[] { "init" }, ["up", "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}"], ["consortium", "request", "--org", "Harbour Clinic", "--type", "clinic", "--peer-listen", peer] })
        {
            var run = await CliProcess.RunAsync([.. command, "--data", dir.Combine("bad"), "--contact", bad]);
            Assert.Equal(2, run.ExitCode);
            Assert.Equal(line, run.Stderr.Trim());
            Assert.False(Directory.Exists(dir.Combine("bad")));
        }

        var long150 = "desk@harbour-clinic.example " + new string('0', 122);
        var request = await CliProcess.RunAsync("consortium", "request", "--org", "Harbour Clinic", "--type", "clinic", "--peer-listen", peer,
            "--data", dir.Combine("clinic"), "--contact", long150);
        Assert.True(request.ExitCode == 0, request.Stderr);
        var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(dir.Combine("clinic", "join-request.json"), TestContext.Current.CancellationToken));
        Assert.Equal(long150, json.RootElement.GetProperty("organisation").GetProperty("contact").GetString());
    }

    // Break-it (2026-12-07): up on a folder that already holds a network ignored --org and the --care-after-… options in silence.
    [Fact]
    public async Task Up_on_an_existing_network_warns_that_the_options_that_make_one_are_ignored()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        using var node = CliProcess.Start("up", "--data", data, "--org", "Other Hospital", "--care-after-visit-days", "10", "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        await node.WaitUntilServingAsync();
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var warning = Assert.Single(node.Stderr.Trim().Split('\n'), l => l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.StartsWith($"warning: --org and --care-after-visit-days only count when up creates the network; {data} holds one already, so they are ignored", warning);
    }

    // Break-it (2026-12-07): a right-to-left override or a line separator in the value was printed raw (the line read otherwise on
    // a terminal, or became two), its cut at 40 characters split an emoji in two, and bench began its run before its nodes refused it.
    [Fact]
    public async Task A_bad_count_of_nodes_is_printed_without_format_characters_cut_whole_and_refused_by_bench_before_it_runs()
    {
        using var dir = new TempDirectory();
        var value = "4\u202e2\u2028" + new string('a', 35) + "\U0001F600";
        var run = await CliProcess.RunAsync(new Dictionary<string, string?> { [MachineShare.Variable] = value }, "up", "--data", dir.Combine("data"));
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {MachineShare.Variable} is \"4\\u202e2\\u2028{new string('a', 35)}…\": it must be the number of nodes on this machine, a whole number from 1 to 1024 (or unset for 1).", run.Stderr.Trim());

        var output = dir.Combine("bench");
        var bench = await CliProcess.RunAsync(new Dictionary<string, string?> { [MachineShare.Variable] = "two" }, "bench", "--quick", "--targets", "node", "--out", output);
        Assert.Equal(2, bench.ExitCode);
        Assert.StartsWith($"error: {MachineShare.Variable} is \"two\"", bench.Stderr.Trim());
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("--care-after-discharge-days", "400", "error: --care-after-discharge-days must be a whole number of days from 0 to 365 (got 400).")]
    [InlineData("--care-after-visit-days", "0", "error: --care-after-visit-days must be a whole number of days from 1 to 365 (got 0).")]
    [InlineData("--care-after-discharge-days", "ten", "error: --care-after-discharge-days must be a whole number of days from 0 to 365 (got 'ten').")]
    [InlineData("--care-after-visit-days", "3.5", "error: --care-after-visit-days must be a whole number of days from 1 to 365 (got '3.5').")]
    // break12: a negative or overflowing whole number was "must be a whole number of days (got '-1')", which it is.
    [InlineData("--care-after-discharge-days", "-1", "error: --care-after-discharge-days must be a whole number of days from 0 to 365 (got -1).")]
    [InlineData("--care-after-visit-days", "-5", "error: --care-after-visit-days must be a whole number of days from 1 to 365 (got -5).")]
    [InlineData("--care-after-visit-days", "99999999999", "error: --care-after-visit-days must be a whole number of days from 1 to 365 (got '99999999999').")]
    public async Task A_bad_care_period_at_init_fails_with_one_line_and_creates_nothing(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var init = await CliProcess.RunAsync("init", "--data", data, option, value);
        Assert.Equal(2, init.ExitCode);
        Assert.Equal(expected, init.Stderr.Trim());
        Assert.False(Directory.Exists(data));
    }

    // break: a PostgreSQL store without Database= used the user's default database in silence; refused wherever a store is read.
    [Fact]
    public async Task A_PostgreSQL_store_without_a_database_is_refused_at_init_and_in_node_json()
    {
        const string missing = "the PostgreSQL connection string names no Database (add Database=<the node's own database>: without it PostgreSQL would use the user's default database)";
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var init = await CliProcess.RunAsync("init", "--data", data, "--store", "Host=127.0.0.1;Port=1;Username=postgres");
        Assert.Equal(2, init.ExitCode);
        Assert.Equal($"error: --store: {missing}.", init.Stderr.Trim());
        Assert.False(Directory.Exists(data));

        var made = dir.Combine("made");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", made)).ExitCode);
        var config = Path.Combine(made, "node.json");
        foreach (var (store, problem) in new[] { ("Host=127.0.0.1;Port=1;Username=postgres", missing), ("", "it is empty (leave it out, or write 'sqlite', for the ledger.db file; or give a PostgreSQL connection string)") })
        {
            await File.WriteAllTextAsync(config, System.Text.Json.JsonSerializer.Serialize(new { urls = "http://127.0.0.1:5080", store }), TestContext.Current.CancellationToken);
            var verify = await CliProcess.RunAsync("verify", "--data", made);
            Assert.Equal(2, verify.ExitCode);
            Assert.Equal($"error: {config}: store: {problem}", verify.Stderr.Trim());
        }
    }

    [Fact]
    public async Task Init_sets_the_care_periods_of_the_network_policy()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var init = await CliProcess.RunAsync("init", "--data", data, "--care-after-discharge-days", "1", "--care-after-visit-days", "14");
        Assert.Equal(0, init.ExitCode);
        Assert.Contains("Care: doctors keep access 1 day after a discharge and 14 days after a visit", init.Stdout);
        using var store = Storage.SqliteLedgerStore.Open(Path.Combine(data, "ledger.db"), create: false);
        var policy = Core.Model.PolicyState.TryDecode(store.ReadStateValue(Core.Model.StateKeys.Policy))!;
        Assert.Equal((1, new Core.Model.NetworkPolicy(1, 14)), (policy.Version, policy.Policy));
    }

    [Fact]
    public async Task Verify_of_a_folder_without_a_ledger_fails_with_one_line()
    {
        using var dir = new TempDirectory();
        var result = await CliProcess.RunAsync("verify", "--data", dir.Combine("nothing"));
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: No ledger at", result.Stderr);
    }

    // break: 'verify --json' printed nothing on stdout when it exited 2; with --json stdout always carries one JSON document.
    [Theory]
    [InlineData("verify", "No ledger at ")]
    [InlineData("load", "no keystore in ")]
    public async Task A_json_command_that_cannot_start_still_prints_one_json_document(string command, string error)
    {
        using var dir = new TempDirectory();
        var cannotOpen = await CliProcess.RunAsync(command, "--json", "--data", dir.Combine("nothing"));
        var parseError = await CliProcess.RunAsync(command, "--json", "--no-such-option");
        foreach (var (run, expected) in new[] { (cannotOpen, error), (parseError, "Unrecognized command or argument '--no-such-option'") })
        {
            Assert.Equal(2, run.ExitCode);
            using var json = System.Text.Json.JsonDocument.Parse(run.Stdout);
            Assert.False(json.RootElement.GetProperty("ok").GetBoolean());
            var message = json.RootElement.GetProperty("error").GetString()!;
            Assert.Contains(expected, message);
            Assert.Equal("error: " + message, run.Stderr.Trim());
        }
    }

    [Fact]
    public async Task Up_on_an_https_url_serves_the_api_with_the_self_signed_certificate_init_made()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var url = $"https://127.0.0.1:{CliProcess.FreePort()}";
        using (var node = CliProcess.Start("up", "--data", data, "--urls", url, "--public-url", "https://records.hospital.example"))
        {
            await node.WaitUntilServingAsync();
            using var pinned = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(data, "keys", "tls.pfx"), null);
            var expected = pinned.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256).AsSpan().SequenceEqual(expected);
            using var http = new HttpClient(handler) { BaseAddress = new Uri(url) };
            using var health = await http.GetAsync("/healthz", TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
            node.Terminate();
            await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
    }

    // Break-it (2026-12-06): keystore.db deleted from a single node's folder was replaced at the next start by an empty one, and
    // the node's only admin could no longer log in, without a word. Now the start is refused naming the file; --new-keystore
    // makes the empty one when that is what the operator wants.
    [Fact]
    public async Task A_missing_keystore_stops_up_and_node_in_one_line_and_new_keystore_starts_with_an_empty_one()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var keystore = Path.Combine(data, "keystore.db");
        File.Delete(keystore);
        foreach (var command in new[] { "up", "node" })
        {
            var run = await CliProcess.RunAsync(command, "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
            Assert.Equal(2, run.ExitCode);
            var line = Assert.Single(run.Stderr.Trim().Split('\n'));
            Assert.StartsWith($"error: {keystore} (this node's logins: each user's keys, sealed by their password) is missing:", line);
            Assert.EndsWith("start once with --new-keystore.", line);
            Assert.False(File.Exists(keystore));
        }

        var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var node = CliProcess.Start("up", "--data", data, "--urls", url, "--new-keystore");
        await node.WaitUntilServingAsync();
        Assert.True(File.Exists(keystore));
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var login = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = CliProcess.Password }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, login.StatusCode); // a single node's first admin was only in the lost file
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    // The sibling of the missing keystore: a missing ledger.disclosures.db is made anew (a node with none pending loses nothing),
    // but what it held cannot be told, so the start says it was missing.
    [Fact]
    public async Task A_missing_pending_disclosures_file_is_made_anew_with_a_warning_naming_it()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var pending = Path.Combine(data, "ledger.disclosures.db");
        File.Delete(pending);
        using var node = CliProcess.Start("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        await node.WaitUntilServingAsync();
        Assert.Contains($"warning: {pending} (the pending disclosures: reads served but not yet on the chain) is missing: a new, empty one is made.", node.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(pending));
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_flipped_byte_makes_verify_exit_1_naming_it_and_up_refuse_to_start()
    {
        using var dir = new TempDirectory();
        var data = await InitThenChangedAsync(dir, "UPDATE transactions SET body = " + SqlTamper.FlipByte("body", 51) + " WHERE height = 0 AND idx = 0");
        var verify = await CliProcess.RunAsync("verify", "--data", data);
        Assert.Equal(1, verify.ExitCode);
        Assert.StartsWith("FAILED: block 0, transaction 0", verify.Stdout);

        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.Equal(2, up.ExitCode);
        Assert.Contains("failed its start-up integrity check", up.Stderr);
    }

    // Break-it (2026-12-05): a key read from a damaged ledger was printed as it was in the one error line, so a line break and
    // an escape sequence in it forged a log line and drove the terminal. Control characters are printed as \uXXXX.
    [Fact]
    public async Task A_key_with_control_characters_in_a_damaged_ledger_is_printed_in_one_line_without_them()
    {
        using var dir = new TempDirectory();
        var data = await InitThenChangedAsync(dir,
            "UPDATE state SET key = CAST('user/x' || char(10) || 'info: Integrity sweep passed' || char(27) || '[2J' AS BLOB) WHERE key = 'user/admin'");
        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.Equal(2, up.ExitCode);
        var line = Assert.Single(up.Stderr.Trim().Split('\n'));
        Assert.Contains("user/x\\u000ainfo: Integrity sweep passed\\u001b[2J", line);
        Assert.DoesNotContain('\u001b', up.Stderr);
    }

    // A network initialised in dir/data whose ledger.db one SQL statement (changing one row) then changed; returns the folder.
    private static async Task<string> InitThenChangedAsync(TempDirectory dir, string sql)
    {
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "ledger.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, command.ExecuteNonQuery());
        return data;
    }
}
