using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Records;

/// <summary>One reader of a category key epoch: who they are, and the category key wrapped for their X25519 key.</summary>
/// <param name="Kind">Patient, organisation (custodian or grantee) or doctor (grantee).</param>
/// <param name="Id">Their id.</param>
/// <param name="Envelope">The category key, wrapped for them.</param>
public sealed record CategoryKeyReader(KeyReaderKind Kind, string Id, Envelope Envelope)
{
    /// <summary>Writes the reader.</summary>
    public void Write(CanonicalWriter w)
    {
        w.U8((byte)Kind).Text(Id);
        Envelope.Write(w);
    }

    /// <summary>Reads a reader.</summary>
    public static bool TryRead(ref CanonicalReader r, out CategoryKeyReader reader)
    {
        reader = null!;
        if (!r.U8(out var kind) || !r.Text(out var id, Identifiers.MaxLength, "reader id") || !Envelope.TryRead(ref r, out var envelope)) return false;
        reader = new CategoryKeyReader((KeyReaderKind)kind, id, envelope);
        return true;
    }
}
