using System.Globalization;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Accounts;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Pharmacy;
using HealthLedger.Node.Printouts;

namespace HealthLedger.Node.PatientSummary;

/// <summary>
/// The printable whole record of a patient (<see cref="PrintoutWriter"/>, like report printouts) as one reader sees it at
/// the end of a block (the snapshot): the custodian's letterhead (name and contact details, <see cref="Letterhead"/>);
/// demographics (with their version); encounters; the hospital account's lines and totals ("No charges or payments recorded"
/// when it has none); validated lab results (flagged ones marked, bold and coloured, <see cref="PrintoutWriter.Flagged"/>);
/// the patient's recorded allergies and prescriptions with their dispenses; medical reports (latest version of each, named
/// by type) — every item followed by its ledger proof (transaction id, block height, block time); a section the patient
/// does not share with the reader is named as not shared; then the signature block (issued electronically by the custodian
/// through its node, for the reader). Amounts carry the hospital's currency code, times are in the hospital's time zone and
/// culture, and people (doctors, pathologists, pharmacists, the reader) are named as the reader may see them
/// (<see cref="PrintoutStyle"/>). One verification code for the document:
/// <c>HL-&lt;patient&gt;-v&lt;snapshot height&gt;-&lt;first 10 hex of that block's hash&gt;</c>. Deterministic for a given
/// snapshot and reader's view (the PDF ids derive from the block hash, dates are the block time), so its SHA-256 can be
/// recorded on the chain.
/// </summary>
public static class PatientRecordPdf
{
    /// <summary>The verification code of a whole-record printout as of block <paramref name="height"/> (hash <paramref name="blockHash"/>).</summary>
    public static string VerificationCode(string patientId, ulong height, Hash256 blockHash) => $"HL-{patientId}-v{height}-{blockHash.ToString()[..10]}";

