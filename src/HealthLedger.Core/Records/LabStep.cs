using HealthLedger.Core.Encoding;
using HealthLedger.Core.Model;

namespace HealthLedger.Core.Records;

/// <summary>
/// One step of a lab order: the order itself, the specimen's collection or receipt, a version of the results or their
/// validation. The step's sealed content is record <c>&lt;order id&gt;</c>, version = the step's position (1 = the order).
/// </summary>
/// <param name="Step">The status the step reached.</param>
/// <param name="AuthorId">The user who signed it.</param>
/// <param name="Record">The sealed content (category <see cref="ConsentCategories.Laboratory"/>).</param>
/// <param name="Proof">Where it was written.</param>
public sealed record LabStep(LabOrderStatus Step, string AuthorId, SealedRecordRef Record, RecordProof Proof)
{
    /// <summary>Writes the step.</summary>
    public void Write(CanonicalWriter w)
    {
        w.U8((byte)Step).Text(AuthorId);
        Record.Write(w);
        Proof.Write(w);
    }

    /// <summary>Reads a step written by <see cref="Write"/>.</summary>
    public static bool TryRead(ref CanonicalReader r, out LabStep step)
    {
        step = null!;
        r.U8(out var kind);
        r.Text(out var author, Identifiers.MaxLength, "author");
        if (!SealedRecordRef.TryRead(ref r, out var record) || !RecordProof.TryRead(ref r, out var proof)) return false;
        if (!Enum.IsDefined((LabOrderStatus)kind)) return r.Fail("unknown lab step");
        step = new LabStep((LabOrderStatus)kind, author, record, proof);
        return true;
    }
}
