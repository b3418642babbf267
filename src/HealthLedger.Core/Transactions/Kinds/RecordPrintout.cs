using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A report printout (PDF) a node issued: the SHA-256 of the exact bytes it handed out, for a version of a medical report or
/// the validation step of a lab order, or a patient's whole record as of a block (<see cref="PrintoutSubject"/>). Signed
/// by the issuing node's key (printing is a node duty, like recording disclosures). It points <c>content/&lt;sha256&gt;</c>
/// at the report version (<c>&lt;id&gt;/&lt;version&gt;</c>; a lab report's <c>laborder/&lt;id&gt;/&lt;version&gt;</c>), as a report's own file does, so any node, the API and the offline CLI recognise the
/// downloaded printout as that version (and as superseded once the report is amended), without decrypting anything.
/// The chain gets no PHI: the id and version it already holds, and a hash of a document it cannot read.
/// </summary>
/// <param name="ReportId">The report (for a lab report: the lab order; for a whole record: the patient).</param>
/// <param name="Version">The printed version (for a lab report: the order's validation step; for a whole record: the snapshot's block height).</param>
/// <param name="Sha256">SHA-256 of the printout's bytes.</param>
/// <param name="Subject">A medical report's or a lab order's printout.</param>
public sealed record RecordPrintoutPayload(string ReportId, int Version, Hash256 Sha256, PrintoutSubject Subject = PrintoutSubject.Report) : TxPayload
{
    /// <summary>
    /// The value of <c>content/&lt;sha256&gt;</c> naming what was printed: <c>&lt;report&gt;/&lt;version&gt;</c> for a
    /// medical report, <c>laborder/&lt;order&gt;/&lt;version&gt;</c> for a lab report.
    /// </summary>
    public string Pointer => Subject switch
    {
        PrintoutSubject.LabReport => $"{LabOrderState.Prefix}{ReportId}/{Version}",
        PrintoutSubject.PatientRecord => $"{StateKeys.PatientRecordPrefix}{ReportId}/{Version}",
        _ => $"{ReportId}/{Version}",
    };

    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordPrintout;

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer) => writer.Text(ReportId).VarUInt((ulong)Version).Hash(Sha256).U8((byte)Subject);
}

/// <summary>Executes <see cref="RecordPrintoutPayload"/>.</summary>
public sealed class RecordPrintoutHandler : TxKindHandler<RecordPrintoutPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.RecordPrintout;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out RecordPrintoutPayload payload)
    {
        r.Text(out var id, Identifiers.MaxLength, "report id");
        r.VarInt32(out var version, 1_000_000, "version");
        r.Hash(out var hash, "printout hash");
        r.U8(out var subject);
        payload = new RecordPrintoutPayload(id, version, hash, (PrintoutSubject)subject);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(RecordPrintoutPayload p)
    {
        if (!Identifiers.IsValid(p.ReportId)) return Invalid("reportId", Identifiers.Rule);
        if (p.Version < 1) return Invalid("version", "versions start at 1");
        if (!Enum.IsDefined(p.Subject)) return Invalid("subject", "a printout is of a report (1), a lab report (2) or a patient's whole record (3)");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, RecordPrintoutPayload p)
    {
        if (context.Signer is not { Kind: SignerKind.Node }) return TxResult.Reject(TxVerdict.Unauthorized, "only a node records the printouts it issues");
        if (p.Subject == PrintoutSubject.LabReport)
        {
            var order = context.State.TryGet(LabOrderState.Key(p.ReportId), out var bytes) ? LabOrderState.TryDecode(bytes) : null;
            if (order is null || order.Steps.Count < p.Version) return TxResult.Reject(TxVerdict.NotFound, $"lab order '{p.ReportId}' has no step {p.Version}");
            if (order.Steps[p.Version - 1].Step != LabOrderStatus.Validated) return TxResult.Reject(TxVerdict.Conflict, $"step {p.Version} of lab order '{p.ReportId}' is not a validation; only validated reports are printed");
        }
        else if (p.Subject == PrintoutSubject.PatientRecord)
        {
            if (context.GetPatient(p.ReportId) is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.ReportId}' does not exist");
            if ((ulong)p.Version > context.Height) return TxResult.Reject(TxVerdict.Conflict, $"version: the snapshot height {p.Version} is after this block ({context.Height})");
        }
        else if (!context.State.Contains(StateKeys.ReportVersion(p.ReportId, p.Version)))
        {
            return TxResult.Reject(TxVerdict.NotFound, $"report '{p.ReportId}' has no version {p.Version}");
        }
        var pointer = System.Text.Encoding.UTF8.GetBytes(p.Pointer);
        if (context.State.TryGet(StateKeys.ContentHash(p.Sha256), out var existing))
        {
            // The same printout issued twice (two downloads at once, or another node rendering the same bytes) is no change.
            return existing.AsSpan().SequenceEqual(pointer) ? TxResult.Ok : TxResult.Reject(TxVerdict.Conflict, "this hash already names another report version");
        }
        context.State.Set(StateKeys.ContentHash(p.Sha256), pointer);
        if (p.Subject == PrintoutSubject.PatientRecord)
        {
            var proof = new CanonicalWriter(64);
            new RecordProof(tx.Id, context.Height, context.Timestamp).Write(proof);
            context.State.Set(StateKeys.RecordPrintout(p.ReportId, (ulong)p.Version, p.Sha256), proof.WrittenSpan.ToArray());
        }
        return TxResult.Ok;
    }
}
