using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Patients;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using QRCoder;

namespace HealthLedger.Node.Printouts;

/// <summary>
/// Writes a printout (A4 PDF) the way every HealthLedger printout looks: the custodian's header band (<see cref="Letterhead"/>:
/// its name, and below the band the contact details that are set), wrapped lines that flow onto new pages (lab results
/// with a flag in bold and colour after their marker, <see cref="Flagged"/>), the signature block (<see cref="Signature"/>),
/// and at the bottom of the last page the verification block (a QR code of the public verification page with the code, the
/// code typed out, the transaction and content hash). Used by medical reports (<c>ReportPdf</c>), lab reports
/// (<c>LabReportPdf</c>) and whole-record printouts (<c>PatientRecordPdf</c>).
/// <para>
/// Amounts, times, dates and people are printed through the printout's <see cref="PrintoutStyle"/> (the hospital's currency,
/// culture and time zone, names as the reader may see them), the same formatting the pages use.
/// </para>
/// <para>
/// The output is deterministic: dates are the given block time, the /ID and XMP ids derive from the transaction id, and
/// the font subset tags (random in PDFsharp) are numbered in order of appearance (<see cref="MakeDeterministic"/>), so the
/// same content gives the same bytes on every node and its SHA-256 can be recorded on the chain.
/// </para>
/// </summary>
public sealed partial class PrintoutWriter
{
    private const double Margin = 50;
    private const double VerificationHeight = 140;
    private readonly PdfDocument _document = new();
    private readonly Hash256 _txId;
    private readonly PrintoutStyle _style;
    private PdfPage _page;
    private XGraphics _gfx;
    private double _y;

    /// <summary>The title font (16 pt bold).</summary>
    public XFont Title { get; }

    /// <summary>The heading font (11 pt bold).</summary>
    public XFont Heading { get; }

    /// <summary>The body font (9.5 pt).</summary>
    public XFont Body { get; }

    /// <summary>The small print font (8 pt).</summary>
    public XFont Small { get; }

    /// <summary>The bold body font (9.5 pt bold): flagged lab results, the signature block.</summary>
    public XFont BodyBold { get; }

    /// <summary>
    /// Starts a printout headed "<c>letterhead.Name</c> · HealthLedger" with the letterhead's contact details (those set) on
    /// the line below the band, its metadata (<paramref name="title"/>, <paramref name="subject"/>) from the version's
    /// transaction and block time; amounts, times and names in it are shown in <paramref name="style"/>.
    /// </summary>
    public PrintoutWriter(Letterhead letterhead, PrintoutStyle style, string title, string subject, Hash256 txId, DateTimeOffset blockTime)
    {
        PdfFonts.Install();
        _txId = txId;
        _style = style;
        _document.Info.Title = title;
        _document.Info.Subject = subject;
        _document.Info.Creator = "HealthLedger";
        _document.Info.CreationDate = blockTime.UtcDateTime;
        _document.Info.ModificationDate = blockTime.UtcDateTime;
        var id = DocumentId(txId);
        _document.Internals.FirstDocumentID = id;
        _document.Internals.SecondDocumentID = id;
        _page = _document.AddPage();
        _gfx = XGraphics.FromPdfPage(_page);
        Title = new XFont(PdfFonts.Primary, 16, XFontStyleEx.Bold);
        Heading = new XFont(PdfFonts.Primary, 11, XFontStyleEx.Bold);
        Body = new XFont(PdfFonts.Primary, 9.5, XFontStyleEx.Regular);
        Small = new XFont(PdfFonts.Primary, 8, XFontStyleEx.Regular);
        BodyBold = new XFont(PdfFonts.Primary, 9.5, XFontStyleEx.Bold);
        _gfx.DrawRectangle(new XSolidBrush(XColor.FromArgb(11, 110, 117)), 0, 0, _page.Width.Point, 36);
        Draw(_gfx, $"{letterhead.Name} · HealthLedger", Heading, XBrushes.White, Margin, 10);
        _y = 56;
        if (letterhead.Contact is { Length: > 0 } contact)
        {
            Draw(_gfx, contact, Small, new XSolidBrush(XColor.FromArgb(60, 60, 60)), Margin, 41);
            _y = 62;
        }
    }

    private double Width => _page.Width.Point - 2 * Margin;

    /// <summary>Writes <paramref name="text"/> wrapped to the page width (a new page when the space above the verification block is used up), then <paramref name="gap"/> points.</summary>
    public PrintoutWriter Line(string text, XFont font, double gap = 4) => Line(text, font, XBrushes.Black, gap);

