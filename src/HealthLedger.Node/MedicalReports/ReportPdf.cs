using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Printouts;

namespace HealthLedger.Node.MedicalReports;

/// <summary>
/// The printable report of one medical report version: the custodian's letterhead (name and contact details,
/// <see cref="Letterhead"/>); the title naming the type (<see cref="ReportInput.DisplayName"/>: "Laboratory report",
/// "Prescription", "Radiology report", "Discharge summary", "Medical document"; "(amended)" after an amendment) and the
/// report's own title; the patient; on a prescription, the patient's recorded allergies ("No known allergies recorded" when
/// none are, or that they are not shared with the reader); the content, flagged lab results marked and in bold and colour
/// (<see cref="PrintoutWriter.Flagged"/>); the signature block (signed electronically by the author, name and role, at the
/// block time, with the transaction and the verification code); times in the hospital's time zone and culture and people by
/// name (<see cref="PrintoutStyle"/>); and the verification block with a QR code that opens the
/// verification page (the code can also be typed in).
/// <para>
/// Rendering is deterministic (<see cref="PrintoutWriter"/>): the same version, seen by a reader with the same access, on
/// the same node, gives the same bytes. The node records each printout's SHA-256 on the chain (<c>RecordPrintout</c>),
/// which is what makes a downloaded copy checkable anywhere.
/// </para>
/// </summary>
public static class ReportPdf
{
    /// <summary>The allergies line of a prescription: the recorded allergies, "No known allergies recorded", or not shared.</summary>
    public static string AllergiesLine(PatientView patient) => !patient.DemographicsShared
        ? "Allergies: not shared with the reader; check them before dispensing."
        : patient.Details.Allergies.Trim() is { Length: > 0 } allergies ? $"Allergies: {allergies.ReplaceLineEndings("; ")}" : "No known allergies recorded";

    /// <summary>
    /// Renders <paramref name="report"/> for a reader who sees <paramref name="patient"/>, headed by <paramref name="letterhead"/>,
    /// times and names shown in <paramref name="style"/>; <paramref name="author"/> (the directory entry, null when this node
    /// has none) gives the author's specialty; the QR code opens <paramref name="verifyUrl"/>.
    /// </summary>
    public static byte[] Render(ReportView report, PatientView patient, DoctorView? author, Letterhead letterhead, PrintoutStyle style, string verifyUrl)
    {
        var blockTime = DateTimeOffset.FromUnixTimeMilliseconds((long)report.Proof.Timestamp);
        var type = ReportInput.DisplayName(report.Type);
        var pdf = new PrintoutWriter(letterhead, style, $"{type} {report.Id} v{report.Version}",
            $"HealthLedger {type.ToLowerInvariant()} {report.Id} version {report.Version}, verification code {report.VerificationCode}", report.Proof.TxId, blockTime);
        pdf.Line(report.Content.AmendmentReason.Length > 0 ? $"{type} (amended)" : type, pdf.Title, 4);
        pdf.Line(report.Content.Title, pdf.Heading, 6);
        pdf.Line(pdf.PatientLine(patient), pdf.Body);
        if (report.Type == ReportType.Prescription) pdf.Line(AllergiesLine(patient), pdf.BodyBold);
        var authorName = style.Person(report.AuthorId);
        pdf.Line($"Report {report.Id}   Version: {report.Version}   Author: {authorName}", pdf.Body);
        pdf.Line($"Recorded in block {report.Proof.Height} at {style.BlockTime(blockTime)}", pdf.Body, 10);
        if (report.Content.AmendmentReason.Length > 0) pdf.Line($"Amendment: {report.Content.AmendmentReason}", pdf.Body, 8);

        if (report.Content.LabResults.Count > 0)
        {
            pdf.Line("Results", pdf.Heading);
            foreach (var r in report.Content.LabResults)
            {
                pdf.Flagged($"{r.Test}: {r.Value} {r.Unit}   (reference {r.ReferenceRange}){(r.Flag.Length > 0 ? "   flag " + r.Flag : "")}", r.Flag);
            }
            if (report.Content.LabResults.Any(r => r.Flag.Length > 0)) pdf.Gap(3).Line("Flags: [H] above, [L] below the reference range, [!!] critical, [A] abnormal.", pdf.Small, 1);
            pdf.Gap(6);
        }
        if (report.Content.Prescription is { } p)
        {
            pdf.Line("Prescription", pdf.Heading);
            pdf.Line($"{p.Drug} — {p.Dose}, {p.Route}, {p.Frequency}, for {p.Duration}", pdf.Body, 8);
        }
        if (report.Content.Summary.Length > 0)
        {
            pdf.Line(report.Type == ReportType.Imaging ? "Findings" : "Summary", pdf.Heading);
            foreach (var paragraph in report.Content.Summary.Split('\n')) pdf.Line(paragraph, pdf.Body, 2);
            pdf.Gap(6);
        }
        if (report.Content.File is { } file)
        {
            pdf.Line("Attached file", pdf.Heading);
            pdf.Line($"{file.Name} ({file.ContentType}, {file.Size.ToString("#,0", CultureInfo.InvariantCulture)} bytes), SHA-256 {report.State.ContentHash}", pdf.Body, 8);
        }
        var role = author is { Details.Specialty.Length: > 0 } ? $"doctor, {author.Details.Specialty}" : "doctor";
        pdf.Signature($"{authorName}, {role}", blockTime, $"ledger signature: transaction {report.Proof.TxId} in block {report.Proof.Height}", report.VerificationCode);
        return pdf.Finish(report.VerificationCode, verifyUrl, $"Transaction {report.Proof.TxId}", $"Content SHA-256 {report.State.ContentHash}");
    }
}
