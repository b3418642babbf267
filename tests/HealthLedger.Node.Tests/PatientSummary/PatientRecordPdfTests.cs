using System.Net;
using System.Net.Http.Json;
using HealthLedger.Node.Laboratory;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Tests.Laboratory;
using HealthLedger.Node.Tests.Printouts;
using Microsoft.Extensions.DependencyInjection;
using static HealthLedger.Node.Tests.ApiResponses;

namespace HealthLedger.Node.Tests.PatientSummary;

/// <summary>
/// Issue 15 part 4: the whole-record PDF (<c>GET /api/v1/patients/{id}/record.pdf</c>): every section the reader may see with
/// each item's ledger proof and one verification code; the printout is recorded on the chain, so the file check and the code
/// check recognise it and a changed byte matches nothing; 401, 403, 404 print nothing.
/// </summary>
public class PatientRecordPdfTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<LabOrderResponse> ValidatedAsync(LabApiTests.World w) => Printed.ValidatedAsync(w, "sp-rec-1");

    private static Task<byte[]> PdfAsync(HttpClient client, string patientId) => Printed.PdfAsync(client, $"/api/v1/patients/{patientId}/record.pdf");

    private static Task<FileMatch> CheckAsync(HttpClient client, byte[] file) => Printed.CheckAsync(client, file, "record.pdf");

    [Fact]
    public async Task The_patient_prints_their_whole_record_with_each_items_proof_and_one_code_and_the_file_and_code_are_recognised_and_a_changed_byte_is_not()
    {
        await using var w = await LabApiTests.SetUpAsync();
        var order = await ValidatedAsync(w);
        var patient = await Read<HealthLedger.Node.Patients.PatientResponse>(await w.Admin.GetAsync($"/api/v1/patients/{w.PatientId}", Ct));

        var pdf = await PdfAsync(w.Patient, w.PatientId);
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);
        var text = await TextAsync(pdf);
        Assert.Contains("Patient record", text);
        Assert.Contains("Pat Lab", text);
        Assert.Contains("MRN-L1", text);
        Assert.Contains($"transaction {patient.Proof.TransactionId}", text); // the demographics' proof
        Assert.Contains("Encounters", text);
        Assert.Contains("Anaemia", text); // the admission
        Assert.Contains("Account", text);
        Assert.Contains("Laboratory results (validated)", text);
        Assert.Contains("Haemoglobin (HGB): 95 g/L", text);
        Assert.Contains("Iron studies advised.", text);
        Assert.Contains($"transaction {order.Steps[^1].Proof.TransactionId}", text); // the validation's proof
        Assert.Contains("Medication", text);
        Assert.Contains("Medical reports", text);
        Assert.DoesNotContain("Not shared with the reader", text); // the patient sees every section
        var codes = System.Text.RegularExpressions.Regex.Matches(text, $@"HL-{w.PatientId}-v\d+-[0-9a-f]{{10}}").Select(m => m.Value).Distinct().ToList();
        var code = Assert.Single(codes); // one verification code for the document

        // The file check names it to the patient, and to the attending doctor; a changed byte matches nothing.
        var match = await CheckAsync(w.Patient, pdf);
        Assert.Equal((true, true, w.PatientId, true, "patient-record"), (match.Match, match.Visible, match.ReportId, match.Printout, match.Kind));
        var changed = pdf.ToArray();
        changed[changed.Length / 2] ^= 1;
        Assert.False((await CheckAsync(w.Patient, changed)).Match);

        // The printed code checks anonymously: authentic, a whole patient record recorded by the node.
        var anonymous = new HttpClient { BaseAddress = w.Node.Http.BaseAddress };
        var check = await Read<ReportCheck>(await anonymous.GetAsync($"/api/v1/verify/{code}", Ct));
        Assert.Equal("authentic", check.Status);
        Assert.StartsWith("whole patient record", check.Type);
        Assert.Equal(w.PatientId, check.ReportId);
        // A code of a block with no recorded printout, or with another block's hash, is no printout.
        var forged = code[..^10] + "0000000000";
        using (var none = await anonymous.GetAsync($"/api/v1/verify/{forged}", Ct)) Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Fact]
    public async Task A_doctor_prints_only_what_is_shared_and_printing_is_401_403_404_otherwise_with_nothing_recorded()
    {
        await using var w = await LabApiTests.SetUpAsync();
        var doctors = await TextAsync(await PdfAsync(w.Doctor, w.PatientId));
        Assert.Contains("Anaemia", doctors); // the attending doctor reads the encounters
        Assert.Contains("admission with Lara Lab (dr-lab)", doctors); // the doctor by name, not only the raw id

        var anonymous = new HttpClient { BaseAddress = w.Node.Http.BaseAddress };
        using (var unauthorised = await anonymous.GetAsync($"/api/v1/patients/{w.PatientId}/record.pdf", Ct)) Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        await LabApiTests.Problem(await w.Admin.GetAsync("/api/v1/patients/pt-nobody/record.pdf", Ct), HttpStatusCode.NotFound);
        await LabApiTests.Problem(await w.Technician.GetAsync($"/api/v1/patients/{w.PatientId}/record.pdf", Ct), HttpStatusCode.Forbidden);
        var second = await Read<HealthLedger.Node.Web.WriteResponse>(await w.Admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-R2", fullName = "Other Patient", dateOfBirth = "1980-01-01", gender = "male" }, Ct));
        var otherPatient = await w.Node.FirstLoginAsync(second.Id, second.OneTimePassword!);
        await LabApiTests.Problem(await otherPatient.GetAsync($"/api/v1/patients/{w.PatientId}/record.pdf", Ct), HttpStatusCode.Forbidden);
        await w.HeightAsync();
        var printouts = w.Node.App.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>().ScanState("recordprintout/");
        Assert.Single(printouts); // the doctor's only
    }

    internal static Task<string> TextAsync(byte[] pdf) => Printed.TextAsync(pdf);
}
