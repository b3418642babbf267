using PdfSharp.Fonts;

namespace HealthLedger.Node.Printouts;

/// <summary>
/// Fonts for PDFs, chosen per character so that a name in any common script prints: DejaVu Sans (Latin incl. Vietnamese,
/// Greek, Cyrillic) first, then the Noto family of the character's script (Debian's fonts-noto-core: Devanagari, Bengali,
/// Arabic, Hebrew, Thai, Tamil, …), NanumGothic for Korean Hangul (fonts-nanum; Droid Sans Fallback has no Hangul, so it
/// printed and extracted as .notdef) and Droid Sans Fallback for Chinese and Japanese (fonts-droid-fallback; Noto CJK is
/// CFF-based, which PDFsharp cannot embed). PDFsharp embeds the subset of glyphs used. A missing font file falls back to
/// DejaVu Sans, and without DejaVu to PDFsharp's built-in fail-safe font, so printing works on a machine with no fonts.
/// Arabic and Hebrew runs are shaped and put in visual order (<see cref="PdfShaping"/>). Indic shaping (conjuncts, vowel
/// signs placed before their consonant) is not done: those characters print and extract in logical order.
/// </summary>
internal sealed class PdfFonts : IFontResolver
{
    /// <summary>The primary family.</summary>
    public const string Primary = "DejaVu Sans";

    private const string DejaVu = "/usr/share/fonts/truetype/dejavu";
    private const string Noto = "/usr/share/fonts/truetype/noto";
    private const string Droid = "/usr/share/fonts/truetype/droid";
    private const string Nanum = "/usr/share/fonts/truetype/nanum";

    /// <summary>Family → (regular file, bold file or null when bold is simulated).</summary>
    private static readonly Dictionary<string, (string Regular, string? Bold)> Files = new(StringComparer.Ordinal)
    {
        [Primary] = ($"{DejaVu}/DejaVuSans.ttf", $"{DejaVu}/DejaVuSans-Bold.ttf"),
        ["CJK"] = ($"{Droid}/DroidSansFallbackFull.ttf", null),
        ["Hangul"] = ($"{Nanum}/NanumGothic.ttf", $"{Nanum}/NanumGothicBold.ttf"),
        ["Devanagari"] = ($"{Noto}/NotoSansDevanagari-Regular.ttf", $"{Noto}/NotoSansDevanagari-Bold.ttf"),
        ["Bengali"] = ($"{Noto}/NotoSansBengali-Regular.ttf", $"{Noto}/NotoSansBengali-Bold.ttf"),
        ["Gurmukhi"] = ($"{Noto}/NotoSansGurmukhi-Regular.ttf", $"{Noto}/NotoSansGurmukhi-Bold.ttf"),
        ["Gujarati"] = ($"{Noto}/NotoSansGujarati-Regular.ttf", $"{Noto}/NotoSansGujarati-Bold.ttf"),
        ["Tamil"] = ($"{Noto}/NotoSansTamil-Regular.ttf", $"{Noto}/NotoSansTamil-Bold.ttf"),
        ["Telugu"] = ($"{Noto}/NotoSansTelugu-Regular.ttf", $"{Noto}/NotoSansTelugu-Bold.ttf"),
        ["Kannada"] = ($"{Noto}/NotoSansKannada-Regular.ttf", $"{Noto}/NotoSansKannada-Bold.ttf"),
        ["Malayalam"] = ($"{Noto}/NotoSansMalayalam-Regular.ttf", $"{Noto}/NotoSansMalayalam-Bold.ttf"),
        ["Arabic"] = ($"{Noto}/NotoSansArabic-Regular.ttf", $"{Noto}/NotoSansArabic-Bold.ttf"),
        ["Hebrew"] = ($"{Noto}/NotoSansHebrew-Regular.ttf", $"{Noto}/NotoSansHebrew-Bold.ttf"),
        ["Thai"] = ($"{Noto}/NotoSansThai-Regular.ttf", $"{Noto}/NotoSansThai-Bold.ttf"),
        ["Georgian"] = ($"{Noto}/NotoSansGeorgian-Regular.ttf", $"{Noto}/NotoSansGeorgian-Bold.ttf"),
        ["Armenian"] = ($"{Noto}/NotoSansArmenian-Regular.ttf", $"{Noto}/NotoSansArmenian-Bold.ttf"),
        ["Ethiopic"] = ($"{Noto}/NotoSansEthiopic-Regular.ttf", $"{Noto}/NotoSansEthiopic-Bold.ttf"),
        ["Sinhala"] = ($"{Noto}/NotoSansSinhala-Regular.ttf", $"{Noto}/NotoSansSinhala-Bold.ttf"),
        ["Khmer"] = ($"{Noto}/NotoSansKhmer-Regular.ttf", $"{Noto}/NotoSansKhmer-Bold.ttf"),
        ["Lao"] = ($"{Noto}/NotoSansLao-Regular.ttf", $"{Noto}/NotoSansLao-Bold.ttf"),
        ["Myanmar"] = ($"{Noto}/NotoSansMyanmar-Regular.ttf", $"{Noto}/NotoSansMyanmar-Bold.ttf"),
    };

