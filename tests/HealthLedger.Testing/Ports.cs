using System.Net;
using System.Net.Sockets;

namespace HealthLedger.Testing;

/// <summary>Free loopback ports for nodes under test.</summary>
public static class Ports
{
    /// <summary>A free port.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A base port with the block a local cluster uses free: base … base + 9 and base + 100 … base + 109.</summary>
    public static int FreeClusterBlock()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = Random.Shared.Next(20_000, 40_000);
            if (Enumerable.Range(candidate, 10).Concat(Enumerable.Range(candidate + 100, 10)).All(IsFree)) return candidate;
        }
        throw new InvalidOperationException("No free block of ports found.");
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