    /// <summary>
    /// Renders the record <paramref name="sections"/> as of block <paramref name="height"/> under <paramref name="letterhead"/>,
    /// printed for <paramref name="style"/>'s reader (named in the signature block, <see cref="PrintoutStyle.ReaderLine"/>), with
    /// amounts, times and people shown in <paramref name="style"/>.
    /// </summary>
    public static byte[] Render(PatientRecordSections sections, Letterhead letterhead, PrintoutStyle style, ulong height, Hash256 blockHash, DateTimeOffset blockTime,
        string verifyUrl)
    {
        var patient = sections.Patient;
        var code = VerificationCode(patient.Id, height, blockHash);
        var pdf = new PrintoutWriter(letterhead, style, $"Patient record {patient.Id} as of block {height}",
            $"HealthLedger whole patient record {patient.Id} as of block {height}, verification code {code}", blockHash, blockTime);
        void Proof(string item, RecordProof proof) => pdf.Line($"{item} · transaction {proof.TxId} · block {proof.Height} · {style.BlockTime(proof.Timestamp)}", pdf.Small, 5);
        pdf.Line("Patient record", pdf.Title, 4);
        pdf.Line($"The record as the reader sees it at the end of block {height} ({style.BlockTime(blockTime)}). Each item is followed by its ledger proof: transaction, block and block time.", pdf.Small, 8);
        pdf.Line(pdf.PatientLine(patient), pdf.Body, 8);

        pdf.Line("Demographics", pdf.Heading);
        if (patient.DemographicsShared)
        {
            var d = patient.Details;
            pdf.Line($"Phone: {Or(d.Phone)}   Email: {Or(d.Email)}   Blood group: {d.BloodGroup}", pdf.Body, 1);
            pdf.Line($"Address: {Or(d.Address)}", pdf.Body, 1);
            pdf.Line($"Conditions: {Or(string.Join(", ", d.Conditions))}   Allergies: {Or(d.Allergies)}", pdf.Body, 1);
            pdf.Line($"Medication history (as reported): {Or(string.Join("; ", d.Medications))}", pdf.Body, 1);
            pdf.Line($"Emergency contact: {Or(d.EmergencyContact)}", pdf.Body, 1);
            Proof($"Version {patient.Version}", patient.Proof);
        }
        else
        {
            NotShared(pdf);
        }

        pdf.Line("Encounters", pdf.Heading);
        if (sections.Encounters is { } encounters)
        {
            if (encounters.Count == 0) pdf.Line("None.", pdf.Body, 6);
            foreach (var e in encounters)
            {
                var what = string.Join("; ", new[] { e.Details.Reason, e.Details.Diagnosis, e.Details.Summary, e.Details.Notes }.Where(s => s.Length > 0));
                var place = e.Details.Ward.Length > 0 ? $" ward {e.Details.Ward}{(e.Details.Bed.Length > 0 ? " bed " + e.Details.Bed : "")}" : "";
                pdf.Line($"{style.Time(e.Details.OccurredAt)} {Title(e.Type)}{(e.DoctorId.Length > 0 ? " with " + style.Person(e.DoctorId) : "")}{place}{(what.Length > 0 ? ": " + what : "")}", pdf.Body, 1);
                Proof(e.Id, e.Proof);
            }
        }
        else
        {
            NotShared(pdf);
        }

        pdf.Line("Account", pdf.Heading);
        if (sections.Account is { } account)
        {
            if (account.Lines.Count == 0) pdf.Line("No charges or payments recorded", pdf.Body, 6);
            foreach (var line in account.Lines)
            {
                var label = line.Entry.Details.Service.Length > 0 ? line.Entry.Details.Service : line.Entry.Details.Method;
                pdf.Line($"{style.Date(line.Entry.Details.OccurredAt)} {Title(line.Entry.Type)} {label}: {style.Money(line.Amount)}   balance {style.Money(line.RunningBalance)}", pdf.Body, 1);
                Proof(line.Entry.Id, line.Entry.Proof);
            }
            if (account.Lines.Count > 0) pdf.Line($"Charges {style.Money(account.Charges)}   Payments {style.Money(account.Payments)}   Balance {style.Money(account.Balance)}", pdf.Body, 8);
        }
        else
        {
            NotShared(pdf);
        }

        pdf.Line("Laboratory results (validated)", pdf.Heading);
        if (sections.LabOrders is { } orders)
        {
            if (orders.Count == 0) pdf.Line("None.", pdf.Body, 6);
            foreach (var (order, validation) in orders)
            {
                pdf.Line($"Order {order.Id} ({order.Order.Priority}), validated by {style.Person(validation.AuthorId)} {style.Time(validation.Content.At)}", pdf.Body, 1);
                foreach (var r in validation.Content.Report)
                {
                    var flag = r.Flag.Length > 0 ? $"   flag {r.Flag}" : "";
                    pdf.Flagged($"   {r.Name} ({r.Code}): {r.Value.ToString(CultureInfo.InvariantCulture)} {r.Unit}{(r.ReferenceRange.Length > 0 ? $"   (reference {r.ReferenceRange})" : "")}{flag}", r.Flag, r.Critical);
                }
                if (validation.Content.Notes.Length > 0) pdf.Line($"   Pathologist's comment: {validation.Content.Notes}", pdf.Body, 1);
                Proof($"{order.Id} v{validation.Version}", validation.Proof);
            }
        }
        else
        {
            NotShared(pdf);
        }

        pdf.Line("Medication", pdf.Heading);
        if (sections.Medication is { } medication)
        {
            pdf.Line(ReportPdf.AllergiesLine(patient), pdf.BodyBold, 2);
            if (medication.Count == 0) pdf.Line("None.", pdf.Body, 6);
            foreach (var (rx, dispenses) in medication)
            {
                var d = rx.Details;
                pdf.Line($"{d.Drug} {d.Dose} {d.Route} {d.Frequency}, {d.DurationDays} days, quantity {rx.Quantity} with {rx.Repeats} repeats, prescribed by {style.Person(rx.DoctorId)}{(d.Instructions.Length > 0 ? ": " + d.Instructions : "")}", pdf.Body, 1);
                Proof(rx.Id, rx.Proof);
                foreach (var dispense in dispenses)
                {
                    pdf.Line($"   Dispensed {dispense.Quantity} by {style.Person(dispense.PharmacistId)}", pdf.Body, 1);
                    Proof("   " + dispense.Id, dispense.Proof);
                }
            }
        }
        else
        {
            NotShared(pdf);
        }

        pdf.Line("Medical reports", pdf.Heading);
        if (sections.Reports is { } reports)
        {
            if (reports.Count == 0) pdf.Line("None.", pdf.Body, 6);
            foreach (var report in reports)
            {
                pdf.Line($"{ReportInput.DisplayName(report.Type)} \"{report.Content.Title}\" by {style.Person(report.AuthorId)}, version {report.Version}: {report.Content.Summary}", pdf.Body, 1);
                Proof($"{report.Id} v{report.Version}", report.Proof);
            }
        }
        else
        {
            NotShared(pdf);
        }

        pdf.Signature($"{letterhead.Name}, for {style.ReaderLine}", blockTime,
            $"by its HealthLedger node, snapshot of block {height}; the file's SHA-256 is recorded on the ledger in a node-signed transaction", code, "Issued electronically by");
        return pdf.Finish(code, verifyUrl, $"Snapshot: end of block {height}, block hash {blockHash}",
            $"Printed as of {style.BlockTime(blockTime)}; the file's SHA-256 is recorded on the ledger");
    }

    private static void NotShared(PrintoutWriter pdf) => pdf.Line("Not shared with the reader.", pdf.Body, 6);

    private static string Or(string text) => text.Length > 0 ? text : "—";

    private static string Title(EntryType type) => type.ToString().ToLowerInvariant();
}

/// <summary>
/// What a whole-record printout shows: the patient as the reader sees them, and each section the reader may read (null when
/// the patient does not share it with them): encounters, the account, validated lab orders with the validation printed,
/// prescriptions with their dispenses, and the latest version of each medical report.
/// </summary>
public sealed record PatientRecordSections(Patients.PatientView Patient, IReadOnlyList<EntryView>? Encounters, AccountView? Account,
    IReadOnlyList<(LabOrderView Order, LabStepView Validation)>? LabOrders, IReadOnlyList<(PrescriptionView Prescription, IReadOnlyList<DispenseView> Dispenses)>? Medication,
    IReadOnlyList<ReportView>? Reports);
