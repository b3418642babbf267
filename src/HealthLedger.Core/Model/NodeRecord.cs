using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Model;

/// <summary>A voting node of the network (a validator). The validator set is every node record in the state, in id order.</summary>
/// <param name="Id">Node id.</param>
/// <param name="OrganisationId">The organisation that runs it.</param>
/// <param name="SigningKey">The key that signs its blocks and consensus messages.</param>
/// <param name="Address">Where its peer (gRPC) endpoint listens, e.g. <c>http://10.0.0.5:5180</c>; empty for a node others never dial.</param>
public sealed record NodeRecord(string Id, string OrganisationId, SigningPublicKey SigningKey, string Address)
{
    private const byte Version = 1;

    /// <summary>Longest address.</summary>
    public const int MaxAddressLength = 200;

    /// <summary>Why an address is not acceptable, or null: empty, or an absolute http(s) URL with a host and port.</summary>
    public static string? AddressProblem(string address)
    {
        if (address.Length == 0) return null;
        if (address.Length > MaxAddressLength) return $"must be at most {MaxAddressLength} characters";
        return Uri.TryCreate(address, UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https") && uri.AbsolutePath == "/"
            && !string.IsNullOrEmpty(uri.Host) && uri.Query.Length == 0
            ? null
            : "must be an http:// or https:// URL with a host and port and no path, e.g. http://10.0.0.5:5180";
    }

    /// <summary>Writes the fields (no version byte).</summary>
    public void Write(CanonicalWriter w) => w.Text(Id).Text(OrganisationId).Key(SigningKey).Text(Address);

    /// <summary>Reads the fields written by <see cref="Write"/>.</summary>
    public static bool TryRead(ref CanonicalReader r, out NodeRecord record)
    {
        r.Text(out var id, Identifiers.MaxLength, "node id");
        r.Text(out var org, Identifiers.MaxLength, "node organisation id");
        r.Key(out SigningPublicKey key, "node key");
        r.Text(out var address, MaxAddressLength, "node address");
        record = new NodeRecord(id, org, key, address);
        return r.Error is null;
    }

    /// <summary>State encoding.</summary>
    public byte[] Encode()
    {
        var w = new CanonicalWriter().U8(Version);
        Write(w);
        return w.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static NodeRecord? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != Version) return null;
        TryRead(ref r, out var record);
        return r.End() ? record : null;
    }
}
