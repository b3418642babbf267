using System.Net;
using System.Net.Sockets;

namespace HealthLedger.Testing;

/// <summary>
/// Free loopback ports for nodes under test, chosen below Linux's ephemeral range (32768–60999, see
/// <c>/proc/sys/net/ipv4/ip_local_port_range</c>): a port the kernel hands out for port 0 is also handed to outgoing
/// connections, so one picked that way can be taken by a client socket between the check and the node's bind. Ports
/// handed out once are not handed out again in this process, and each test project takes its ports from a slice of the
/// range of its own (the projects run at the same time, in separate processes, and could otherwise pick the same free port
/// before either binds it).
/// </summary>
public static class Ports
{
    private const int SliceSize = 5_500;
    private static readonly string[] Projects = ["HealthLedger.Node.Tests", "HealthLedger.Cli.Tests", "HealthLedger.Browser.Tests"];
    private static readonly int Slice = Array.IndexOf(Projects, System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name) is var k and >= 0 ? k : Projects.Length;
    private static readonly int Lowest = 10_000 + (Slice * SliceSize);
    private static readonly int Highest = Lowest + SliceSize;
    private static readonly HashSet<int> Given = [];

    /// <summary>A free port of this test project's slice of 10,000–32,000, not handed out before by this process.</summary>
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
