using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Web;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Printouts;

/// <summary>
/// Issue 16 item 7: each printout's title names its type; flagged lab results carry a marker ([H], [L], [!!], [A]) as well
/// as bold and colour; every printout has a signature block (who signed, role, when, the ledger transaction, the
/// verification code) and the hospital's letterhead from node.json's "hospital" settings (name and the contact details
/// set); a prescription shows the patient's allergies or "No known allergies recorded"; the printable record lists the
/// medical reports and prints "No charges or payments recorded" for an empty account. Each PDF is drawn to PNG pages
/// (pdftoppm) and its text read back (pdftotext); the printouts are still recognised by the file check.
/// </summary>
public class PrintoutContentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly HospitalSettings Hospital = new("St Elsewhere General", "1 Hospital Road, Springfield SP1 2AB", "+44 20 7946 0000", "records@st-elsewhere.example");

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Doctor, string AllergicId, string PlainId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync(configure: o => o with { Hospital = Hospital });
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-print", name = "Dana Print", specialty = "Internal Medicine", department = "Ward", licenceNumber = "P1" }, Ct));
        var allergic = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-PR1", fullName = "Alma Allergic", dateOfBirth = "1960-02-03", gender = "female", allergies = "Penicillin (rash); latex" }, Ct));
        var plain = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-PR2", fullName = "Noah None", dateOfBirth = "1975-04-05", gender = "male" }, Ct));
        foreach (var id in new[] { allergic.Id, plain.Id })
        {
            (await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-print", notes = "Review." }, Ct)).EnsureSuccessStatusCode();
        }
        var dana = await node.FirstLoginAsync("dr-print", doctor.OneTimePassword!);
        return new World(node, admin, dana, allergic.Id, plain.Id);
    }

    private static async Task<ReportsApi.ReportCreatedResponse> ReportAsync(World w, string patientId, object metadata, bool withFile = false)
    {
        using var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(metadata)), "metadata" } };
        if (withFile)
        {
            var part = new ByteArrayContent("scanned referral letter"u8.ToArray());
            part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
            form.Add(part, "file", "referral.txt");
        }
        return await Read<ReportsApi.ReportCreatedResponse>(await w.Doctor.PostAsync($"/api/v1/patients/{patientId}/reports", form, Ct));
    }

    /// <summary>The PDF at <paramref name="path"/>, drawn to at least one non-empty A4 PNG page, and its text.</summary>
    private static async Task<(byte[] Pdf, string Text, int Pages)> PrintAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        var pdf = await response.Content.ReadAsByteArrayAsync(Ct);
        var pages = await PdfTools.RenderPagesAsync(pdf, Ct);
        Assert.NotEmpty(pages);
        foreach (var png in pages)
        {
            var (width, height) = PdfTools.PngSize(png);
            Assert.InRange(height / (double)width, 1.40, 1.43); // A4 portrait
            Assert.True(png.Length > 2_000, $"a page drew only {png.Length} bytes"); // text and the QR code, not a blank page
        }
        return (pdf, await PdfTools.TextAsync(pdf, Ct), pages.Count);
    }

    private static void HasLetterheadAndSignature(string text, string signedBy, string code)
    {
        Assert.Contains("St Elsewhere General · HealthLedger", text);
        Assert.Contains("1 Hospital Road, Springfield SP1 2AB · Tel. +44 20 7946 0000 · records@st-elsewhere.example", text);
        Assert.Contains("Signature", text);
        Assert.Contains(signedBy, text);
        Assert.Contains($"Verification code {code}", text);
    }

    [Fact]
    public async Task Each_report_type_prints_under_its_own_title_with_the_letterhead_and_a_signature_block_and_stays_verifiable()
    {
        await using var w = await SetUpAsync();
        var reports = new (object Metadata, bool File, string Title)[]
        {
            (new { type = "lab", title = "Full blood count", labResults = new[] { new { test = "Hb", value = "13", unit = "g/dL", referenceRange = "12-16", flag = "" } } }, false, "Laboratory report"),
            (new { type = "prescription", title = "Antibiotic course", drug = "Doxycycline", dose = "100 mg", route = "oral", frequency = "twice daily", duration = "7 days" }, false, "Prescription"),
            (new { type = "imaging", title = "Chest X-ray", summary = "No consolidation." }, false, "Radiology report"),
            (new { type = "discharge-summary", title = "Discharge after pneumonia", summary = "Recovered; follow up in two weeks." }, false, "Discharge summary"),
            (new { type = "document", title = "Referral letter" }, true, "Medical document"),
        };
        foreach (var (metadata, file, title) in reports)
        {
            var created = await ReportAsync(w, w.AllergicId, metadata, file);
            var (pdf, text, pages) = await PrintAsync(w.Doctor, $"/api/v1/reports/{created.ReportId}/pdf");
            Assert.Equal(1, pages);
            var firstLines = string.Join('\n', text.Split('\n').Where(l => l.Trim().Length > 0).Take(4));
            Assert.Contains(title, firstLines); // the title names the type, right under the letterhead
            Assert.DoesNotContain("Patient report", text);
            HasLetterheadAndSignature(text, "Signed electronically by Dana Print (dr-print), doctor, Internal Medicine", $"HL-{created.ReportId}-v1-");
            Assert.Contains("ledger signature: transaction", text);

            // The printout with the new layout is still recorded on the chain and recognised as this report.
            using var form = new MultipartFormDataContent { { new ByteArrayContent(pdf), "file", "printout.pdf" } };
            var match = await Read<FileMatch>(await w.Doctor.PostAsync("/api/v1/verify/file", form, Ct));
            Assert.Equal((true, created.ReportId, true), (match.Match, match.ReportId, match.Printout));
        }
    }

    [Fact]
    public async Task Flagged_lab_results_print_with_a_marker_in_bold_and_a_prescription_with_the_patients_allergies()
    {
        await using var w = await SetUpAsync();
        var lab = await ReportAsync(w, w.AllergicId, new
        {
            type = "lab",
            title = "Chemistry",
            labResults = new[]
            {
                new { test = "Sodium", value = "151", unit = "mmol/L", referenceRange = "135-145", flag = "H" },
                new { test = "Albumin", value = "28", unit = "g/L", referenceRange = "35-50", flag = "low" },
                new { test = "Potassium", value = "6.9", unit = "mmol/L", referenceRange = "3.5-5.1", flag = "HH" },
                new { test = "Urine colour", value = "red", unit = "", referenceRange = "yellow", flag = "abnormal" },
                new { test = "Glucose", value = "5.1", unit = "mmol/L", referenceRange = "3.9-5.5", flag = "" },
            },
        });
        var (_, text, _) = await PrintAsync(w.Doctor, $"/api/v1/reports/{lab.ReportId}/pdf");
        Assert.Matches(@"\[H\] Sodium: 151 mmol/L", text);
        Assert.Matches(@"\[L\] Albumin: 28 g/L", text);
        Assert.Matches(@"\[!! HH\] Potassium: 6\.9 mmol/L", text);
        Assert.Matches(@"\[A\] Urine colour: red", text);
        Assert.Matches(@"(?m)^\s*Glucose: 5\.1 mmol/L", text); // no flag, no marker
        Assert.Contains("Flags: [H] above, [L] below the reference range, [!!] critical, [A] abnormal.", text);

        var prescribed = new { type = "prescription", title = "Pain relief", drug = "Paracetamol", dose = "1 g", route = "oral", frequency = "four times daily", duration = "5 days" };
        var allergic = await ReportAsync(w, w.AllergicId, prescribed);
        var (_, allergicText, _) = await PrintAsync(w.Doctor, $"/api/v1/reports/{allergic.ReportId}/pdf");
        Assert.Contains("Allergies: Penicillin (rash); latex", allergicText);
        var plain = await ReportAsync(w, w.PlainId, prescribed);
        var (_, plainText, _) = await PrintAsync(w.Doctor, $"/api/v1/reports/{plain.ReportId}/pdf");
        Assert.Contains("No known allergies recorded", plainText);
        Assert.DoesNotContain("Penicillin", plainText);
        // A discharge summary is no prescription: no allergies line.
        var discharge = await ReportAsync(w, w.AllergicId, new { type = "discharge-summary", title = "Home", summary = "Well." });
        Assert.DoesNotContain("Allergies", (await PrintAsync(w.Doctor, $"/api/v1/reports/{discharge.ReportId}/pdf")).Text);
    }

    [Fact]
    public async Task The_whole_record_and_the_printable_page_list_the_reports_say_an_empty_account_has_no_charges_and_carry_the_letterhead()
    {
        await using var w = await SetUpAsync();
        await ReportAsync(w, w.PlainId, new { type = "discharge-summary", title = "Discharge after observation", summary = "Observed overnight." });
        await ReportAsync(w, w.PlainId, new { type = "lab", title = "Electrolytes", labResults = new[] { new { test = "Sodium", value = "131", unit = "mmol/L", referenceRange = "135-145", flag = "L" } } });

        var (_, text, _) = await PrintAsync(w.Admin, $"/api/v1/patients/{w.PlainId}/record.pdf");
        Assert.Contains("Patient record", text);
        Assert.Contains("No charges or payments recorded", text);
        Assert.DoesNotContain("Charges 0.00", text); // no totals under an empty account
        Assert.Contains("Discharge summary \"Discharge after observation\"", text);
        Assert.Contains("Laboratory report \"Electrolytes\"", text);
        Assert.Contains("No known allergies recorded", text); // above the medication
        HasLetterheadAndSignature(text, "Issued electronically by St Elsewhere General, for admin, admin", $"HL-{w.PlainId}-v");

        // The printable page: letterhead with the contact details, a medical-reports section, the empty account as a sentence.
        using var web = await w.Node.CookieLoginAsync("admin", NodeFixture.Password);
        var page = WebUtility.HtmlDecode(await web.GetStringAsync($"/patients/{w.PlainId}/report", Ct));
        Assert.Contains("<strong>St Elsewhere General</strong> · HealthLedger", page);
        Assert.Contains("1 Hospital Road, Springfield SP1 2AB · Tel. +44 20 7946 0000 · records@st-elsewhere.example", page);
        Assert.Contains("<h1>Patient record: Noah None</h1>", page);
        Assert.Contains("data-testid=\"section-reports\"", page);
        Assert.Contains(">Discharge after observation</a>", page);
        Assert.Contains("<td>Laboratory report</td>", page);
        Assert.Contains("<p data-testid=\"account-empty\">No charges or payments recorded</p>", page);
        Assert.DoesNotContain("report-balance", page);
        Assert.Contains("Printed by admin, admin on", page);
    }
}
