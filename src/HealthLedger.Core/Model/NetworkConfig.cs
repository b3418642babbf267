using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Model;

/// <summary>The network's identity and policy, stored under <see cref="StateKeys.Network"/>.</summary>
/// <param name="NetworkId">Name of the network; part of every signing message, so signatures never cross networks.</param>
/// <param name="Policy">Limits.</param>
public sealed record NetworkConfig(string NetworkId, ChainPolicy Policy)
{
    private const byte Version = 1;

    /// <summary>Canonical encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter().U8(Version).Text(NetworkId);
        Policy.Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static NetworkConfig? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != Version) return null;
        r.Text(out var id, Identifiers.MaxLength, "network id");
        ChainPolicy.TryRead(ref r, out var policy);
        return r.End() ? new NetworkConfig(id, policy) : null;
    }
}
