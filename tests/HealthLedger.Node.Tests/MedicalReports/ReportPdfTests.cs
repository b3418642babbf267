using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Web;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.MedicalReports;

/// <summary>
/// Issue 12 item 11: a patient named 张伟 printed as empty boxes. The printout picks a font per character and embeds it,
/// so the names extract as text again (poppler's pdftotext) and the fonts are embedded (pdffonts). Korean Hangul has its own
/// font (Droid Sans Fallback has none); Arabic and Hebrew names are drawn right to left, Arabic joined. The patient's and the
/// author's names are both checked. test.sh installs the fonts and poppler-utils.
/// </summary>
public partial class ReportPdfTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Patient name, author (doctor) name, and the font that must be embedded.</summary>
    public static TheoryData<string, string, string> Names => new()
    {
        { "张伟", "李娜", "Droid Sans Fallback" },
        { "佐藤 花子", "田中 一郎", "Droid Sans Fallback" },
        { "김민준", "이서연", "NanumGothic" },
        { "محمد علي", "فاطمة الزهراء", "Noto Sans Arabic" },
        { "דוד כהן", "שרה לוי", "Noto Sans Hebrew" },
        { "देवनागरी शर्मा", "प्रिया पटेल", "Noto Sans Devanagari" },
        { "สมชาย ใจดี", "สมศรี ใจงาม", "Noto Sans Thai" },
        { "Nguyễn Thị Minh Khai", "Trần Văn An", "DejaVu Sans" },
        { "Łukasz Żółć", "Ирина Петрова", "DejaVu Sans" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_name_in_any_script_prints_as_text_in_an_embedded_font(string name, string author, string font)
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-p", name = author, specialty = "Pathology", department = "Lab", licenceNumber = "L1" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-P1", fullName = name, dateOfBirth = "1970-01-01", gender = "other" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-p", notes = "Bloods." }, Ct)).EnsureSuccessStatusCode();
        var pia = await node.FirstLoginAsync("dr-p", doctor.OneTimePassword!);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(JsonSerializer.Serialize(new { type = "lab", title = "Blood count", labResults = new[] { new { test = "Hb", value = "13", unit = "g/dL", referenceRange = "12-16", flag = "" } } })), "metadata" },
        };
        var created = await Read<ReportsApi.ReportCreatedResponse>(await pia.PostAsync($"/api/v1/patients/{patient.Id}/reports", form, Ct));
        var pdf = await pia.GetByteArrayAsync($"/api/v1/reports/{created.ReportId}/pdf", Ct);

        using var folder = new TempDirectory();
        var path = folder.Combine("report.pdf");
        await File.WriteAllBytesAsync(path, pdf, Ct);
        // Joined Arabic letters extract as their presentation forms (compatibility equivalents of the letters); poppler puts
        // right-to-left runs back in logical order.
        var text = FoldArabicPresentationForms(await RunAsync("pdftotext", "-enc", "UTF-8", path, "-"));
        Assert.True(text.Contains(name, StringComparison.Ordinal), Dump(text, name));
        Assert.True(text.Contains(author, StringComparison.Ordinal), Dump(text, author));
        if (font is "Noto Sans Arabic" or "Noto Sans Hebrew")
        {
            // Drawn right to left: the name's first word lies right of its second (pdftotext -bbox gives each word's position,
            // with its characters in the order drawn, so in visual order here).
            var words = WordPositions().Matches(await RunAsync("pdftotext", "-bbox", "-enc", "UTF-8", path, "-"))
                .Select(m => (Text: FoldArabicPresentationForms(System.Net.WebUtility.HtmlDecode(m.Groups["text"].Value)), X: double.Parse(m.Groups["x"].Value, System.Globalization.CultureInfo.InvariantCulture)))
                .ToList();
            var parts = name.Split(' ');
            double X(string word) => words.First(w => w.Text == word || w.Text == string.Concat(word.Reverse())).X;
            Assert.True(X(parts[0]) > X(parts[1]), string.Join(", ", words));
        }
        if (font == "Noto Sans Arabic")
        {
            // Joined: the letters are drawn in their initial, medial and final forms, not isolated.
            Assert.Contains(await RunAsync("pdftotext", "-enc", "UTF-8", path, "-"), c => c is >= '\uFE70' and <= '\uFEFF');
        }
        var fonts = await RunAsync("pdffonts", path);
        var line = fonts.Split('\n').FirstOrDefault(l => l.Contains(font, StringComparison.Ordinal));
        Assert.True(line is not null, fonts);
        // pdffonts columns: name type encoding emb sub uni object-id; embedded and subset.
        Assert.Matches(@"\byes\s+yes\b", line);
    }

    /// <summary>
    /// Arabic Presentation Forms-B (U+FE80–FEFC) back to the letters (what NFKC does; the tests run with invariant
    /// globalization, whose <see cref="string.Normalize()"/> leaves them). Each letter has 1, 2 or 4 forms, in this order.
    /// </summary>
    private static string FoldArabicPresentationForms(string text)
    {
        (char Letter, int Forms)[] letters =
        [
            ('\u0621', 1), ('\u0622', 2), ('\u0623', 2), ('\u0624', 2), ('\u0625', 2), ('\u0626', 4), ('\u0627', 2), ('\u0628', 4), ('\u0629', 2),
            ('\u062A', 4), ('\u062B', 4), ('\u062C', 4), ('\u062D', 4), ('\u062E', 4), ('\u062F', 2), ('\u0630', 2), ('\u0631', 2), ('\u0632', 2),
            ('\u0633', 4), ('\u0634', 4), ('\u0635', 4), ('\u0636', 4), ('\u0637', 4), ('\u0638', 4), ('\u0639', 4), ('\u063A', 4),
            ('\u0641', 4), ('\u0642', 4), ('\u0643', 4), ('\u0644', 4), ('\u0645', 4), ('\u0646', 4), ('\u0647', 4), ('\u0648', 2), ('\u0649', 2), ('\u064A', 4),
        ];
        var map = new Dictionary<char, string>();
        var code = 0xFE80;
        foreach (var (letter, forms) in letters)
        {
            for (var i = 0; i < forms; i++) map[(char)code++] = letter.ToString();
        }
        Assert.Equal(0xFEF5, code);
        foreach (var alef in "\u0622\u0623\u0625\u0627")
        {
            map[(char)code++] = "\u0644" + alef; // lam-alef ligatures, isolated and final
            map[(char)code++] = "\u0644" + alef;
        }
        return string.Concat(text.Select(c => map.TryGetValue(c, out var folded) ? folded : c.ToString()));
    }

    [System.Text.RegularExpressions.GeneratedRegex("<word xMin=\"(?<x>[0-9.]+)\"[^>]*>(?<text>[^<]*)</word>")]
    private static partial System.Text.RegularExpressions.Regex WordPositions();

    private static string Dump(string text, string expected) =>
        $"expected {string.Join(' ', expected.Select(c => ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)))} in:\n{text}\n"
        + string.Join('\n', text.Split('\n').Where(l => l.Any(c => c > 0x2FF)).Select(l => string.Join(' ', l.Select(c => ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)))));

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException(program + " did not start (test.sh installs poppler-utils)");
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"{program}: {await process.StandardError.ReadToEndAsync(Ct)}");
        return output;
    }
}
