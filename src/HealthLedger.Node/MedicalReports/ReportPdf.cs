using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Patients;
using HealthLedger.Node.Printouts;

namespace HealthLedger.Node.MedicalReports;

/// <summary>
/// The printable patient report of one medical report: hospital header, patient, report content, author, dates, and a
/// verification code with a QR code that opens the verification page (the code can also be typed in).
/// <para>
/// Rendering is deterministic (<see cref="PrintoutWriter"/>): the same version, seen by a reader with the same access, on
/// the same node, gives the same bytes. The node records each printout's SHA-256 on the chain (<c>RecordPrintout</c>),
/// which is what makes a downloaded copy checkable anywhere.
/// </para>
/// </summary>
public static class ReportPdf
{
    public static byte[] Render(ReportView report, PatientView patient, DoctorView? author, string organisationName, string verifyUrl)
    {
        var blockTime = DateTimeOffset.FromUnixTimeMilliseconds((long)report.Proof.Timestamp);
        var pdf = new PrintoutWriter(organisationName, $"Patient report {report.Id} v{report.Version}",
            $"HealthLedger report {report.Id} version {report.Version}, verification code {report.VerificationCode}", report.Proof.TxId, blockTime);
        pdf.Line($"Patient report: {report.Content.Title}", pdf.Title, 8);
        pdf.Line(PrintoutWriter.PatientLine(patient), pdf.Body);
        pdf.Line($"Type: {ReportInput.TypeName(report.Type)}   Version: {report.Version}   Author: {author?.Details.Name ?? report.AuthorId} ({report.AuthorId})", pdf.Body);
        pdf.Line($"Recorded in block {report.Proof.Height} at {blockTime:yyyy-MM-dd HH:mm:ss} UTC", pdf.Body, 10);
        if (report.Content.AmendmentReason.Length > 0) pdf.Line($"Amendment: {report.Content.AmendmentReason}", pdf.Body, 8);

        if (report.Content.LabResults.Count > 0)
        {
            pdf.Line("Results", pdf.Heading);
            foreach (var r in report.Content.LabResults)
            {
                pdf.Line($"{r.Test}: {r.Value} {r.Unit}   (reference {r.ReferenceRange}){(r.Flag.Length > 0 ? "   flag " + r.Flag : "")}", pdf.Body, 1);
            }
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
        return pdf.Finish(report.VerificationCode, verifyUrl, $"Transaction {report.Proof.TxId}", $"Content SHA-256 {report.State.ContentHash}");
    }
}
