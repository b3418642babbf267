using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;

namespace HealthLedger.Core.Transactions.Kinds;

/// <summary>
/// A medical report (version 1) or an amendment (a new version of the same report; history is kept). A new report is
/// signed by a doctor who attends the patient or holds an active grant covering reports; an amendment by the report's
/// author (who must still reach the patient's reports) or an admin of the author's organisation (which must hold the
/// patient's record or an organisation grant for reports): a grant lets a doctor add reports, not amend another
/// doctor's. An amendment may keep the previous version's file (the same document reference, not uploaded again).
/// The chain gets the report's id, type, author,
/// date stamp (the block), the SHA-256 of its plaintext and of its ciphertexts, and the key envelopes.
/// </summary>
/// <param name="ReportId">Report id.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="Version">1, or one above the current version for an amendment.</param>
/// <param name="Type">Report type.</param>
/// <param name="ContentHash">SHA-256 of the plaintext (the attached file when there is one, else the sealed content).</param>
/// <param name="Record">The sealed structured content.</param>
/// <param name="Document">The encrypted attached file, if any.</param>
public sealed record AddReportPayload(string ReportId, string PatientId, int Version, ReportType Type, Hash256 ContentHash, SealedRecordRef Record, DocumentRef? Document) : TxPayload
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.AddReport;

    /// <inheritdoc/>
    public override IEnumerable<SealedRecordRef> Records => [Record];

    /// <inheritdoc/>
    public override IEnumerable<DocumentRef> Documents => Document is null ? [] : [Document];

    /// <inheritdoc/>
    public override void Write(CanonicalWriter writer)
    {
        writer.Text(ReportId).Text(PatientId).VarUInt((ulong)Version).U8((byte)Type).Hash(ContentHash);
        Record.Write(writer);
        writer.Bool(Document is not null);
        Document?.Write(writer);
    }
}

/// <summary>Executes <see cref="AddReportPayload"/>.</summary>
public sealed class AddReportHandler : TxKindHandler<AddReportPayload>
{
    /// <inheritdoc/>
    public override TxKind Kind => TxKind.AddReport;

    /// <inheritdoc/>
    protected override bool TryRead(ref CanonicalReader r, out AddReportPayload payload)
    {
        payload = null!;
        r.Text(out var id, Identifiers.MaxLength, "report id");
        r.Text(out var patient, Identifiers.MaxLength, "patient id");
        r.VarInt32(out var version, 1_000_000, "version");
        r.U8(out var type);
        r.Hash(out var contentHash, "content hash");
        if (!SealedRecordRef.TryRead(ref r, out var record)) return false;
        DocumentRef? document = null;
        if (r.Bool(out var hasDocument) && hasDocument)
        {
            if (!DocumentRef.TryRead(ref r, out var d)) return false;
            document = d;
        }
        payload = new AddReportPayload(id, patient, version, (ReportType)type, contentHash, record, document);
        return r.Error is null;
    }

    /// <inheritdoc/>
    protected override TxResult Validate(AddReportPayload p)
    {
        if (!Identifiers.IsValid(p.ReportId)) return Invalid("reportId", Identifiers.Rule);
        if (!Identifiers.IsValid(p.PatientId)) return Invalid("patientId", Identifiers.Rule);
        if (!Enum.IsDefined(p.Type)) return Invalid("type", $"{(byte)p.Type} is not a report type");
        if (p.Version < 1) return Invalid("version", "versions start at 1");
        if (p.Document is { } d && d.PlaintextHash != p.ContentHash) return Invalid("contentHash", "must be the attached file's SHA-256");
        return TxResult.Ok;
    }

    /// <inheritdoc/>
    protected override TxResult Execute(TxContext context, Transaction tx, AddReportPayload p)
    {
        var patient = context.GetPatient(p.PatientId);
        if (patient is null) return TxResult.Reject(TxVerdict.NotFound, $"patient '{p.PatientId}' does not exist");
        var signer = context.SignerUser;
        var current = context.State.TryGet(StateKeys.Report(p.ReportId), out var bytes) ? ReportState.TryDecode(bytes) : null;
        if (p.Version == 1)
        {
            if (signer is not { Role: Role.Doctor } || !Consent.DoctorMay(context.State, p.PatientId, signer, ConsentCategories.Reports, context.Timestamp))
            {
                return TxResult.Reject(TxVerdict.Unauthorized, "only a doctor who attends the patient or holds their consent for reports may add a report");
            }
            if (current is not null) return TxResult.Reject(TxVerdict.AlreadyExists, $"report id '{p.ReportId}' is taken");
        }
        else
        {
            if (current is null || current.PatientId != p.PatientId) return TxResult.Reject(TxVerdict.NotFound, $"report '{p.ReportId}' of this patient does not exist");
            if (signer is null || !Consent.MayAmendReport(context.State, signer, patient.Id, patient.OrganisationId, p.ReportId, context.Timestamp)) return TxResult.Reject(TxVerdict.Unauthorized, AmendRule);
            if (p.Version != current.Version + 1) return TxResult.Reject(TxVerdict.Conflict, $"version {p.Version} does not follow the current version {current.Version}");
            if (p.Type != current.Type) return TxResult.Reject(TxVerdict.InvalidField, $"an amendment keeps the report type ({current.Type})");
        }
        var org = context.GetOrganisation(patient.OrganisationId)!;
        var patientUser = context.GetUser(p.PatientId)!;
        if (CategoryKeyRules.RequireReaders(context, tx, p.Record, p.PatientId, ConsentCategories.Reports, org, patientUser.EncryptionKey) is { } missing) return missing;

        var state = new ReportState(p.ReportId, p.PatientId, p.Version, p.Type, signer!.Id, p.ContentHash, p.Record, p.Document,
            new RecordProof(tx.Id, context.Height, context.Timestamp));
        var encoded = state.Encode();
        context.State.Set(StateKeys.Report(p.ReportId), encoded);
        context.State.Set(StateKeys.ReportVersion(p.ReportId, p.Version), encoded);
        if (!context.State.Contains(StateKeys.ContentHash(p.ContentHash)))
        {
            context.State.Set(StateKeys.ContentHash(p.ContentHash), System.Text.Encoding.UTF8.GetBytes($"{p.ReportId}/{p.Version}"));
        }
        return TxResult.Ok;
    }

    /// <summary>Why an amendment is refused to anyone but the report's author or an admin of the author's organisation.</summary>
    public const string AmendRule = "only the report's author (or an admin of their organisation) amends a report; others add a new report";

    /// <inheritdoc/>
    public override string? PatientOfRecord(TxContext context, string recordId, int version) =>
        context.State.TryGet(StateKeys.ReportVersion(recordId, version), out var bytes) ? ReportState.TryDecode(bytes)?.PatientId : null;
}
