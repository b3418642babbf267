using HealthLedger.Core.Encoding;
using HealthLedger.Core.Primitives;

namespace HealthLedger.Core.Model;

/// <summary>A voting node of the network.</summary>
/// <param name="Id">Node id.</param>
/// <param name="OrganisationId">The organisation that runs it.</param>
/// <param name="SigningKey">The key that signs its blocks and consensus messages.</param>
public sealed record NodeRecord(string Id, string OrganisationId, SigningPublicKey SigningKey)
{
    private const byte Version = 1;

    /// <summary>Writes the fields (no version byte).</summary>
    public void Write(CanonicalWriter w) => w.Text(Id).Text(OrganisationId).Key(SigningKey);

    /// <summary>Reads the fields written by <see cref="Write"/>.</summary>
    public static bool TryRead(ref CanonicalReader r, out NodeRecord record)
    {
        r.Text(out var id, Identifiers.MaxLength, "node id");
        r.Text(out var org, Identifiers.MaxLength, "node organisation id");
        r.Key(out SigningPublicKey key, "node key");
        record = new NodeRecord(id, org, key);
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
