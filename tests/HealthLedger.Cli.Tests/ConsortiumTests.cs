using System.Net.Http.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// Joining a consortium as a new organisation with real processes, as docs/operations.md describes it: the newcomer runs
/// <c>consortium request</c> and <c>join --wait-minutes</c>; the founder's admin runs <c>consortium propose</c>; the newcomer's
/// node syncs, votes (nothing commits without it among two validators), and its admin votes with <c>consortium vote</c>.
/// </summary>
public class ConsortiumTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_newcomer_made_by_consortium_request_is_proposed_admitted_joins_and_votes()
    {
        using var dir = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 1);
        await net.StartAsync(net.Folder(1));
        var founder = net.Http(net.Folder(1));
        var founderUrl = founder.BaseAddress!.ToString().TrimEnd('/');

        // 1. The newcomer prepares its folder and join request (admin password from HEALTHLEDGER_ADMIN_PASSWORD).
        var lab = dir.Combine("city-lab");
        var peer = $"http://127.0.0.1:{CliProcess.FreePort()}";
        var web = $"http://127.0.0.1:{CliProcess.FreePort()}";
        var request = await CliProcess.RunAsync("consortium", "request", "--org", "City Lab", "--type", "laboratory", "--data", lab, "--peer-listen", peer,
            "--urls", web, "--contact", "lab@city.example");
        Assert.True(request.ExitCode == 0, request.Stdout + request.Stderr);
        var requestFile = Path.Combine(lab, JoinRequest.FileName);
        Assert.Contains(requestFile, request.Stdout);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(lab));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(new DataDirectory(lab).OrganisationKeyPath));
        }
        var join = JoinRequest.Read(requestFile);
        var organisationSecret = File.ReadAllText(new DataDirectory(lab).OrganisationKeyPath).Trim();
        var nodeSecret = File.ReadAllText(new DataDirectory(lab).NodeKeyPath).Trim();
        var text = File.ReadAllText(requestFile);
        Assert.DoesNotContain(organisationSecret[..32], text, StringComparison.OrdinalIgnoreCase); // no secret in the request
        Assert.DoesNotContain(nodeSecret[..32], text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(peer, join.Node!.Address);

        // 2. Its join waits for admission, answering at its peer address so that the proposal's address check passes.
        using var joining = CliProcess.Start("join", "--data", lab, "--peer", net.Layout.PeerAddress(1), "--wait-minutes", "2");

        // 3. The founder's admin proposes it; one organisation's approval is a majority of one: executed.
        (int ExitCode, string Stdout, string Stderr) propose = default;
        await net.WaitAsync("the founder's admin proposes the newcomer (its peer address answers)", async () =>
        {
            propose = await CliProcess.RunAsync("consortium", "propose", "--request", requestFile, "--url", founderUrl, "--user", "admin");
            // Each attempt logs in: on a loaded machine the peer can take long enough for the login throttle (429) to answer first.
            return propose.ExitCode == 0 || !(propose.Stderr.Contains("does not answer", StringComparison.Ordinal) || propose.Stderr.Contains("try again in", StringComparison.Ordinal));
        }, TimeSpan.FromMinutes(3));
        Assert.True(propose.ExitCode == 0, propose.Stdout + propose.Stderr);
        Assert.Contains("Status executed", propose.Stdout);
        await joining.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(joining.ExitCode == 0, joining.Stdout + joining.Stderr);

        // 4. Its node syncs, learns its id and votes: with two validators a registration commits only with its vote.
        await net.StartAsync(lab);
        var newcomer = net.Http(lab);
        await net.WaitAsync("the newcomer's node syncs and names itself", async () => (await LocalCluster.HealthAsync(newcomer))?.Node == join.Node.Id);
        var signer = await Signers.GetAsync(founder, net.Admin);
        var tx = net.Registration(signer.Network, signer.OrganisationId, signer.NextNonce, "two-org-patient");
        await net.SubmitAsync(founder, tx);
        await net.WaitAsync("both nodes commit the registration", async () =>
            (await LocalCluster.StatusAsync(founder, tx.Id))?.Status == "committed" && (await LocalCluster.StatusAsync(newcomer, tx.Id))?.Status == "committed");

        // 5. A proposal of the founder now needs the newcomer; its admin approves with 'consortium vote' at its own node.
        using (var login = await founder.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = CliProcess.Password }, Ct))
        {
            var token = (await login.Content.ReadFromJsonAsync<Node.Security.TokenResponse>(Ct))!;
            using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/consortium/proposals")
            {
                Content = JsonContent.Create(new { id = "policy-2d", action = "change-policy", policy = new { proposalLifetimeHours = 48 } }),
            };
            message.Headers.Authorization = new("Bearer", token.AccessToken);
            using var proposed = await founder.SendAsync(message, Ct);
            Assert.True(proposed.IsSuccessStatusCode, await proposed.Content.ReadAsStringAsync(Ct));
            Assert.Equal("open", (await proposed.Content.ReadFromJsonAsync<ProposalResponse>(Ct))!.Status);
        }
        await LocalCluster.CaughtUpAsync(founderUrl, web); // proposed at the founder's node, listed and voted on at the newcomer's
        var listed = await CliProcess.RunAsync("consortium", "proposals", "--url", web, "--user", join.Admin!.Id!);
        Assert.True(listed.ExitCode == 0, listed.Stdout + listed.Stderr);
        Assert.Contains("Proposal policy-2d: Change the governance policy", listed.Stdout);
        Assert.Contains("Waiting for: city-lab", listed.Stdout);
        var vote = await CliProcess.RunAsync("consortium", "vote", "--proposal", "policy-2d", "--approve", "--url", web, "--user", join.Admin.Id!);
        Assert.True(vote.ExitCode == 0, vote.Stdout + vote.Stderr);
        Assert.Contains("Status executed", vote.Stdout);
        var again = await CliProcess.RunAsync("consortium", "vote", "--proposal", "policy-2d", "--reject", "--url", web, "--user", join.Admin.Id!);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("409", again.Stderr);

        // 6. Both stop cleanly and verify to the same state root.
        var roots = (await LocalCluster.SettledAsync([founder, newcomer], net.Logs)).Select(h => h.StateRoot).Distinct().ToList();
        await net.StopAsync();
        foreach (var folder in new[] { net.Folder(1), lab }) Assert.Contains(roots.Single(), await LocalCluster.VerifyAsync(folder));
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_one_line_and_leave_no_folder()
    {
        using var dir = new TempDirectory();
        var lab = dir.Combine("lab");
        var type = await CliProcess.RunAsync("consortium", "request", "--org", "City Lab", "--type", "bakery", "--data", lab, "--peer-listen", "http://127.0.0.1:5999");
        Assert.Equal(2, type.ExitCode);
        Assert.Contains("--type must be one of hospital, laboratory, pharmacy, clinic, rescuer", type.Stderr);
        var address = await CliProcess.RunAsync("consortium", "request", "--org", "City Lab", "--type", "clinic", "--data", lab, "--peer-listen", "10.0.0.7:5180");
        Assert.Equal(2, address.ExitCode);
        Assert.Contains("--peer-listen", address.Stderr);
        Assert.False(Directory.Exists(lab));

        Directory.CreateDirectory(lab);
        var join = await CliProcess.RunAsync("join", "--data", lab, "--peer", "http://127.0.0.1:5999");
        Assert.Equal(2, join.ExitCode);
        Assert.Contains("consortium request", join.Stderr);
        var vote = await CliProcess.RunAsync("consortium", "vote", "--proposal", "p-1", "--url", "http://127.0.0.1:5999", "--user", "admin");
        Assert.Equal(2, vote.ExitCode);
        Assert.Contains("exactly one of --approve and --reject", vote.Stderr);
        foreach (var args in new[] { new[] { "--remove", "city-lab", "--suspend", "city-lab" }, [] })
        {
            var propose = await CliProcess.RunAsync(["consortium", "propose", .. args, "--url", "http://127.0.0.1:5999", "--user", "admin"]);
            Assert.Equal(2, propose.ExitCode);
            Assert.Equal("error: give exactly one of --request FILE, --remove ID, --suspend ID and --reinstate ID", propose.Stderr.Trim());
        }
        foreach (var args in new[] { new[] { "--ends-at", "2030-01-01T00:00:00Z", "--minutes", "5" }, [] })
        {
            var declare = await CliProcess.RunAsync(["consortium", "declare-emergency", "--title", "Earthquake", "--scope", "general-hospital", .. args,
                "--url", "http://127.0.0.1:5999", "--user", "admin"]);
            Assert.Equal(2, declare.ExitCode);
            Assert.Equal("error: give exactly one of --ends-at INSTANT and --minutes N", declare.Stderr.Trim());
        }
        var missing = await CliProcess.RunAsync("consortium", "declare-emergency", "--title", "Earthquake", "--scope", "general-hospital", "--minutes", "5",
            "--rescuer-requests", Path.Combine(lab, "no-such-request.json"), "--url", "http://127.0.0.1:5999", "--user", "admin");
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Stderr.Trim().Split('\n'));
        Assert.Contains("no-such-request.json", missing.Stderr);
        var rate = await CliProcess.RunAsync("load", "--data", lab, "--rate", "-1");
        Assert.Equal(2, rate.ExitCode);
        Assert.Contains("--rate must be a whole number of transactions per second from 0 to 1000000", rate.Stderr);
    }
}
