using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.PatientSummary;

/// <summary>
/// Whole-record printouts (<c>GET /api/v1/patients/{id}/record.pdf</c>, <see cref="PatientRecordPdf"/>): the patient's
/// record as the reader may see it at the end of the current block, each item with its ledger proof and one verification
/// code; its SHA-256 is recorded on the chain before it is issued (<see cref="PrintoutRecorder"/>,
/// <see cref="PrintoutSubject.PatientRecord"/>), so <c>healthledger verify-file</c>, <c>POST /api/v1/verify/file</c> and the
/// <c>/verify</c> page recognise it (<see cref="IPrintoutSubject"/>).
/// </summary>
public sealed class PatientRecordPrintouts(LedgerNode node, PatientService patients, PatientRecordService records, LabService lab, PharmacyService pharmacy,
    ReportStore reports, RecordAccess access, PrintoutRecorder printouts) : IPrintoutSubject
{
    /// <summary>
    /// The whole-record PDF of <paramref name="patientId"/> for <paramref name="actor"/>: admins of the patient's organisation,
    /// doctors who reach any part of the record, and the patient themself (other roles 403); only the categories the reader
    /// may see, the others named as not shared. The read is recorded as a disclosure (one per category read). 403, 404; a
    /// printout the ledger did not record is not issued (409 "not done").
    /// </summary>
    public async Task<Outcome<PrintedReport>> PrintAsync(UserSession actor, string patientId, string verifyUrl, CancellationToken ct)
    {
        if (actor.Role is not (Role.Admin or Role.Doctor or Role.Patient)) return access.Forbid<PrintedReport>(actor, "print the whole record of", patientId);
        var tip = node.Tip;
        var record = records.Get(actor, patientId);
        if (!record.IsOk) return record.As<PrintedReport>();
        var patient = record.Value!.Patient;
        var shared = patient.Shared;
        bool Until(RecordProof p) => p.Height <= tip.Height;
        var sections = new PatientRecordSections(patient,
            record.Value.Encounters?.Where(e => Until(e.Proof)).ToList(),
            record.Value.Account is { } account ? account with { Lines = account.Lines.Where(l => Until(l.Entry.Proof)).ToList() } : null,
            (shared & ConsentCategories.Laboratory) != 0 && lab.ForPatient(actor, patientId) is { IsOk: true } orders
                ? orders.Value!.Select(o => (Order: o, Validation: o.LastValidation)).Where(o => o.Order.Status == LabOrderStatus.Validated && o.Validation is not null && Until(o.Validation.Proof))
                    .OrderBy(o => o.Validation!.Proof.Height).Select(o => (o.Order, o.Validation!)).ToList()
                : null,
            (shared & ConsentCategories.Medication) != 0 && pharmacy.MedicationList(actor, patientId) is { IsOk: true } medication
                ? medication.Value!.Where(m => Until(m.Prescription.Proof)).OrderBy(m => m.Prescription.Proof.Height)
                    .Select(m => (m.Prescription, (IReadOnlyList<DispenseView>)m.Dispenses.Where(d => Until(d.Proof)).ToList())).ToList()
                : null,
            (shared & ConsentCategories.Reports) != 0 ? reports.Reports(patientId).Where(r => Until(r.Proof)).OrderBy(r => r.Proof.Height).ToList() : null);
        var pdf = PatientRecordPdf.Render(sections, printouts.Letterhead(patient.OrganisationId), printouts.Style(actor), tip.Height, tip.Hash,
            DateTimeOffset.FromUnixTimeMilliseconds((long)tip.Timestamp), verifyUrl);
        return await printouts.IssueAsync(PrintoutSubject.PatientRecord, patientId, checked((int)tip.Height), pdf, $"{patientId}-record-{tip.Height}.pdf", ct);
    }

    /// <inheritdoc/>
    public PrintoutSubject Subject => PrintoutSubject.PatientRecord;

    /// <inheritdoc/>
    public FileMatch Match(UserSession actor, string id, int version, Hash256 hash)
    {
        var recorded = Recorded(id, (ulong)version, hash);
        var visible = recorded is { } && patients.GetPatient(actor, id, ConsentCategories.All, $"file check of a record printout", anyOf: true).IsOk;
        if (!visible) return new FileMatch(hash.ToString(), true, null, null, null, null, null, null, false);
        var proof = recorded!.Value;
        return new FileMatch(hash.ToString(), true, id, version, Signer(proof.TxId) ?? "?", proof.Height, DateTimeOffset.FromUnixTimeMilliseconds((long)proof.Timestamp),
            false, true, true, "patient-record");
    }

    /// <inheritdoc/>
    public Task<ReportCheck?> CheckCodeAsync(string id, int version, string txPrefix, CancellationToken ct)
    {
        if (version < 0 || (ulong)version > node.Tip.Height || node.GetState(StateKeys.Patient(id)) is null) return Task.FromResult<ReportCheck?>(null);
        var height = (ulong)version;
        var block = node.Store.ReadBlock(height);
        if (block is null || !BlockHeader.TryDecode(block.Header, out var header, out _) || header is null
            || !header.Hash.ToString().StartsWith(txPrefix, StringComparison.Ordinal)) return Task.FromResult<ReportCheck?>(null);
        var printed = node.ScanState(StateKeys.RecordPrintoutsOf(id, height));
        if (printed.Count == 0) return Task.FromResult<ReportCheck?>(null);
        // The latest recording of a printout of this snapshot (several readers may each have printed their own view).
        var (key, value) = printed[^1];
        var problems = new List<string>();
        if (Proof(value) is not { } proof) return Task.FromResult<ReportCheck?>(new ReportCheck(id, version, "whole patient record", "?", 0, default, "", "", false, ["its recording on the ledger is damaged"], false));
        StoredRecordChecks.StateEntry(node, key, value, problems);
        var signer = Signer(proof.TxId) ?? "?";
        var hash = key[(key.LastIndexOf('/') + 1)..];
        if (StoredRecordChecks.SignedTransaction(node, proof, signer, problems) is { } tx
            && (tx.Payload is not RecordPrintoutPayload p || p.Subject != PrintoutSubject.PatientRecord || p.ReportId != id || p.Version != version || p.Sha256.ToString() != hash))
        {
            problems.Add("the recorded printout does not match its transaction");
        }
        return Task.FromResult<ReportCheck?>(new ReportCheck(id, version, $"whole patient record as of block {height}", signer, proof.Height,
            DateTimeOffset.FromUnixTimeMilliseconds((long)proof.Timestamp), proof.TxId.ToString(), hash, problems.Count == 0, problems, false));
    }

    private RecordProof? Recorded(string id, ulong height, Hash256 hash) =>
        node.GetState(StateKeys.RecordPrintout(id, height, hash)) is { } bytes ? Proof(bytes) : null;

    private static RecordProof? Proof(byte[] bytes)
    {
        var reader = new CanonicalReader(bytes);
        return RecordProof.TryRead(ref reader, out var proof) ? proof : null;
    }

    private string? Signer(Hash256 txId) =>
        node.Store.FindTransaction(txId) is { } committed && node.Store.ReadBlock(committed.Height) is { } block
        && block.Transactions.FirstOrDefault(t => t.Index == committed.Index) is { } stored
        && Core.Transactions.Transaction.TryDecode(stored.Body, int.MaxValue, out var tx).IsOk && tx is not null
        && node.GetState(StateKeys.Signer(tx.Signer)) is { } s ? SignerRecord.TryDecode(s)?.Id : null;
}
