using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Model;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Records;
using HealthLedger.Node.Tests.Printouts;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.Laboratory.LabApiTests;

namespace HealthLedger.Node.Tests.Laboratory;

/// <summary>
/// Issue 15: the validated lab report prints as a PDF with its flags and verification code, recorded on the chain like
/// medical report printouts, so <c>/api/v1/verify/file</c> and the code check recognise it (a changed byte does not
/// match); an amendment prints as such and supersedes the earlier printout; 401/403/404/409 write nothing.
/// </summary>
public class LabReportPdfTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<LabOrderResponse> ValidatedAsync(World w) => Printed.ValidatedAsync(w, "sp-pdf-1");

    private static Task<LabOrderResponse> ResultedAsync(World w) => Printed.ResultedAsync(w, "sp-pdf-1");

    private static Task<byte[]> PdfAsync(HttpClient client, string orderId) => Printed.PdfAsync(client, $"/api/v1/lab/orders/{orderId}/pdf");

    private static Task<FileMatch> CheckAsync(HttpClient client, byte[] file) => Printed.CheckAsync(client, file, "lab-report.pdf");

    [Fact]
    public async Task A_validated_full_blood_count_prints_with_its_flags_and_code_and_the_download_is_recognised_and_a_changed_byte_is_not()
    {
        await using var w = await SetUpAsync();
        var order = await ValidatedAsync(w);
        var pdf = await PdfAsync(w.Doctor, order.Id);
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);
        Assert.Equal(pdf, await PdfAsync(w.Doctor, order.Id)); // deterministic: the same bytes again

        var text = await TextAsync(pdf);
        Assert.Contains("Laboratory report", text);
        Assert.DoesNotContain("amended", text);
        Assert.Contains("Pat Lab", text);
        Assert.Contains("sp-pdf-1", text);
        Assert.Contains("Haemoglobin (HGB, LOINC 718-7): 95 g/L", text);
        Assert.Contains("reference 120–160 g/L", text);
        Assert.Contains("flag L", text);
        Assert.Contains("flag H", text);
        Assert.Contains("[L] Haemoglobin (HGB, LOINC 718-7): 95 g/L", text); // issue 16: the flag's marker leads the line
        Assert.Matches(@"\[H\] [^\n]*flag H", text);
        Assert.Contains("Signed electronically by Pathologist pa-one", text); // staff by role and id, as the pages name them
        Assert.Matches($@"ledger signature: transaction\s+{order.Steps[^1].Proof.TransactionId}", text); // the long id may wrap onto the next line
        Assert.NotEmpty(await PdfTools.RenderPagesAsync(pdf, Ct));
        Assert.Contains("by Lab technician lt-one", text);
        Assert.Contains("by Pathologist pa-one", text);
        Assert.Contains("Ordered by: Lara Lab (dr-lab)", text);
        Assert.Contains("Iron studies advised.", text);
        var code = $"HL-{order.Id}-v5-";
        Assert.Contains(code, text);

        // verify-file: the doctor is told which order and step; a changed byte matches nothing.
        var match = await CheckAsync(w.Doctor, pdf);
        Assert.Equal((true, true, order.Id, 5, "pa-one", true, false, "lab-report"), (match.Match, match.Visible, match.ReportId, match.Version, match.AuthorId, match.Printout, match.Superseded, match.Kind));
        var changed = pdf.ToArray();
        changed[changed.Length / 2] ^= 1;
        Assert.False((await CheckAsync(w.Doctor, changed)).Match);

        // The printed code checks anonymously: authentic, a lab report signed by the pathologist.
        var printedCode = System.Text.RegularExpressions.Regex.Match(text, @"HL-[a-z0-9._-]+-v5-[0-9a-f]{10}").Value;
        var anonymous = new HttpClient { BaseAddress = w.Node.Http.BaseAddress };
        var check = await Read<ReportCheck>(await anonymous.GetAsync($"/api/v1/verify/{printedCode}", Ct));
        Assert.Equal(("authentic", "lab report", "pa-one", order.Id), (check.Status, check.Type, check.AuthorId, check.ReportId));

        // The patient and the laboratory's staff print it too; the staff see no demographics, so theirs names the patient by
        // id only: another printout, recorded and recognised as well.
        Assert.Equal(pdf, await PdfAsync(w.Patient, order.Id));
        var technicians = await PdfAsync(w.Technician, order.Id);
        Assert.DoesNotContain("Pat Lab", await TextAsync(technicians));
        var staffCopy = await CheckAsync(w.Technician, technicians);
        Assert.Equal((true, order.Id, 5), (staffCopy.Match, staffCopy.ReportId, staffCopy.Version));
        // Each print is a disclosure of the patient's laboratory data (saved before the PDF is sent, on the chain once its batch commits).
        await w.Node.App.Services.GetRequiredService<HealthLedger.Node.Records.DisclosureRecorder>().FlushAsync(Ct);
        var disclosures = await Read<List<HealthLedger.Node.Audit.DisclosureResponse>>(await w.Patient.GetAsync($"/api/v1/patients/{w.PatientId}/disclosures", Ct));
        Assert.Contains(disclosures, d => d.Resource == $"lab report {order.Id}" && d.ActorId == "dr-lab");
    }

    [Fact]
    public async Task An_amended_order_prints_as_an_amendment_and_supersedes_the_earlier_printout()
    {
        await using var w = await SetUpAsync();
        var order = await ValidatedAsync(w);
        var first = await PdfAsync(w.Doctor, order.Id);
        await Read<LabOrderResponse>(await w.Technician.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/results", FbcResults(hgb: 130, reason: "Haemolysed sample re-run"), Ct));

        // While the amendment awaits validation the report does not print (409), and no printout is recorded.
        var printouts = Printouts(w);
        var pending = await LabApiTests.Problem(await w.Doctor.GetAsync($"/api/v1/lab/orders/{order.Id}/pdf", Ct), HttpStatusCode.Conflict);
        Assert.True(pending.GetProperty("errors").TryGetProperty("status", out _), pending.ToString());
        await w.HeightAsync();
        Assert.Equal(printouts, Printouts(w));

        await Read<LabOrderResponse>(await w.Pathologist2.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { }, Ct));
        var amended = await PdfAsync(w.Doctor, order.Id);
        var text = await TextAsync(amended);
        Assert.Contains("Laboratory report (amended)", text);
        Assert.Contains("Haemolysed sample re-run", text);
        Assert.Contains("Haemoglobin (HGB, LOINC 718-7): 130 g/L", text);
        Assert.Contains($"HL-{order.Id}-v7-", text);

        var old = await CheckAsync(w.Doctor, first);
        Assert.Equal((true, 5, true), (old.Match, old.Version, old.Superseded));
        var latest = await CheckAsync(w.Doctor, amended);
        Assert.Equal((true, 7, false), (latest.Match, latest.Version, latest.Superseded));
    }

    [Fact]
    public async Task Printing_is_401_without_a_session_404_for_an_unknown_or_unreachable_order_409_before_validation_and_writes_nothing()
    {
        await using var w = await SetUpAsync();
        var order = await ResultedAsync(w);

        var anonymous = new HttpClient { BaseAddress = w.Node.Http.BaseAddress };
        using (var unauthorised = await anonymous.GetAsync($"/api/v1/lab/orders/{order.Id}/pdf", Ct)) Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        await LabApiTests.Problem(await w.Doctor.GetAsync("/api/v1/lab/orders/lo-nothing/pdf", Ct), HttpStatusCode.NotFound);
        var notYet = await LabApiTests.Problem(await w.Doctor.GetAsync($"/api/v1/lab/orders/{order.Id}/pdf", Ct), HttpStatusCode.Conflict);
        Assert.True(notYet.GetProperty("errors").TryGetProperty("status", out _), notYet.ToString());

        // A doctor without access to the patient is told nothing exists (404).
        var other = await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-out", name = "Otto Out", specialty = "Surgery", department = "OR", licenceNumber = "L9" }, Ct));
        var stranger = await w.Node.FirstLoginAsync("dr-out", other.OneTimePassword!);
        await Read<LabOrderResponse>(await w.Pathologist2.PostAsJsonAsync($"/api/v1/lab/orders/{order.Id}/validate", new { }, Ct));
        await LabApiTests.Problem(await stranger.GetAsync($"/api/v1/lab/orders/{order.Id}/pdf", Ct), HttpStatusCode.NotFound);
        // Lab staff of another role: an admin of the organisation reaches it (the custodian), so 403 is for a patient printing another's order.
        var second = await Read<WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-L2", fullName = "Other Patient", dateOfBirth = "1980-01-01", gender = "male" }, Ct));
        var otherPatient = await w.Node.FirstLoginAsync(second.Id, second.OneTimePassword!);
        using (var refused = await otherPatient.GetAsync($"/api/v1/lab/orders/{order.Id}/pdf", Ct))
        {
            Assert.True(refused.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, $"{(int)refused.StatusCode}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        await w.HeightAsync();
        Assert.Equal(0, Printouts(w));
    }

    private static int Printouts(World w) => w.Node.App.Services.GetRequiredService<LedgerNode>().ScanState("content/").Count;

    private static Task<string> TextAsync(byte[] pdf) => Printed.TextAsync(pdf);
}