    /// <summary>Script ranges, first match wins (Hangul before the CJK block that contains its compatibility jamo).</summary>
    private static readonly (int First, int Last, string Family)[] Scripts =
    [
        (0x1100, 0x11FF, "Hangul"), (0x3130, 0x318F, "Hangul"), (0xA960, 0xA97F, "Hangul"), (0xAC00, 0xD7AF, "Hangul"), (0xD7B0, 0xD7FF, "Hangul"),
        (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
        (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"),
        (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"),
        (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"), (0x1000, 0x109F, "Myanmar"),
        (0x10A0, 0x10FF, "Georgian"), (0x1200, 0x139F, "Ethiopic"), (0x1780, 0x17FF, "Khmer"),
        (0x2E80, 0x9FFF, "CJK"), (0xF900, 0xFAFF, "CJK"),
        (0xFB1D, 0xFB4F, "Hebrew"), (0xFB50, 0xFDFF, "Arabic"), (0xFE30, 0xFE4F, "CJK"), (0xFE70, 0xFEFF, "Arabic"),
        (0xFF00, 0xFFEF, "CJK"), (0x20000, 0x3FFFF, "CJK"),
    ];

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

    /// <summary>The family that prints <paramref name="codePoint"/>: its script's font when installed, else the primary one.</summary>
    public static string FamilyOf(int codePoint)
    {
        foreach (var (first, last, family) in Scripts)
        {
            if (codePoint >= first && codePoint <= last) return File.Exists(Files[family].Regular) ? family : Primary;
        }
        return Primary;
    }

    /// <summary>
    /// <paramref name="text"/> cut into runs of one family each (combining marks stay with their base character), each as
    /// drawn left to right: Arabic and Hebrew runs shaped and reversed into visual order.
    /// </summary>
    public static IEnumerable<(string Family, string Text)> Runs(string text)
    {
        var current = Primary;
        var run = new System.Text.StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            var category = System.Text.Rune.GetUnicodeCategory(rune);
            var family = run.Length > 0 && category is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark
                or System.Globalization.UnicodeCategory.Format || rune.Value == ' '
                ? current
                : FamilyOf(rune.Value);
            if (family != current && run.Length > 0)
            {
                yield return Shaped(current, run.ToString());
                run.Clear();
            }
            current = family;
            run.Append(rune.ToString());
        }
        if (run.Length > 0) yield return Shaped(current, run.ToString());
    }

    /// <summary>A run as drawn: right-to-left runs shaped and in visual order.</summary>
    private static (string Family, string Text) Shaped(string family, string text) =>
        PdfShaping.IsRightToLeft(family) ? (family, PdfShaping.Visual(text, Files[family].Regular)) : (family, text);

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        if (!File.Exists(Files[Primary].Regular)) return _fallback.ResolveTypeface(familyName, bold, italic);
        var (regular, boldFile) = Files.TryGetValue(familyName, out var files) && File.Exists(files.Regular) ? files : Files[Primary];
        return bold && boldFile is not null && File.Exists(boldFile)
            ? new FontResolverInfo(boldFile, false, italic)
            : new FontResolverInfo(regular, bold, italic);
    }

    public byte[]? GetFont(string faceName) =>
        faceName.StartsWith('/') ? File.ReadAllBytes(faceName) : _fallback.GetFont(faceName);
}
