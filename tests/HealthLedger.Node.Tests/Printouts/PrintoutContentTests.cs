using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Tests.Laboratory;
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

    private static Task<(byte[] Pdf, string Text, int Pages)> PrintAsync(HttpClient client, string path) => Printed.PrintAsync(client, path);

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
            var match = await Printed.CheckAsync(w.Doctor, pdf);
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
        HasLetterheadAndSignature(text, "Issued electronically by St Elsewhere General, for Admin admin", $"HL-{w.PlainId}-v"); // staff by role and id, as the pages name them

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

    /// <summary>A hospital in Berlin that counts in Swiss francs and writes German dates: local times differ from UTC, and no format is the invariant one.</summary>
    internal static NodeOptions InBerlin(NodeOptions o) => o with { TimeZone = "Europe/Berlin", Hospital = new HospitalSettings("Klinikum Beispiel", Currency: "CHF", Culture: "de-DE") };

    /// <summary>An instant as the printouts and proof badges show it in <see cref="InBerlin"/>: German date, time to the second, the zone named.</summary>
    internal static string Berlin(DateTimeOffset at)
    {
        var de = System.Globalization.CultureInfo.GetCultureInfo("de-DE");
        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        return local.ToString(de.DateTimeFormat.ShortDatePattern + " " + de.DateTimeFormat.LongTimePattern, de) + " Europe/Berlin";
    }

    [Fact]
    public async Task Every_printout_shows_amounts_with_the_currency_code_times_in_the_hospitals_zone_and_culture_and_staff_by_name()
    {
        await using var w = await LabApiTests.SetUpAsync(InBerlin);
        Assert.Equal("05.05.1970", Berlin(new DateTimeOffset(1970, 5, 5, 10, 0, 0, TimeSpan.Zero))[..10]); // the culture really is German here

        // Lab report: validated by the pathologist, the steps by the technician, ordered by the doctor.
        var order = await Printed.ValidatedAsync(w, "sp-de-1");
        var validation = order.Steps[^1];
        var (_, lab, _) = await PrintAsync(w.Doctor, $"/api/v1/lab/orders/{order.Id}/pdf");
        Assert.Contains("Date of birth: 05.05.1970", lab);
        Assert.Contains("Ordered by: Lara Lab (dr-lab)", lab);
        Assert.Contains("by Lab technician lt-one", lab);
        Assert.Contains($"Validated {Berlin(validation.Proof.BlockTime)[..16]}", lab); // to the minute: "dd.MM.yyyy HH:mm"
        Assert.Contains("Signed electronically by Pathologist pa-one", lab);
        Assert.Contains($"on {Berlin(validation.Proof.BlockTime)} · ledger signature", lab);
        Assert.Contains($"at {Berlin(validation.Proof.BlockTime)}", lab); // the verification block
        Assert.DoesNotContain("UTC", lab);
        Assert.DoesNotContain("1970-05-05", lab);

        // Medical report (a prescription): recorded and signed at the block time, hospital time; the author by name.
        using var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(new { type = "prescription", title = "Iron", drug = "Ferrous sulfate", dose = "200 mg", route = "oral", frequency = "daily", duration = "3 months" })), "metadata" } };
        var report = await Read<ReportsApi.ReportCreatedResponse>(await w.Doctor.PostAsync($"/api/v1/patients/{w.PatientId}/reports", form, Ct));
        var recorded = (await Read<ReportsApi.ReportHistoryResponse>(await w.Doctor.GetAsync($"/api/v1/reports/{report.ReportId}", Ct))).Latest.Proof.BlockTime;
        var (_, prescription, _) = await PrintAsync(w.Doctor, $"/api/v1/reports/{report.ReportId}/pdf");
        Assert.Contains($"Recorded in block {report.Height} at {Berlin(recorded)}", prescription);
        Assert.Contains("Signed electronically by Lara Lab (dr-lab), doctor, Medicine", prescription);
        Assert.Contains($"on {Berlin(recorded)} · ledger signature", prescription);
        Assert.Contains("Date of birth: 05.05.1970", prescription);
        Assert.DoesNotContain("UTC", prescription);

        // Whole record: a charge and a pharmacist's dispense (which charges the account too), printed by the patient.
        var pharmacistLogin = await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/staff", new { userId = "ph-de", role = "pharmacist" }, Ct));
        var pharmacist = await w.Node.FirstLoginAsync("ph-de", pharmacistLogin.OneTimePassword!);
        var drug = await Read<HealthLedger.Node.Pharmacy.DrugResponse>(await pharmacist.PostAsJsonAsync("/api/v1/pharmacy/drugs",
            new { name = "Ferrous sulfate", strength = "200 mg", form = "tablet", atcCode = "B03AA07", unitPrice = 2.50m, reorderLevel = 1 }, Ct));
        var expiry = DateTime.UtcNow.Date.AddDays(200).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        (await pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/drugs/{drug.Id}/receipts",
            new { quantity = 50, expiresOn = expiry, supplier = "MedSupply", lotNumber = "FE-1", unitCost = 1.10m, reference = "DN-FE-1" }, Ct)).EnsureSuccessStatusCode();
        var rx = await Read<HealthLedger.Node.Pharmacy.PrescriptionResponse>(await w.Doctor.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/prescriptions",
            new { drugId = drug.Id, dose = "200 mg", route = "oral", frequency = "daily", durationDays = 30, quantity = 30, repeats = 0, instructions = "With food." }, Ct));
        (await pharmacist.PostAsJsonAsync($"/api/v1/pharmacy/prescriptions/{rx.Id}/dispenses", new { quantity = 4 }, Ct)).EnsureSuccessStatusCode();
        (await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/account/charges", new { occurredAt = "2026-01-03T09:00", service = "Ward stay", quantity = 1, unitPrice = 1234.50m }, Ct)).EnsureSuccessStatusCode();

        var (_, record, _) = await PrintAsync(w.Patient, $"/api/v1/patients/{w.PatientId}/record.pdf");
        Assert.Contains("Ward stay: 1.234,50 CHF", record); // de-DE number format, the code after the amount
        Assert.Contains("10,00 CHF", record); // the dispense's charge: 4 × 2.50
        Assert.Matches(@"Charges 1\.2\d\d,\d\d CHF\s+Payments 0,00 CHF\s+Balance 1\.2\d\d,\d\d CHF", record);
        Assert.Contains("03.01.2026 ", record); // the charge's day
        Assert.Contains("02.01.2026 10:00 Europe/Berlin admission with Lara Lab (dr-lab)", record); // typed as hospital time, shown as it
        Assert.Contains("validated by Pathologist pa-one", record);
        Assert.Contains("Dispensed 4 by Pharmacist ph-de", record);
        Assert.Matches(@"prescribed\s+by\s+Lara\s+Lab\s+\(dr-lab\)", record); // a long line: it may wrap anywhere
        Assert.Contains($"Issued electronically by Klinikum Beispiel, for Pat Lab ({w.PatientId}), the patient", record);
        Assert.Contains("Date of birth: 05.05.1970", record);
        Assert.Matches(@"block \d+ ·\s+\d\d\.\d\d\.\d{4}\s+\d\d:\d\d:\d\d Europe/Berlin", record); // each item's proof
        Assert.DoesNotContain("UTC", record);
        Assert.DoesNotContain("EUR", record);
    }
}
