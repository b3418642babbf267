using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Web;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.MedicalReports;

/// <summary>
/// Issue 12 item 11: a patient named 张伟 printed as empty boxes. The printout picks a font per character and embeds it,
/// so the names extract as text again (poppler's pdftotext) and the fonts are embedded (pdffonts). test.sh installs the fonts
/// and poppler-utils.
/// </summary>
public class ReportPdfTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Names => new()
    {
        { "张伟", "Droid Sans Fallback" },
        { "佐藤 花子", "Droid Sans Fallback" },
        { "देवनागरी शर्मा", "Noto Sans Devanagari" },
        { "สมชาย ใจดี", "Noto Sans Thai" },
        { "Nguyễn Thị Minh Khai", "DejaVu Sans" },
        { "Łukasz Żółć", "DejaVu Sans" },
        { "Ирина Петрова", "DejaVu Sans" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_name_in_any_script_prints_as_text_in_an_embedded_font(string name, string font)
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-p", name = "Pia P", specialty = "Pathology", department = "Lab", licenceNumber = "L1" }, Ct));
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
        var text = await RunAsync("pdftotext", "-enc", "UTF-8", path, "-");
        Assert.Contains(name, text);
        var fonts = await RunAsync("pdffonts", path);
        var line = fonts.Split('\n').FirstOrDefault(l => l.Contains(font, StringComparison.Ordinal));
        Assert.True(line is not null, fonts);
        // pdffonts columns: name type encoding emb sub uni object-id; embedded and subset.
        Assert.Matches(@"\byes\s+yes\b", line);
    }

    private static async Task<T> Read<T>(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
            return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
        }
    }

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
