using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Localization;
using HealthLedger.Node.Patients;
using HealthLedger.Node.People;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;

namespace HealthLedger.Node.Printouts;

/// <summary>
/// Issues printouts: before a PDF is handed out, its SHA-256 is recorded on the chain in a node-signed
/// <see cref="RecordPrintoutPayload"/> (once per distinct printout: a hash already recorded is not submitted again), so the
/// downloaded file is recognised by <c>POST /api/v1/verify/file</c> and <c>healthledger verify-file</c> on any node. A
/// printout that cannot be recorded is not issued. Shared by medical reports, lab reports and whole-record printouts, which
/// also take their <see cref="Printouts.Letterhead"/> and their <see cref="PrintoutStyle"/> (amounts, times, names) from it.
/// </summary>
public sealed class PrintoutRecorder(LedgerNode node, NodeOptions options, OrganisationKeys organisation, HospitalFormat format, HospitalTime time,
    DoctorDirectory doctors, PatientService patients)
{
    /// <summary>
    /// How a printout for <paramref name="reader"/> shows amounts, times and people: the hospital's currency, culture and time
    /// zone, and names through a fresh <see cref="PersonNames"/> (as the pages do), as the reader may see them.
    /// </summary>
    public PrintoutStyle Style(UserSession reader) => new(format, time, new PersonNames(node, doctors, patients), reader);

    /// <summary>
    /// The letterhead of a record whose custodian is <paramref name="custodianId"/>: on this node's own organisation's records,
    /// <c>node.json</c>'s hospital name (else the organisation's name on the chain) and the address, phone and e-mail that
    /// are set; on another organisation's records (a grantee printing), that organisation's name on the chain only, as this
    /// node does not know its contact details.
    /// </summary>
    public Letterhead Letterhead(string custodianId)
    {
        var chainName = OrganisationNames.Of(node, custodianId);
        if (custodianId != organisation.Id) return new Letterhead(chainName);
        var hospital = options.Hospital;
        return new Letterhead(hospital.Name is { Length: > 0 } name ? name : chainName, hospital.Address, hospital.Phone, hospital.Email);
    }

    /// <summary>
    /// Records <paramref name="pdf"/>'s hash for <paramref name="subject"/> (<paramref name="id"/>, <paramref name="version"/>)
    /// and answers the printout, or a failed outcome (500-class problem, nothing issued) when the ledger did not record it
    /// within <see cref="NodeOptions.CommitTimeout"/> or refused it.
    /// </summary>
    public async Task<Outcome<PrintedReport>> IssueAsync(PrintoutSubject subject, string id, int version, byte[] pdf, string fileName, CancellationToken ct)
    {
        // The reads the printout shows are recorded first: a read refused because its disclosure could not be stored issues
        // no printout (before, the chain named a printout nobody received, one more at each retry of the refused read).
        await DisclosureRecorder.DurableSoFarAsync();
        var hash = Hashing.Sha256(pdf);
        if (node.GetState(StateKeys.ContentHash(hash)) is null)
        {
            // Waits for the commit as long as any other write does (a network without a quorum commits nothing): not forever.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.CommitTimeout);
            try
            {
                await node.SubmitAsNodeAsync(new RecordPrintoutPayload(id, version, hash, subject), timeout.Token);
            }
            catch (InvalidOperationException e)
            {
                return Outcome<PrintedReport>.Failed($"The printout could not be recorded on the ledger, so it was not issued; try again. ({e.Message})");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return Outcome<PrintedReport>.Failed($"The ledger did not record the printout within {options.CommitTimeout.TotalSeconds:0} s, so it was not issued; try again later.");
            }
        }
        return Outcome<PrintedReport>.Ok(new PrintedReport(pdf, fileName));
    }
}
