using PdfSharp.Fonts;

namespace HealthLedger.Node.MedicalReports;

/// <summary>
/// Fonts for PDFs: Debian's DejaVu Sans when installed (fonts-dejavu-core), otherwise PDFsharp's built-in fail-safe font,
/// so printing works on a machine with no fonts at all.
/// </summary>
internal sealed class PdfFonts : IFontResolver
{
    private const string Folder = "/usr/share/fonts/truetype/dejavu";
    private static readonly Lock Gate = new();
    private static bool _installed;
    private readonly IFontResolver _fallback = new PdfSharp.Snippets.Font.FailsafeFontResolver();

    public static void Install()
    {
        lock (Gate)
        {
            if (_installed) return;
            GlobalFontSettings.FontResolver = new PdfFonts();
            _installed = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        File.Exists(Path.Combine(Folder, "DejaVuSans.ttf"))
            ? new FontResolverInfo(bold ? "DejaVuSans-Bold" : "DejaVuSans", false, italic)
            : _fallback.ResolveTypeface(familyName, bold, italic);

    public byte[]? GetFont(string faceName) =>
        faceName.StartsWith("DejaVuSans", StringComparison.Ordinal) ? File.ReadAllBytes(Path.Combine(Folder, faceName + ".ttf")) : _fallback.GetFont(faceName);
}
