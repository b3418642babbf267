using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using HealthLedger.Storage;

namespace HealthLedger.Node.MedicalReports;

/// <summary>
/// Medical reports: doctors add them (with an optional file, streamed and encrypted into the document store) and amend them
/// (new versions; history kept); readers get them subject to the access policy, every read recorded; anyone entitled can
/// check a report's authenticity, and anyone can find which report an uploaded file is.
/// </summary>
public sealed class ReportService(LedgerNode node, ReportStore records, PatientService patients, DoctorDirectory doctors, RecordWriter writer,
    OrganisationKeys organisation, AccessPolicy access, IDocumentStore documents, NodeOptions options, CategoryKeyring keyring,
    PrintoutRecorder printouts, IEnumerable<IPrintoutSubject> otherPrintouts)
{
    /// <summary>Accepted file types and their leading bytes (null: no signature to check).</summary>
    public static readonly IReadOnlyDictionary<string, byte[]?> ContentTypes = new Dictionary<string, byte[]?>(StringComparer.OrdinalIgnoreCase)
    {
        ["application/pdf"] = "%PDF-"u8.ToArray(),
        ["image/png"] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
        ["image/jpeg"] = [0xFF, 0xD8, 0xFF],
        ["application/dicom"] = null,
        ["text/plain"] = null,
    };

    /// <summary>
    /// Amends a report: a new version of it (its patient is the report's), by its author or an admin of the author's
    /// organisation; anyone else adds a new report. Without a new file the previous version's file is kept, not uploaded again.
    /// </summary>
    public Task<Outcome<ReportView>> AmendAsync(UserSession actor, string reportId, ReportInput input, UploadedFile? file, CancellationToken ct) =>
        records.ReportVersions(reportId).FirstOrDefault()?.PatientId is { } patientId
            ? AddAsync(actor, patientId, input, file, reportId, ct)
            : Task.FromResult(Outcome<ReportView>.NotFound(Missing.Message("Report", reportId)));

    /// <summary>
    /// Adds a report (or, with <paramref name="amends"/>, a new version of one) for a patient. Answers the version as
    /// written, from the read model: the author's own echo is not a disclosure.
    /// </summary>
    public async Task<Outcome<ReportView>> AddAsync(UserSession actor, string patientId, ReportInput input, UploadedFile? file, string? amends, CancellationToken ct)
    {
        var patientOutcome = patients.GetPatient(actor, patientId, ConsentCategories.Reports, "report form", record: false);
        if (!patientOutcome.IsOk) return patientOutcome.As<ReportView>();
        var previous = amends is null ? null : records.ReportVersions(amends).LastOrDefault();
        if (amends is not null && (previous is null || previous.PatientId != patientId)) return Outcome<ReportView>.NotFound(Missing.Message("Report of this patient", amends));
        if (previous is null && actor.Role != Role.Doctor) return Outcome<ReportView>.Forbidden("Only doctors add medical reports.");
        if (previous is not null && !access.MayAmendReport(actor, patientId, patientOutcome.Value!.OrganisationId, previous.Id))
        {
            return Outcome<ReportView>.Forbidden(AddReportHandler.AmendRule[..1].ToUpperInvariant() + AddReportHandler.AmendRule[1..] + ".");
        }
        if (previous is not null) input.Type = ReportInput.TypeName(previous.Type);
        var (type, content, errors) = input.Validate(file is not null || previous?.State.Document is not null, previous is not null);
        if (content is null) return Outcome<ReportView>.Invalid(errors);
        if (file is not null && !ContentTypes.ContainsKey(file.ContentType))
        {
            return Outcome<ReportView>.Invalid(FieldErrors.One("file", $"Files of type {(file.ContentType.Length <= 100 && FieldRules.ForbiddenCharacter(file.ContentType) is null ? $"'{file.ContentType}'" : "(not shown)")} are not accepted; use PDF, PNG, JPEG, DICOM or plain text."));
        }

        var reportId = previous?.Id ?? RecordIds.New("rp");
        var version = (previous?.Version ?? 0) + 1;
        // An amendment without a new file keeps the previous version's file: the same document reference, so the same
        // data key (the file is encrypted under it), which seals this version's content too (its own associated data).
        var kept = file is null ? previous?.State.Document : null;
        var dataKey = kept is null ? RandomNumberGenerator.GetBytes(RecordCrypto.DataKeyLength)
            : keyring.OpenDataKey(previous!.Id, previous.Version, previous.State.Record, organisation.Keys.Encryption);
        if (dataKey is null) return Outcome<ReportView>.Failed($"The key of report {previous!.Id} v{previous.Version} is not available to this node.");
        DocumentRef? document = null;
        try
        {
            if (file is not null)
            {
                var expected = ContentTypes[file.ContentType];
                // SHA-1 while the bytes stream in (FHIR's Attachment.hash): nothing has to be decrypted to give it later.
                using var hashed = new Sha1ReadingStream(file.Content);
                var written = await documents.WriteAsync(hashed, dataKey, RecordSealer.FileAad(reportId, version), options.MaxDocumentBytes,
                    first => expected is null || first.Span.StartsWith(expected) ? null : $"The file's content is not {file.ContentType}.", ct);
                if (written.Error is { } error) return Outcome<ReportView>.Invalid(FieldErrors.One("file", error));
                document = written.Reference;
                if (file.CheckRest is { } checkRest && await checkRest() is { } refused)
                {
                    if (document is not null) documents.Discard(document.CiphertextHash);
                    return Outcome<ReportView>.Invalid(FieldErrors.One("file", refused));
                }
                content = content with
                {
                    File = new AttachedFile(Path.GetFileName(file.FileName), file.ContentType.ToLowerInvariant(), written.PlaintextLength,
                    hashed.BytesRead == written.PlaintextLength ? hashed.Sha1Base64() : "")
                };
            }
            else if (kept is not null)
            {
                content = content with { File = previous!.Content.File };
            }
            var contentHash = document?.PlaintextHash ?? kept?.PlaintextHash ?? RecordSealer.PlaintextHash(content);
            var outcome = await writer.SubmitSealedAsync(actor, () =>
            {
                var (reference, ciphertext) = keyring.Seal(patientId, ConsentCategories.Reports, reportId, version, content, dataKey);
                return (new AddReportPayload(reportId, patientId, version, type, contentHash, reference, document ?? kept), RecordWriter.Blobs(reference, ciphertext));
            }, reportId, ct);
            if (!outcome.IsOk)
            {
                if (document is not null) documents.Discard(document.CiphertextHash);
                return outcome.As<ReportView>();
            }
            return records.ReportVersions(reportId).FirstOrDefault(r => r.Version == version) is { } view
                ? Outcome<ReportView>.Ok(view)
                : Outcome<ReportView>.Failed($"Report {reportId} v{version} was committed in block {outcome.Value!.Height} but this node cannot open it.");
        }
        catch
        {
            if (document is not null) documents.Discard(document.CiphertextHash);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>True when the actor may amend the report now (its author or an admin of the author's organisation, reaching the patient's reports).</summary>
    public bool MayAmend(UserSession actor, string reportId) =>
        records.ReportVersions(reportId).LastOrDefault() is { } report && patients.AsSeenBy(actor, report.PatientId) is { } patient
        && (patient.Shared & ConsentCategories.Reports) != 0 && access.MayAmendReport(actor, patient.Id, patient.OrganisationId, report.Id);

    /// <summary>The latest version of each of a patient's reports.</summary>
    public Outcome<IReadOnlyList<ReportView>> ForPatient(UserSession actor, string patientId)
    {
        var patient = patients.GetPatient(actor, patientId, ConsentCategories.Reports, "report list");
        return patient.IsOk ? Outcome<IReadOnlyList<ReportView>>.Ok(records.Reports(patientId)) : patient.As<IReadOnlyList<ReportView>>();
    }

    /// <summary>All versions of a report (oldest first), if the actor may read the patient's reports.</summary>
    public Outcome<IReadOnlyList<ReportView>> Get(UserSession actor, string reportId)
    {
        patients.OpenGrantedTo(actor); // a grantee's reports of another organisation's patient, opened at this node
        var versions = records.ReportVersions(reportId);
        if (versions.Count == 0) return Outcome<IReadOnlyList<ReportView>>.NotFound(Missing.Message("Report", reportId));
        var patient = patients.GetPatient(actor, versions[0].PatientId, ConsentCategories.Reports, $"report {reportId}");
        return patient.IsOk ? Outcome<IReadOnlyList<ReportView>>.Ok(versions) : patient.As<IReadOnlyList<ReportView>>();
    }

    /// <summary>A report version's file: the caller streams it with the returned writer (which checks the stored file first).</summary>
    public Outcome<(ReportView Report, Func<Stream, CancellationToken, Task<string?>> WriteTo)> File(UserSession actor, string reportId, int? version)
    {
        patients.OpenGrantedTo(actor); // a grantee's reports of another organisation's patient, opened at this node
        var versions = records.ReportVersions(reportId);
        if (versions.Count == 0) return Outcome<(ReportView, Func<Stream, CancellationToken, Task<string?>>)>.NotFound(Missing.Message("Report", reportId));
        var report = version is { } v ? versions.FirstOrDefault(r => r.Version == v) : versions[^1];
        if (report?.State.Document is not { } document) return Outcome<(ReportView, Func<Stream, CancellationToken, Task<string?>>)>.NotFound($"Report '{Missing.Shown(reportId)}' has no file{(version is null ? "" : $" in version {version}")}.");
        var patient = patients.GetPatient(actor, report.PatientId, ConsentCategories.Reports, $"report file {reportId} v{report.Version}");
        if (!patient.IsOk) return patient.As<(ReportView, Func<Stream, CancellationToken, Task<string?>>)>();
        return Outcome<(ReportView, Func<Stream, CancellationToken, Task<string?>>)>.Ok((report, async (output, ct) =>
        {
            // The organisation's key opens its own patients' files; a grantee's own key (their session at this node) another organisation's.
            var key = keyring.OpenDataKey(report.Id, report.Version, report.State.Record, organisation.Keys.Encryption)
                ?? keyring.OpenDataKey(report.Id, report.Version, report.State.Record, actor.Keys.Encryption);
            if (key is null) return "the file's key is not available to this node";
            try
            {
                return await documents.DecryptToAsync(document, key, RecordSealer.FileAad(report.Id, FileVersion(report.Id, report.Version, document)), output, ct);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
        ));
    }

    /// <summary>
    /// The printable report of a version (the latest when <paramref name="version"/> is null) as a PDF, with its
    /// verification code and a QR code of <paramref name="verifyUrl"/>, headed by the name of the organisation that holds the
    /// patient's record (the custodian, wherever it is printed); the read is recorded as a disclosure. The PDF is
    /// rendered deterministically and its SHA-256 is recorded on the chain (a node-signed <see cref="RecordPrintoutPayload"/>,
    /// once per distinct printout) before it is handed out, so the downloaded file is recognised as this version by
    /// <see cref="MatchFileAsync"/> and <c>healthledger verify-file</c> on any node. A printout that cannot be recorded is not issued.
    /// </summary>
    public async Task<Outcome<PrintedReport>> PrintAsync(UserSession actor, string reportId, int? version, string verifyUrl, CancellationToken ct)
    {
        var outcome = Get(actor, reportId);
        if (!outcome.IsOk) return outcome.As<PrintedReport>();
        var report = version is { } v ? outcome.Value!.FirstOrDefault(r => r.Version == v) : outcome.Value![^1];
        if (report is null) return Outcome<PrintedReport>.NotFound($"Report '{Missing.Shown(reportId)}' has no version {version}.");
        if (patients.AsSeenBy(actor, report.PatientId) is not { } patient) return Outcome<PrintedReport>.NotFound(Missing.Message("Patient", report.PatientId));
        // The header names the custodian (the patient's organisation), not this node's: a grantee of another organisation
        // prints the same document, with the same hash, as the custodian's own node would.
        var pdf = ReportPdf.Render(report, patient, doctors.Doctor(report.AuthorId), printouts.Letterhead(patient.OrganisationId), printouts.Style(actor), verifyUrl);
        return await printouts.IssueAsync(PrintoutSubject.Report, report.Id, report.Version, pdf, $"{report.Id}-v{report.Version}.pdf", ct);
    }

    /// <summary>Checks a report version against the chain (entitled readers).</summary>
    public async Task<Outcome<ReportCheck>> VerifyAsync(UserSession actor, string reportId, int? version, CancellationToken ct)
    {
        patients.OpenGrantedTo(actor); // a grantee's reports of another organisation's patient, opened at this node
        var versions = records.ReportVersions(reportId);
        var report = version is { } v ? versions.FirstOrDefault(r => r.Version == v) : versions.LastOrDefault();
        var stateOnly = report is null && node.GetState(StateKeys.Report(reportId)) is { } raw ? ReportState.TryDecode(raw) : null;
        var patientId = report?.PatientId ?? stateOnly?.PatientId;
        if (patientId is null) return Outcome<ReportCheck>.NotFound(Missing.Message("Report", reportId));
        var patient = patients.GetPatient(actor, patientId, ConsentCategories.Reports, $"report check {reportId}");
        if (!patient.IsOk) return patient.As<ReportCheck>();
        return Outcome<ReportCheck>.Ok(await CheckAsync(reportId, report?.Version ?? version ?? stateOnly!.Version, ct));
    }

    /// <summary>
    /// The anonymous check behind a printed verification code ("HL-report-vN-txprefix"): says who signed which version
    /// in which block and whether it is unchanged, and nothing about the patient.
    /// </summary>
    public async Task<ReportCheck?> VerifyCodeAsync(string? code, CancellationToken ct)
    {
        var match = System.Text.RegularExpressions.Regex.Match((code ?? "").Trim(), @"^HL-(?<id>[a-z0-9._-]{3,64})-v(?<v>\d{1,9})-(?<tx>[0-9a-f]{10})$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!match.Success) return null;
        var id = match.Groups["id"].Value.ToLowerInvariant();
        var version = int.Parse(match.Groups["v"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var tx = match.Groups["tx"].Value.ToLowerInvariant();
        var state = node.GetState(StateKeys.ReportVersion(id, version)) is { } bytes ? ReportState.TryDecode(bytes) : null;
        if (state is not null && state.Proof.TxId.ToString().StartsWith(tx, StringComparison.Ordinal)) return await CheckAsync(id, version, ct);
        // A lab report's code has the same shape (its order id and validation step), and a whole-record printout's (the patient and the snapshot's block).
        foreach (var subject in otherPrintouts)
        {
            if (await subject.CheckCodeAsync(id, version, tx, ct) is { } check) return check;
        }
        return null;
    }

    /// <summary>
    /// Which report version a file is (by its SHA-256: the report's own file, or a printout the network recorded), if any. Reveals no content. The report, version, author and block
    /// are named only to a caller who may read the patient's reports (the check is then a recorded disclosure); anyone
    /// else learns only that the file matches a report (the attempt is recorded as refused).
    /// </summary>
    public async Task<FileMatch> MatchFileAsync(UserSession actor, Stream file, CancellationToken ct)
    {
        var hash = new Hash256(await SHA256.HashDataAsync(file, ct));
        var pointer = node.GetState(StateKeys.ContentHash(hash)) is { } p ? System.Text.Encoding.UTF8.GetString(p).Split('/') : null;
        if (pointer is [var prefix, var recordId, var step]
            && (prefix + "/") switch { LabOrderState.Prefix => PrintoutSubject.LabReport, StateKeys.PatientRecordPrefix => PrintoutSubject.PatientRecord, _ => (PrintoutSubject?)null } is { } subject
            && otherPrintouts.FirstOrDefault(o => o.Subject == subject) is { } other)
        {
            // A lab report printout (the order's validation step) or a whole-record printout (the patient, the snapshot's block).
            return other.Match(actor, recordId, int.Parse(step, System.Globalization.CultureInfo.InvariantCulture), hash);
        }
        if (pointer is not [var id, var v]) return new FileMatch(hash.ToString(), false, null, null, null, null, null, null, false);
        var version = int.Parse(v, System.Globalization.CultureInfo.InvariantCulture);
        var state = node.GetState(StateKeys.ReportVersion(id, version)) is { } b ? ReportState.TryDecode(b)! : null;
        var visible = state is not null && patients.GetPatient(actor, state.PatientId, ConsentCategories.Reports, $"file check {id}").IsOk;
        if (!visible) return new FileMatch(hash.ToString(), true, null, null, null, null, null, null, false);
        var latest = node.GetState(StateKeys.Report(id)) is { } l ? ReportState.TryDecode(l) : null;
        return new FileMatch(hash.ToString(), true, id, version, state!.AuthorId, state.Proof.Height,
            DateTimeOffset.FromUnixTimeMilliseconds((long)state.Proof.Timestamp), latest is not null && latest.Version > version && latest.ContentHash != hash, true,
            state.ContentHash != hash, "report");
    }

    /// <summary>
    /// Re-derives a report version's authenticity from what is stored: its transaction in its block (decoded, signature
    /// verified, payload equal to the state), the sealed content's ciphertext, and the file (SHA-256 of the stored
    /// ciphertext, and of the decrypted plaintext against the content hash on the chain).
    /// </summary>
    private async Task<ReportCheck> CheckAsync(string reportId, int version, CancellationToken ct)
    {
        var problems = new List<string>();
        var state = node.GetState(StateKeys.ReportVersion(reportId, version)) is { } bytes ? ReportState.TryDecode(bytes) : null;
        if (state is null) return new ReportCheck(reportId, version, "?", "?", 0, default, "", "", false, ["the report's state entry is missing or damaged"], false);

        StoredRecordChecks.StateEntry(node, StateKeys.ReportVersion(reportId, version), state.Encode(), problems);
        if (StoredRecordChecks.SignedTransaction(node, state.Proof, state.AuthorId, problems) is { } tx
            && (tx.Payload is not AddReportPayload p || p.ContentHash != state.ContentHash || !p.Record.Equals(state.Record) || !Equals(p.Document, state.Document)))
        {
            problems.Add("the stored report does not match its transaction");
        }
        var ciphertext = StoredRecordChecks.SealedContent(node, state.Record.CiphertextHash, problems);
        if (state.Document is { } document)
        {
            var key = keyring.OpenDataKey(reportId, version, state.Record, organisation.Keys.Encryption);
            using var hasher = new HashingStream();
            var error = key is null ? "its key is not available to this node" : await documents.DecryptToAsync(document, key, RecordSealer.FileAad(reportId, FileVersion(reportId, version, document)), hasher, ct);
            if (key is not null) CryptographicOperations.ZeroMemory(key);
            if (error is not null) problems.Add("its file: " + error);
            else if (hasher.Hash() != state.ContentHash) problems.Add("its file does not match the content hash on the chain");
        }
        else if (ciphertext is not null)
        {
            var plain = keyring.OpenBytes(reportId, version, state.Record, ciphertext, organisation.Keys.Encryption);
            if (plain is null || Hashing.Sha256(plain) != state.ContentHash) problems.Add("its content does not match the content hash on the chain");
            if (plain is not null) CryptographicOperations.ZeroMemory(plain);
        }
        var latest = node.GetState(StateKeys.Report(reportId)) is { } l ? ReportState.TryDecode(l) : null;
        return new ReportCheck(reportId, version, ReportInput.TypeName(state.Type), state.AuthorId, state.Proof.Height,
            DateTimeOffset.FromUnixTimeMilliseconds((long)state.Proof.Timestamp), state.Proof.TxId.ToString(), state.ContentHash.ToString(),
            problems.Count == 0, problems, latest is not null && latest.Version > version, latest?.Version ?? version);
    }

    /// <summary>
    /// The version that uploaded <paramref name="document"/> (its encryption is bound to that version): the earliest
    /// version up to <paramref name="version"/> carrying the same file; amendments that keep a file carry its reference on.
    /// </summary>
    private int FileVersion(string reportId, int version, DocumentRef document)
    {
        var first = version;
        for (var v = version - 1; v >= 1; v--)
        {
            var state = node.GetState(StateKeys.ReportVersion(reportId, v)) is { } bytes ? ReportState.TryDecode(bytes) : null;
            if (state?.Document is not { } d || d.CiphertextHash != document.CiphertextHash) break;
            first = v;
        }
        return first;
    }

    /// <summary>A write-only stream that only hashes what is written to it.</summary>
    private sealed class HashingStream : WriteOnlyStream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public Hash256 Hash() => new(_hash.GetHashAndReset());
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }
}
