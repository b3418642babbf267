using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// Where 'up' listens: <c>--urls</c> on the command line, else node.json's <c>urls</c> in the data folder, else the default;
/// the address it prints is the one it answers at.
/// </summary>
public class UpUrlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<System.Net.HttpStatusCode> HealthAsync(string url)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(15) };
        using var health = await http.GetAsync("/healthz", Ct);
        return health.StatusCode;
    }

    [Fact]
    public async Task Up_listens_at_node_json_urls_and_a_urls_option_overrides_them()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var configured = $"http://127.0.0.1:{CliProcess.FreePort()}";
        await File.WriteAllTextAsync(Path.Combine(data, "node.json"), $$"""{ "urls": "{{configured}}" }""", Ct);

        // No --urls: node.json's address, printed and answering.
        using (var node = CliProcess.Start("up", "--data", data))
        {
            await node.WaitUntilServingAsync();
            Assert.Contains($"HealthLedger is running at {configured}  (health: {configured}/healthz", node.Stdout, StringComparison.Ordinal);
            Assert.Equal(System.Net.HttpStatusCode.OK, await HealthAsync(configured));
            node.Terminate();
            await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        // --urls wins over node.json: the node answers there, and nothing listens at node.json's address.
        var given = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using (var node = CliProcess.Start("up", "--data", data, "--urls", given))
        {
            await node.WaitUntilServingAsync();
            Assert.Contains($"HealthLedger is running at {given}  (", node.Stdout, StringComparison.Ordinal);
            Assert.Equal(System.Net.HttpStatusCode.OK, await HealthAsync(given));
            await Assert.ThrowsAsync<HttpRequestException>(() => HealthAsync(configured));
            node.Terminate();
            await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
    }

    // Break-it (2026-12-07): --urls http://0.0.0.0:P printed "running at http://0.0.0.0:P" (and [::] or * printed
    // "http://[::]:P"), addresses no browser opens; the links now say localhost, and a second line says what it listens on.
    [Fact]
    public async Task Up_on_every_address_prints_a_localhost_link_and_says_it_listens_on_every_address()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var port = CliProcess.FreePort();
        using var node = CliProcess.Start("up", "--data", data, "--urls", $"http://0.0.0.0:{port}");
        await node.WaitUntilServingAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, await HealthAsync($"http://localhost:{port}"));
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        // (Read once it has exited: the line after "running at" may not have arrived when that one did.)
        Assert.Contains($"HealthLedger is running at http://localhost:{port}  (health: http://localhost:{port}/healthz", node.Stdout, StringComparison.Ordinal);
        // (Kestrel listens on [::], both stacks, where the machine has IPv6; on 0.0.0.0 where it has not.)
        Assert.Matches($@"Listening on every address of this machine \(http://(\[::\]|0\.0\.0\.0):{port}\): other machines reach it at this machine's name or address, port {port}\.",
            node.Stdout);
    }

    // A node.json made by hand only to set the hospital's currency (or the admission limits) was refused for having no "urls",
    // though --urls and the default say where to listen; now only an empty "urls" is refused.
    // Break-it (2026-12-07): a port another program holds gave the one-line error on stderr, but first ASP.NET's own "Hosting
    // failed to start" log line with the exception's whole stack trace on stdout.
    [Fact]
    public async Task Up_on_a_port_in_use_says_so_in_one_line_without_a_stack_trace()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)holder.LocalEndpoint).Port}";
        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", url);
        Assert.Equal(2, up.ExitCode);
        // Said before the start-up check (it ran the whole check, then gave Kestrel's "address already in use").
        Assert.Equal($"error: cannot listen on {url}: the port is in use by another program; stop it or give --urls another address.", up.Stderr.Trim());
        Assert.DoesNotContain("Opening the organisation's records", up.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", up.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", up.Stdout + up.Stderr, StringComparison.Ordinal);

        // A new folder: the port is checked before the network is made (it was made, its password printed, and then the start failed).
        var fresh = dir.Combine("fresh");
        var first = await CliProcess.RunAsync("up", "--data", fresh, "--urls", url);
        Assert.Equal(2, first.ExitCode);
        Assert.Equal($"error: cannot listen on {url}: the port is in use by another program; stop it or give --urls another address. Nothing was created.", first.Stderr.Trim());
        Assert.DoesNotContain("Created network", first.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(fresh));

        // Break-it (2026-12-07, later): two addresses of the list on one port (each free alone) made the network first, then
        // Kestrel refused the second; an IPv4-mapped IPv6 address made it, then stopped with an unhandled SocketException.
        var free = CliProcess.FreePort();
        // (The same address twice is said so, not "in use by another program": break-it, 2026-12-07, evening.)
        var same = await CliProcess.RunAsync("up", "--data", fresh, "--urls", $"http://127.0.0.1:{free};http://127.0.0.1:{free}");
        Assert.Equal(2, same.ExitCode);
        Assert.Equal($"error: --urls: 'http://127.0.0.1:{free}' is given twice; give each address once.", same.Stderr.Trim());
        Assert.False(Directory.Exists(fresh));
        foreach (var (list, named) in new[]
        {
            ($"http://localhost:{free};http://127.0.0.1:{free}", $"http://127.0.0.1:{free}"),
        })
        {
            var twice = await CliProcess.RunAsync("up", "--data", fresh, "--urls", list);
            Assert.Equal(2, twice.ExitCode);
            Assert.Equal($"error: cannot listen on {named}: the port is in use by another program; stop it or give --urls another address. Nothing was created.", twice.Stderr.Trim());
            Assert.False(Directory.Exists(fresh));
        }
        var mapped = await CliProcess.RunAsync("up", "--data", fresh, "--urls", $"http://[::ffff:127.0.0.1]:{free}");
        Assert.Equal(2, mapped.ExitCode);
        var mappedLine = Assert.Single(mapped.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"error: cannot listen on http://[::ffff:127.0.0.1]:{free}: ", mappedLine);
        Assert.EndsWith("Nothing was created.", mappedLine);
        Assert.DoesNotContain("   at ", mapped.Stdout + mapped.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(fresh));

        // Break-it (2026-12-07): the check bound 127.0.0.1 only, so [::1] (or localhost) held on the IPv6 loopback alone still
        // made the network first.
        using var v6 = new System.Net.Sockets.TcpListener(System.Net.IPAddress.IPv6Loopback, 0);
        v6.Server.DualMode = false;
        v6.Start();
        var v6Port = ((System.Net.IPEndPoint)v6.LocalEndpoint).Port;
        foreach (var address in new[] { $"http://[::1]:{v6Port}", $"http://localhost:{v6Port}" })
        {
            var refused = await CliProcess.RunAsync("up", "--data", fresh, "--urls", address);
            Assert.Equal(2, refused.ExitCode);
            Assert.StartsWith($"error: cannot listen on {address}: the port is in use by another program", refused.Stderr.Trim());
            Assert.False(Directory.Exists(fresh));
        }
    }

    // Break-it (2026-12-07, evening): an address that cannot be listened on as written made the network first (and printed the
    // admin's password), then failed; port 0 failed with Kestrel's "Dynamic port binding is not supported"; a path was dropped
    // without a word. Each is refused in one line before anything is made.
    [Fact]
    public async Task Up_on_a_new_folder_refuses_an_address_it_cannot_listen_on_as_written_before_making_anything()
    {
        using var dir = new TempDirectory();
        var fresh = dir.Combine("fresh");
        var port = CliProcess.FreePort();
        foreach (var (urls, said) in new[]
        {
            ("http://localhost:notaport", "is not an address to listen on"),
            ($"ftp://localhost:{port}", "is not an address to listen on"),
            ($"localhost:{port}", "is not an address to listen on"),
            ("http://localhost:99999", "is not an address to listen on"),
            ($"http://[::1:{port}", "is not an address to listen on"),
            ("http://localhost:0", "has port 0; give the port to listen on"),
            ($"http://localhost:{port}/sub/path", "has more than a scheme, host and port"),
            ($"http://localhost:{port};", "has an empty address"),
        })
        {
            var refused = await CliProcess.RunAsync("up", "--data", fresh, "--urls", urls);
            Assert.Equal(2, refused.ExitCode);
            var line = Assert.Single(refused.Stderr.Trim().Split('\n'));
            Assert.StartsWith("error: --urls", line, StringComparison.Ordinal);
            Assert.Contains(said, line, StringComparison.Ordinal);
            Assert.DoesNotContain("Admin login", refused.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("Created network", refused.Stdout, StringComparison.Ordinal);
            Assert.False(Directory.Exists(fresh), urls);
        }
    }

    // Break-it (2026-12-07): with the port held on ::1 alone, 'up --urls http://*:PORT' (or +, or a host name) on a new folder
    // made the network, printed the admin's password and then stopped with "Failed to bind to address http://[::]:PORT": the
    // check bound the IPv4 any address, where Kestrel listens on the IPv6 any address, dual-stack, for these.
    [Fact]
    public async Task Up_on_a_new_folder_refuses_a_wildcard_or_host_name_address_whose_port_is_held_on_the_IPv6_loopback_alone()
    {
        using var dir = new TempDirectory();
        using var v6 = new System.Net.Sockets.TcpListener(System.Net.IPAddress.IPv6Loopback, 0);
        v6.Server.DualMode = false;
        v6.Start();
        var port = ((System.Net.IPEndPoint)v6.LocalEndpoint).Port;
        var fresh = dir.Combine("fresh");
        foreach (var address in new[] { $"http://*:{port}", $"http://+:{port}", $"http://example.invalid:{port}", $"http://0.0.0.0:{port}", $"http://[::]:{port}" })
        {
            var refused = await CliProcess.RunAsync("up", "--data", fresh, "--urls", address);
            Assert.Equal(2, refused.ExitCode);
            Assert.Equal($"error: cannot listen on {address}: the port is in use by another program; stop it or give --urls another address. Nothing was created.",
                refused.Stderr.Trim());
            Assert.DoesNotContain("Admin login", refused.Stdout, StringComparison.Ordinal);
            Assert.False(Directory.Exists(fresh));
        }
    }

    [Fact]
    public async Task Up_with_a_node_json_without_urls_listens_at_urls_given_and_an_empty_urls_is_refused_naming_the_file()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var nodeJson = Path.Combine(data, "node.json");
        await File.WriteAllTextAsync(nodeJson, """{ "hospital": { "currency": "CHF" }, "admission": { "writes": 7 } }""", Ct);
        var given = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using (var node = CliProcess.Start("up", "--data", data, "--urls", given))
        {
            await node.WaitUntilServingAsync();
            Assert.Contains("Admission: at most 7 writes,", node.Stdout, StringComparison.Ordinal);
            Assert.Equal(System.Net.HttpStatusCode.OK, await HealthAsync(given));
            node.Terminate();
            await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await File.WriteAllTextAsync(nodeJson, """{ "urls": " ", "hospital": { "currency": "CHF" } }""", Ct);
        var up = await CliProcess.RunAsync("up", "--data", data);
        Assert.Equal(2, up.ExitCode);
        Assert.Equal($"error: {nodeJson}: urls is empty; name where the node listens (e.g. \"http://localhost:5080\") or leave it out for the default.", up.Stderr.Trim());
    }

    // Break-it (2026-12-07): urls ";" (node.json or --urls) was taken: Kestrel fell back to its own port 5000 while the node
    // printed another address, or listened nowhere; and a network node whose node.json had no urls took the default port, where
    // two of them collided. Both are refused in one line.
    [Fact]
    public async Task An_empty_address_in_urls_and_a_network_nodes_node_json_without_urls_are_refused_in_one_line()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var up = await CliProcess.RunAsync("up", "--data", data, "--urls", " ; ");
        Assert.Equal(2, up.ExitCode);
        Assert.Equal($"error: --urls ' ; ' has an empty address; give one or more addresses separated by ';', e.g. {Commands.CommonOptions.DefaultUrl}.", up.Stderr.Trim());

        var nodeJson = Path.Combine(data, "node.json");
        await File.WriteAllTextAsync(nodeJson, """{ "urls": "http://127.0.0.1:5999;" }""", Ct);
        up = await CliProcess.RunAsync("up", "--data", data);
        Assert.Equal(2, up.ExitCode);
        Assert.Equal($"error: {nodeJson}: urls 'http://127.0.0.1:5999;' has an empty address; give one or more addresses separated by ';', e.g. {Commands.CommonOptions.DefaultUrl}.", up.Stderr.Trim());

        await File.WriteAllTextAsync(nodeJson, """{ "hospital": { "name": "X" } }""", Ct);
        var node = await CliProcess.RunAsync("node", "--data", data);
        Assert.Equal(2, node.ExitCode);
        Assert.StartsWith($"error: {nodeJson} has no \"urls\": a node of a network listens at its own address", node.Stderr.Trim());
    }
}
