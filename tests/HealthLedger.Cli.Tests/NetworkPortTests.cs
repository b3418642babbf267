using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// A port another program holds: 'cluster up' and 'consortium up' refuse it before anything is created, and a node whose peer
/// port is taken names its peer address.
/// </summary>
public sealed class NetworkPortTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    // Break-it (2026-12-07): with node 2's peer port taken, 'cluster up' made the network, printed "4 nodes running", node 2
    // failed and the other three ran on; 'consortium up' refused the same in one line. Both share the check now.
    [Fact]
    public async Task Cluster_up_and_consortium_up_refuse_a_peer_port_in_use_in_one_line_before_creating_anything()
    {
        var basePort = Ports.FreeClusterBlock();
        using var holder = new TcpListener(IPAddress.Loopback, basePort + 101);
        holder.Start();
        var needs = $"{basePort}–{basePort + 3} and {basePort + 100}–{basePort + 103}";
        foreach (var (command, network) in new[] { (new[] { "cluster", "up", "--nodes", "4" }, "network"), (["consortium", "up"], "consortium") })
        {
            var root = _dir.Combine(command[0]);
            var run = await CliProcess.RunAsync([.. command, "--data", root, "--base-port", basePort.ToString(CultureInfo.InvariantCulture)]);
            Assert.Equal(2, run.ExitCode);
            Assert.Equal($"error: port {basePort + 101} is in use; choose another --base-port (the {network} needs {needs}).", run.Stderr.Trim());
            Assert.DoesNotContain("Created", run.Stdout, StringComparison.Ordinal);
            Assert.False(Directory.Exists(root));
        }
    }

    // Break-it (2026-12-07): a node whose peer port was taken said "cannot listen on http://127.0.0.1:WEB: Failed to bind to
    // address http://127.0.0.1:PEER", naming its web address first.
    [Fact]
    public async Task A_node_whose_peer_port_is_in_use_names_its_peer_address_not_its_web_address()
    {
        var basePort = Ports.FreeClusterBlock();
        var data = _dir.Combine("net");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data, "--nodes", "4", "--base-port", basePort.ToString(CultureInfo.InvariantCulture))).ExitCode);
        using var holder = new TcpListener(IPAddress.Loopback, basePort + 101);
        holder.Start();
        var node = await CliProcess.RunAsync("node", "--data", Path.Combine(data, "node-2"));
        Assert.Equal(2, node.ExitCode);
        var line = Assert.Single(node.Stderr.Trim().Split('\n'));
        Assert.Equal($"error: cannot listen on http://127.0.0.1:{basePort + 101}, this node's peer endpoint (its address on the chain): the port is in use by another program; stop it.", line);
    }

    // Break-it (2026-12-07): a second 'cluster up' of a network already made checked no port: with node 3's web port held (or
    // the network still running), node 3 failed and the others ran on without it. Refused before any node starts. (A peer port
    // is where the chain records the node, which only the node reads: a node whose peer port is held still fails alone, naming it.)
    [Fact]
    public async Task A_second_cluster_up_refuses_a_node_port_in_use_in_one_line_before_starting_any_node()
    {
        const int offset = 2;
        const string node = "node-3";
        var basePort = Ports.FreeClusterBlock();
        var data = _dir.Combine("net");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data, "--nodes", "4", "--base-port", basePort.ToString(CultureInfo.InvariantCulture))).ExitCode);
        using var holder = new TcpListener(IPAddress.Loopback, basePort + offset);
        holder.Start();
        var run = await CliProcess.RunAsync("cluster", "up", "--data", data, "--nodes", "4");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: port {basePort + offset} of {node} is in use (is the network already running?); stop what uses it.", run.Stderr.Trim());
        Assert.DoesNotContain("pid", run.Stdout, StringComparison.Ordinal);
        // Another --base-port than the network's is said to be ignored (it was dropped without a word); the ports are the network's.
        var other = await CliProcess.RunAsync("cluster", "up", "--data", data, "--nodes", "4", "--base-port", (basePort + 10).ToString(CultureInfo.InvariantCulture));
        Assert.Equal(2, other.ExitCode);
        Assert.Equal([$"warning: --base-port {basePort + 10} is ignored: {Path.GetFullPath(data)} holds a network whose nodes listen from port {basePort} on (their node.json); it starts as it is.",
            $"error: port {basePort + offset} of {node} is in use (is the network already running?); stop what uses it."], other.Stderr.Trim().Split('\n'));
    }

    public void Dispose() => _dir.Dispose();
}
