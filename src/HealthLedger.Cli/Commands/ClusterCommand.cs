using System.CommandLine;
using System.Diagnostics;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;

namespace HealthLedger.Cli.Commands;

/// <summary>'cluster up': a local network of N voting nodes as separate processes.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data(required: true);
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
                : Up(parse.GetValue(data)!, parse.GetValue(nodes), parse.GetValue(basePort), parse.GetValue(org)!, networkPolicy, ct);
        });
        return new Command("cluster", "Run a local multi-node network.") { up };
    }

    private static async Task<int> Up(string data, int count, int basePort, string organisation, NetworkPolicy? networkPolicy, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(data);
        var layout = new ClusterLayout(count, basePort);
        if (!new DataDirectory(Path.Combine(root, ClusterLayout.FolderOf(1))).HasNetwork)
        {
            var code = InitCommand.Run(root, organisation, layout, networkPolicy);
            if (code != 0) return code;
        }
        var folders = Enumerable.Range(1, count).Select(k => Path.Combine(root, ClusterLayout.FolderOf(k))).ToList();
        if (folders.FirstOrDefault(f => !new DataDirectory(f).HasNetwork) is { } missing)
        {
            return CommonOptions.Fail($"{missing} holds no node; {root} was made for fewer nodes (use the same --nodes as at init).");
        }

        var processes = new List<Process>();
        try
        {
            for (var k = 1; k <= count; k++)
            {
                var process = Start(k, folders[k - 1]);
                processes.Add(process);
                Console.WriteLine($"node-{k}: pid {process.Id}, web {(NodeConfig.Read(new DataDirectory(folders[k - 1]))?.Urls ?? "?")}");
            }
            Console.WriteLine($"{count} nodes running. Press Ctrl+C to stop them.");
            var exits = processes.Select((p, i) => p.WaitForExitAsync(CancellationToken.None).ContinueWith(_ =>
                Console.WriteLine($"node-{i + 1} exited with code {p.ExitCode}"), TaskScheduler.Default)).ToList();
            try
            {
                await Task.WhenAll(exits).WaitAsync(cancellationToken);
                return 1;
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("Stopping the nodes…");
            }
        }
        finally
        {
            await StopAll(processes);
        }
        return 0;
    }

    private static Process Start(int k, string folder)
    {
        var info = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var self = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") info.ArgumentList.Add(typeof(ClusterCommand).Assembly.Location);
        info.FileName = self;
        foreach (var arg in new[] { "node", "--data", folder, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start node-{k}");
        var prefix = $"[node-{k}] ";
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine(prefix + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(prefix + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // SIGTERM first (the nodes finish their current block and close their stores), SIGKILL after 15 s.
    private static async Task StopAll(IReadOnlyList<Process> processes)
    {
        foreach (var p in processes.Where(p => !p.HasExited))
        {
            if (OperatingSystem.IsWindows()) p.Kill();
            else
            {
                using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
                term?.WaitForExit();
            }
        }
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        foreach (var p in processes)
        {
            try
            {
                await p.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
            }
            p.Dispose();
        }
    }
}
