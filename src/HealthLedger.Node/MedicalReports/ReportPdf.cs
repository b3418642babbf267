using System.Globalization;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Doctors;
using HealthLedger.Node.Patients;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;

namespace HealthLedger.Node.MedicalReports;

/// <summary>
/// The printable patient report of one medical report: hospital header, patient, report content, author, dates, and a
/// verification code with a QR code that opens the verification page (the code can also be typed in).
/// <para>
/// Rendering is deterministic: the same version, seen by a reader with the same access, on the same node, gives the same
/// bytes. Nothing comes from the clock or a random source: the document's dates are the version's block time, its /ID and
/// XMP ids derive from the version's transaction id, and the font subset tags (random in PDFsharp) are replaced by tags
/// numbered in the order the fonts appear (<see cref="MakeDeterministic"/>). The node records each printout's SHA-256 on
/// the chain (<c>RecordPrintout</c>), which is what makes a downloaded copy checkable anywhere.
/// </para>
/// </summary>
public static partial class ReportPdf
{
    private const double Margin = 50;

    public static byte[] Render(ReportView report, PatientView patient, DoctorView? author, string organisationName, string verifyUrl)
    {
        PdfFonts.Install();
        var blockTime = DateTimeOffset.FromUnixTimeMilliseconds((long)report.Proof.Timestamp);
        var document = new PdfDocument();
        document.Info.Title = $"Patient report {report.Id} v{report.Version}";
        document.Info.Subject = $"HealthLedger report {report.Id} version {report.Version}, verification code {report.VerificationCode}";
        document.Info.Creator = "HealthLedger";
        document.Info.CreationDate = blockTime.UtcDateTime;
        document.Info.ModificationDate = blockTime.UtcDateTime;
        var id = DocumentId(report.Proof.TxId);
        document.Internals.FirstDocumentID = id;
        document.Internals.SecondDocumentID = id;
        var page = document.AddPage();
        var gfx = XGraphics.FromPdfPage(page);
        var title = new XFont("DejaVu Sans", 16, XFontStyleEx.Bold);
        var heading = new XFont("DejaVu Sans", 11, XFontStyleEx.Bold);
        var body = new XFont("DejaVu Sans", 9.5, XFontStyleEx.Regular);
        var small = new XFont("DejaVu Sans", 8, XFontStyleEx.Regular);
        var width = page.Width.Point - 2 * Margin;
        var y = Margin;

        void Line(string text, XFont font, double gap = 4)
        {
            foreach (var part in Wrap(gfx, text, font, width))
            {
                if (y > page.Height.Point - Margin - 140)
                {
                    gfx.Dispose();
                    page = document.AddPage();
                    gfx = XGraphics.FromPdfPage(page);
                    y = Margin;
                }
                Draw(gfx, part, font, XBrushes.Black, Margin, y);
                y += font.Height + 1;
            }
            y += gap;
        }

        gfx.DrawRectangle(new XSolidBrush(XColor.FromArgb(11, 110, 117)), 0, 0, page.Width.Point, 36);
        Draw(gfx, $"{organisationName} · HealthLedger", heading, XBrushes.White, Margin, 10);
        y = 56;
        Line($"Patient report: {report.Content.Title}", title, 8);
        Line(patient.DemographicsShared
            ? $"Patient: {patient.Details.FullName}   MRN: {patient.Details.Mrn}   Date of birth: {patient.Details.DateOfBirth:yyyy-MM-dd}   Gender: {patient.Details.Gender}"
            : $"Patient: {patient.Id} (demographics not shared with the reader)", body);
        Line($"Type: {ReportInput.TypeName(report.Type)}   Version: {report.Version}   Author: {author?.Details.Name ?? report.AuthorId} ({report.AuthorId})", body);
        Line($"Recorded in block {report.Proof.Height} at {blockTime:yyyy-MM-dd HH:mm:ss} UTC", body, 10);
        if (report.Content.AmendmentReason.Length > 0) Line($"Amendment: {report.Content.AmendmentReason}", body, 8);

        if (report.Content.LabResults.Count > 0)
        {
            Line("Results", heading);
            foreach (var r in report.Content.LabResults)
            {
                Line($"{r.Test}: {r.Value} {r.Unit}   (reference {r.ReferenceRange}){(r.Flag.Length > 0 ? "   flag " + r.Flag : "")}", body, 1);
            }
            y += 6;
        }
        if (report.Content.Prescription is { } p)
        {
            Line("Prescription", heading);
            Line($"{p.Drug} — {p.Dose}, {p.Route}, {p.Frequency}, for {p.Duration}", body, 8);
        }
        if (report.Content.Summary.Length > 0)
        {
            Line(report.Type == ReportType.Imaging ? "Findings" : "Summary", heading);
            foreach (var paragraph in report.Content.Summary.Split('\n')) Line(paragraph, body, 2);
            y += 6;
        }
        if (report.Content.File is { } file)
        {
            Line("Attached file", heading);
            Line($"{file.Name} ({file.ContentType}, {file.Size.ToString("#,0", CultureInfo.InvariantCulture)} bytes), SHA-256 {report.State.ContentHash}", body, 8);
        }

        // Verification block at the bottom of the last page.
        var code = report.VerificationCode;
        var qr = new PngByteQRCode(new QRCodeGenerator().CreateQrCode($"{verifyUrl}?code={code}", QRCodeGenerator.ECCLevel.M))
            .GetGraphic(6, [0, 0, 0, 255], [255, 255, 255, 255]);
        using (var stream = new MemoryStream(qr))
        using (var image = XImage.FromStream(stream))
        {
            var top = page.Height.Point - Margin - 110;
            gfx.DrawImage(image, Margin, top, 110, 110);
            gfx.DrawString("Verification code", heading, XBrushes.Black, new XRect(Margin + 125, top + 10, width - 125, 14), XStringFormats.TopLeft);
            gfx.DrawString(code, new XFont("DejaVu Sans", 12, XFontStyleEx.Bold), XBrushes.Black, new XRect(Margin + 125, top + 30, width - 125, 16), XStringFormats.TopLeft);
            gfx.DrawString($"Scan the code, or enter it at {verifyUrl}", small, XBrushes.Black, new XRect(Margin + 125, top + 55, width - 125, 12), XStringFormats.TopLeft);
            gfx.DrawString($"Transaction {report.Proof.TxId}", small, XBrushes.Black, new XRect(Margin + 125, top + 70, width - 125, 12), XStringFormats.TopLeft);
            gfx.DrawString($"Content SHA-256 {report.State.ContentHash}", small, XBrushes.Black, new XRect(Margin + 125, top + 84, width - 125, 12), XStringFormats.TopLeft);
        }
        gfx.Dispose();
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return MakeDeterministic(output.ToArray(), report.Proof.TxId);
    }

    /// <summary>The PDF's /ID (16 bytes as PDFsharp's one-byte-per-char string), from the version's transaction id.</summary>
    private static string DocumentId(Hash256 txId)
    {
        var bytes = Hashing.Sha256([.. "HealthLedger/printout-id/v1"u8, .. txId.ToArray()]).ToArray();
        return new string([.. bytes.Take(16).Select(b => (char)b)]);
    }

    /// <summary>
    /// Replaces what PDFsharp 6.2 draws from <see cref="Guid.NewGuid"/> when saving, with values of the same length (so every
    /// cross-reference offset stays valid): the six-letter font subset tags (<c>/BaseFont/ABCDEF+Name</c>), numbered in
    /// order of appearance, and the XMP document and instance uuids, derived from the transaction id.
    /// </summary>
    internal static byte[] MakeDeterministic(byte[] pdf, Hash256 txId)
    {
        var text = System.Text.Encoding.Latin1.GetString(pdf);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        text = SubsetTag().Replace(text, m =>
        {
            if (!tags.TryGetValue(m.Groups["tag"].Value, out var tag))
            {
                var n = tags.Count;
                tag = new string([.. Enumerable.Range(0, 6).Select(i => (char)('A' + (n / (int)Math.Pow(26, 5 - i)) % 26))]);
                tags[m.Groups["tag"].Value] = tag;
            }
            return m.Groups["key"].Value + tag + "+";
        });
        text = XmpUuid().Replace(text, m =>
        {
            var uuid = new Guid(Hashing.Sha256([.. System.Text.Encoding.ASCII.GetBytes(m.Groups["name"].Value), .. txId.ToArray()]).ToArray().AsSpan(0, 16));
            return $"<xmpMM:{m.Groups["name"].Value}>uuid:{uuid:D}<";
        });
        var result = System.Text.Encoding.Latin1.GetBytes(text);
        return result.Length == pdf.Length ? result : throw new InvalidOperationException("Making the printout deterministic changed its length.");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<key>/(?:BaseFont|FontName)/)(?<tag>[A-Z]{6})\+")]
    private static partial System.Text.RegularExpressions.Regex SubsetTag();

    [System.Text.RegularExpressions.GeneratedRegex(@"<xmpMM:(?<name>DocumentID|InstanceID)>uuid:[0-9a-fA-F-]{36}<")]
    private static partial System.Text.RegularExpressions.Regex XmpUuid();

    /// <summary>
    /// Draws <paramref name="text"/> run by run, each in the font of its script (<see cref="PdfFonts.Runs"/>), on one
    /// baseline: the primary font's, <paramref name="y"/> being the top of the line (fonts of other scripts have other
    /// ascents, so aligning each run's top would shift them up or down).
    /// </summary>
    private static void Draw(XGraphics gfx, string text, XFont font, XBrush brush, double x, double y)
    {
        var baseline = y + font.Metrics.Ascent * font.Size / font.Metrics.UnitsPerEm;
        foreach (var (family, run) in PdfFonts.Runs(text))
        {
            var runFont = Font(font, family);
            gfx.DrawString(run, runFont, brush, x, baseline);
            x += gfx.MeasureString(run, runFont).Width;
        }
    }

    private static double Measure(XGraphics gfx, string text, XFont font) => PdfFonts.Runs(text).Sum(r => gfx.MeasureString(r.Text, Font(font, r.Family)).Width);

    private static XFont Font(XFont font, string family) => family == PdfFonts.Primary ? font : new XFont(family, font.Size, font.Style);

    private static IEnumerable<string> Wrap(XGraphics gfx, string text, XFont font, double width)
    {
        var line = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (Measure(gfx, candidate, font) <= width || line.Length == 0)
            {
                line = candidate;
            }
            else
            {
                yield return line;
                line = word;
            }
        }
        yield return line;
    }
}
