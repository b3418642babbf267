using System.Net;
using System.Net.Sockets;

namespace HealthLedger.Testing;

/// <summary>
/// Free loopback ports for nodes under test, chosen below Linux's ephemeral range (32768–60999, see
/// <c>/proc/sys/net/ipv4/ip_local_port_range</c>): a port the kernel hands out for port 0 is also handed to outgoing
/// connections, so one picked that way can be taken by a client socket between the check and the node's bind. Ports
/// handed out once are not handed out again in this process.
/// </summary>
public static class Ports
{
    private const int Lowest = 10_000;
    private const int Highest = 32_000;
    private static readonly HashSet<int> Given = [];

    /// <summary>A free port in 10,000–32,000 not handed out before by this process.</summary>
    /// <exception cref="InvalidOperationException">No free port was found in 1,000 tries.</exception>
    public static int Free()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var candidate = Random.Shared.Next(Lowest, Highest);
            if (TryTake([candidate])) return candidate;
        }
        throw new InvalidOperationException("No free port found.");
    }

    /// <summary>A base port with the block a local cluster uses free: base … base + 9 and base + 100 … base + 109.</summary>
    /// <exception cref="InvalidOperationException">No free block was found in 200 tries.</exception>
    public static int FreeClusterBlock()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = Random.Shared.Next(Lowest, Highest - 110);
            if (TryTake([.. Enumerable.Range(candidate, 10), .. Enumerable.Range(candidate + 100, 10)])) return candidate;
        }
        throw new InvalidOperationException("No free block of ports found.");
    }

    private static bool TryTake(int[] ports)
    {
        lock (Given)
        {
            if (ports.Any(Given.Contains) || !ports.All(IsFree)) return false;
            Given.UnionWith(ports);
            return true;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
