using System.CommandLine;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;

namespace HealthLedger.Cli.Commands;

/// <summary>'cluster up': a local network of N voting nodes as separate processes.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true, "The network's folder: one node-K folder per node in it (made as by 'init --nodes N' when it holds none)");
        var nodes = CommonOptions.Nodes(required: false);
        var basePort = CommonOptions.BasePort();
        var org = CommonOptions.Organisation();
        var policy = new CommonOptions.PolicyOptions();
        var up = new Command("up",
            "Start every node of a local network as its own process (node K: web UI and API on base + K - 1, peers on base + 100 + K - 1), " +
            "creating the network first (as 'init --nodes N') when the folder holds none. Ctrl+C stops them all. A node that is killed can be " +
            "started again on its own with 'healthledger node --data DIR/node-K'. The --care-after-… options only count when the network is created.")
        {
            data, nodes, basePort, org,
        };
        foreach (var option in policy.All) up.Add(option);
        up.SetAction((parse, ct) =>
        {
            var (networkPolicy, problem) = policy.Read(parse);
            return problem is not null
                ? Task.FromResult(CommonOptions.Fail(problem))
                : Up(parse.GetValue(data)!, parse.GetValue(nodes), parse.GetValue(basePort), parse.GetResult(basePort) is { Implicit: false }, parse.GetValue(org)!, networkPolicy, ct);
        });
        return new Command("cluster", "Run a local multi-node network.") { up };
    }

    private static async Task<int> Up(string data, int count, int basePort, bool basePortGiven, string organisation, NetworkPolicy? networkPolicy, CancellationToken cancellationToken)
    {
        if (MachineShare.Problem is { } share) return CommonOptions.Fail(share);
        var root = Path.GetFullPath(data);
        var layout = new ClusterLayout(count, basePort);
        if (!new DataDirectory(Path.Combine(root, ClusterLayout.FolderOf(1))).HasNetwork)
        {
            // A port another program holds would fail that node after the network was made (and its password printed), and the
            // others would run without it: said first, as 'consortium up' does.
            if (LayoutPorts.Problem(layout, "network") is { } ports) return CommonOptions.Fail(ports);
            var code = InitCommand.Run(root, organisation, layout, networkPolicy);
            if (code != 0) return code;
        }
        var folders = Enumerable.Range(1, count).Select(k => Path.Combine(root, ClusterLayout.FolderOf(k))).ToList();
        if (folders.FirstOrDefault(f => !new DataDirectory(f).HasNetwork) is { } missing)
        {
            return CommonOptions.Fail($"{missing} holds no node; {root} was made for fewer nodes (use the same --nodes as at init).");
        }
        if (basePortGiven && LayoutPorts.ExistingBasePort(folders[0]) is { } existing && existing != basePort)
        {
            // The ports are the network's own (each node's node.json): a --base-port that differs was dropped without a word.
            Console.Error.WriteLine($"warning: --base-port {basePort} is ignored: {root} holds a network whose nodes listen from port {existing} on " +
                "(their node.json); it starts as it is.");
        }
        if (LayoutPorts.ExistingProblem(folders, "network") is { } busy) return CommonOptions.Fail(busy);

        await using var processes = new NodeProcesses();
        for (var k = 1; k <= count; k++)
        {
            // One organisation's nodes, whose users may all work at one of them (the benchmark's do, at node 1): each keeps the
            // whole machine's admission budget. Divided four ways (as 'consortium up' does, where each organisation's users work
            // at its own node), node 1 took 32 of 128 writes in flight and the rest, refused and sent again, waited up to 8 s
            // (docs/benchmarks.md, "A cluster's node takes the whole budget again").
            var process = processes.StartNode($"node-{k}", folders[k - 1]);
            Console.WriteLine($"node-{k}: pid {process.Id}, web {(NodeConfig.Read(new DataDirectory(folders[k - 1]))?.Urls ?? "?")}");
        }
        Console.WriteLine($"{count} nodes running. Press Ctrl+C to stop them.");
        return await processes.WaitAsync(cancellationToken) == 0 ? 0 : 1;
    }
}
