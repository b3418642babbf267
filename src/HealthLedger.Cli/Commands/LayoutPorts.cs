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
}
