using HealthLedger.Core.Encoding;

namespace HealthLedger.Core.Model;

/// <summary>What a signing key belongs to. Stored under <see cref="StateKeys.Signer"/>.</summary>
/// <param name="Kind">User, organisation or node.</param>
/// <param name="Id">The id of that user, organisation or node.</param>
public sealed record SignerRecord(SignerKind Kind, string Id)
{
    private const byte Version = 1;

    /// <summary>State encoding.</summary>
    public byte[] Encode() => new CanonicalWriter(80).U8(Version).U8((byte)Kind).Text(Id).ToArray();

    /// <summary>Decodes <see cref="Encode"/>'s output.</summary>
    public static SignerRecord? TryDecode(ReadOnlySpan<byte> data)
    {
        var r = new CanonicalReader(data);
        if (r.U8(out var v) && v != Version) return null;
        r.U8(out var kind);
        r.Text(out var id, Identifiers.MaxLength, "signer id");
        return r.End() && Enum.IsDefined((SignerKind)kind) ? new SignerRecord((SignerKind)kind, id) : null;
    }
}