    /// <summary>
    /// Writes a lab result line: with a flag (<see cref="LabFlags"/>), its marker (<c>[H]</c>, <c>[L]</c>, <c>[!! LL]</c>,
    /// <c>[A]</c>) then <paramref name="text"/>, in bold and in the flag's colour (dark red high, dark blue low, red critical,
    /// brown abnormal) so the flag never relies on colour alone; without one, <paramref name="text"/> in the body font.
    /// </summary>
    public PrintoutWriter Flagged(string text, string flag, bool critical = false, double gap = 1)
    {
        var kind = LabFlags.Kind(flag, critical);
        if (kind == LabFlagKind.None) return Line(text, Body, gap);
        var colour = kind switch
        {
            LabFlagKind.High => XColor.FromArgb(150, 0, 0),
            LabFlagKind.Low => XColor.FromArgb(0, 60, 150),
            LabFlagKind.Critical => XColor.FromArgb(200, 0, 0),
            _ => XColor.FromArgb(130, 70, 0),
        };
        return Line($"{LabFlags.Marker(flag, critical)} {text.TrimStart()}", BodyBold, new XSolidBrush(colour), gap);
    }

    /// <summary>
    /// The signature block: a rule, "Signed electronically by <paramref name="signedBy"/>" (name and role), when
    /// (<paramref name="at"/>, the block time, in the hospital's time zone and culture), <paramref name="ledgerSignature"/> (the signed transaction and its
    /// block) and the verification code <paramref name="code"/>.
    /// </summary>
    public PrintoutWriter Signature(string signedBy, DateTimeOffset at, string ledgerSignature, string code, string verb = "Signed electronically by")
    {
        Gap(6);
        if (_y > _page.Height.Point - Margin - VerificationHeight - 4 * (Body.Height + 1)) NewPage();
        _gfx.DrawLine(new XPen(XColor.FromArgb(120, 120, 120), 0.5), Margin, _y, Margin + Width, _y);
        Gap(4);
        Line("Signature", Heading, 2);
        Line($"{verb} {signedBy}", BodyBold, 1);
        Line($"on {_style.BlockTime(at)} · {ledgerSignature}", Body, 1);
        return Line($"Verification code {code}", Body, 8);
    }

    private void NewPage()
    {
        _gfx.Dispose();
        _page = _document.AddPage();
        _gfx = XGraphics.FromPdfPage(_page);
        _y = Margin;
    }

    private PrintoutWriter Line(string text, XFont font, XBrush brush, double gap)
    {
        foreach (var part in Wrap(_gfx, text, font, Width))
        {
            if (_y > _page.Height.Point - Margin - VerificationHeight) NewPage();
            Draw(_gfx, part, font, brush, Margin, _y);
            _y += font.Height + 1;
        }
        _y += gap;
        return this;
    }

    /// <summary>Adds <paramref name="points"/> of vertical space.</summary>
    public PrintoutWriter Gap(double points)
    {
        _y += points;
        return this;
    }

    /// <summary>
    /// Draws the verification block at the bottom of the last page (QR code of <c>verifyUrl?code=…</c>, the code, where to
    /// enter it, then <paramref name="details"/>: transaction, content hash), and answers the deterministic PDF's bytes.
    /// </summary>
    public byte[] Finish(string code, string verifyUrl, params string[] details)
    {
        var qr = new PngByteQRCode(new QRCodeGenerator().CreateQrCode($"{verifyUrl}?code={code}", QRCodeGenerator.ECCLevel.M))
            .GetGraphic(6, [0, 0, 0, 255], [255, 255, 255, 255]);
        using (var stream = new MemoryStream(qr))
        using (var image = XImage.FromStream(stream))
        {
            var top = _page.Height.Point - Margin - 110;
            var left = Margin + 125;
            var width = Width - 125;
            _gfx.DrawImage(image, Margin, top, 110, 110);
            _gfx.DrawString("Verification code", Heading, XBrushes.Black, new XRect(left, top + 10, width, 14), XStringFormats.TopLeft);
            _gfx.DrawString(code, new XFont(PdfFonts.Primary, 12, XFontStyleEx.Bold), XBrushes.Black, new XRect(left, top + 30, width, 16), XStringFormats.TopLeft);
            _gfx.DrawString($"Scan the code, or enter it at {verifyUrl}", Small, XBrushes.Black, new XRect(left, top + 55, width, 12), XStringFormats.TopLeft);
            for (var i = 0; i < details.Length; i++)
            {
                _gfx.DrawString(details[i], Small, XBrushes.Black, new XRect(left, top + 70 + 14 * i, width, 12), XStringFormats.TopLeft);
            }
        }
        _gfx.Dispose();
        using var output = new MemoryStream();
        _document.Save(output, closeStream: false);
        return MakeDeterministic(output.ToArray(), _txId);
    }

    /// <summary>
    /// The patient line of a printout: name, MRN, date of birth (in the hospital culture's date format) and gender when the
    /// reader sees the demographics, else the id only.
    /// </summary>
    public string PatientLine(PatientView patient) => patient.DemographicsShared
        ? $"Patient: {patient.Details.FullName}   MRN: {patient.Details.Mrn}   Date of birth: {_style.Date(patient.Details.DateOfBirth)}   Gender: {patient.Details.Gender}"
        : $"Patient: {patient.Id} (demographics not shared with the reader)";

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
