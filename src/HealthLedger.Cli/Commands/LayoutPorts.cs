using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;

namespace HealthLedger.Cli.Commands;

/// <summary>
/// The ports of a local network made by <c>cluster up</c> or <c>consortium up</c> (<see cref="ClusterLayout"/>), checked before
/// anything is created: a port another program holds would fail that node's start after the network was made and its
/// passwords printed, and the others would run without it.
/// </summary>
internal static class LayoutPorts
{
    /// <summary>
    /// Why <paramref name="layout"/> cannot be used now, in one line, or null: its ports do not fit below 65536, or one of its web
    /// or peer ports is in use (bound as the node would bind it, <see cref="KestrelEndpoints.FirstInUse"/>).
    /// <paramref name="network"/> names what needs them ("network", "consortium").
    /// </summary>
    public static string? Problem(ClusterLayout layout, string network)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var lastPeer = layout.BasePort + ClusterLayout.PeerPortOffset + layout.Nodes - 1;
        if (layout.BasePort < 1 || lastPeer > 65535)
        {
            return $"--base-port must leave room for {layout.Nodes} web ports and {layout.Nodes} peer ports (base + {ClusterLayout.PeerPortOffset} on) below 65536.";
        }
        var addresses = Enumerable.Range(1, layout.Nodes).SelectMany(k => new[] { layout.WebUrl(k), layout.PeerAddress(k) });
        return addresses.FirstOrDefault(a => KestrelEndpoints.FirstInUse(a) is not null) is { } busy
            ? $"port {new Uri(busy).Port} is in use; choose another --base-port (the {network} needs {layout.BasePort}–{layout.BasePort + layout.Nodes - 1} " +
                $"and {layout.BasePort + ClusterLayout.PeerPortOffset}–{lastPeer})."
            : null;
    }

    /// <summary>
    /// Why the nodes already made in <paramref name="folders"/> (a network's second <c>cluster up</c>) cannot start now, in one
    /// line, or null: a web or peer address of a node's node.json (<see cref="NodeConfig.Urls"/>, <see cref="NodeConfig.PeerUrl"/>
    /// when set) is in use — most often by the same network, still running. Checked before any node starts, so that none runs
    /// without the rest. A peer address only the chain records is checked by the node as it starts (it fails alone, naming it).
    /// </summary>
    public static string? ExistingProblem(IReadOnlyList<string> folders, string network)
    {
        ArgumentNullException.ThrowIfNull(folders);
        for (var k = 0; k < folders.Count; k++)
        {
            var config = NodeConfig.Read(new DataDirectory(folders[k]));
            foreach (var urls in new[] { config?.Urls, config?.PeerUrl })
            {
                if (urls is not { Length: > 0 } || KestrelEndpoints.FirstInUse(urls) is not { } busy) continue;
                return $"port {KestrelEndpoints.PortOf(busy)} of " +
                    $"{Path.GetFileName(folders[k])} is in use (is the {network} already running?); stop what uses it.";
            }
        }
        return null;
    }

    /// <summary>The web port of the first node of a network already made (its node.json's first address), or null when it has none.</summary>
    public static int? ExistingBasePort(string firstFolder)
    {
        var first = NodeConfig.Read(new DataDirectory(firstFolder))?.Urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return first is null ? null : KestrelEndpoints.PortOf(first);
    }
}
