using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.MedicalReports;

/// <summary>
/// Printouts name the organisation that holds the record (the custodian), not the node that prints them: a St Mary doctor
/// with a grant prints a General Hospital patient's report and complete record at St Mary's node, and both say General
/// Hospital. Two organisations, one node each, in this process.
/// </summary>
public sealed class CustodianPrintoutTests : InProcessNodes
{
    [Fact]
    public async Task A_grantee_at_their_own_node_prints_the_custodians_name_on_the_report_pdf_and_the_printable_record()
    {
        var init = FoundHospitals("General Hospital", "St Mary Hospital");
        // Each node has its hospital's contact details (General Hospital keeps the chain's name, St Mary's names itself).
        var general = await StartAsync(init.Organisations[0].Folder, configure: o => o with { Hospital = new HospitalSettings(Address: "1 General Way, Springfield", Phone: "+44 20 7946 0100") });
        var stMary = await StartAsync(init.Organisations[1].Folder, configure: o => o with { Hospital = new HospitalSettings("St Mary's Teaching Hospital", "2 Mary Street", "+44 20 7946 0200", "info@st-mary.example") });

        using var generalAdmin = await InProcessNode.LoginAsync(general, init.Organisations[0].AdminUser, NodeFixture.Password, Ct);
        using var stMaryAdmin = await InProcessNode.LoginAsync(stMary, init.Organisations[1].AdminUser, NodeFixture.Password, Ct);
        var drGeneral = await Read<JsonElement>(await generalAdmin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-general", name = "Gina General", specialty = "Pathology", department = "Lab", licenceNumber = "G1" }, Ct));
        var patient = await Read<JsonElement>(await generalAdmin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "GH-1", fullName = "Pat Custodian", dateOfBirth = "1970-01-01", gender = "female" }, Ct));
        var patientId = patient.GetProperty("id").GetString()!;
        var drStMary = await Read<JsonElement>(await stMaryAdmin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-stmary", name = "Sam St Mary", specialty = "Cardiology", department = "Heart", licenceNumber = "S1" }, Ct));
        await Read<JsonElement>(await generalAdmin.PostAsJsonAsync($"/api/v1/patients/{patientId}/entries",
            new { type = "visit", occurredAt = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mmZ", CultureInfo.InvariantCulture), doctorId = "dr-general", notes = "Bloods taken." }, Ct));

        // A General Hospital doctor writes a lab report; the patient grants the St Mary doctor every section of the record.
        using var gina = await FirstLoginAsync(general, "dr-general", drGeneral.GetProperty("oneTimePassword").GetString()!);
        var metadata = new { type = "lab", title = "Full blood count", labResults = new[] { new { test = "Haemoglobin", value = "98", unit = "g/L", referenceRange = "130-170", flag = "L" } } };
        string reportId;
        using (var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(metadata)), "metadata" } })
        {
            var part = new ByteArrayContent("%PDF-1.4\n% lab\n%%EOF\n"u8.ToArray());
            part.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(part, "file", "fbc.pdf");
            reportId = (await Read<JsonElement>(await gina.PostAsync($"/api/v1/patients/{patientId}/reports", form, Ct))).GetProperty("reportId").GetString()!;
        }
        using var pat = await FirstLoginAsync(general, patientId, patient.GetProperty("oneTimePassword").GetString()!);
        await Read<JsonElement>(await pat.PostAsJsonAsync($"/api/v1/patients/{patientId}/grants",
            new { granteeKind = "doctor", granteeId = "dr-stmary", categories = new[] { "demographics", "encounters", "account", "reports" } }, Ct));
        var granted = Node(general).Tip.Height;
        await InProcessNode.WaitAsync("St Mary's node has the grant", () => Node(stMary).Tip.Height >= granted, Ct);

        // At St Mary's node, the St Mary doctor's printout of the report is headed General Hospital.
        using var sam = await FirstLoginAsync(stMary, "dr-stmary", drStMary.GetProperty("oneTimePassword").GetString()!);
        using var pdf = await sam.GetAsync($"/api/v1/reports/{reportId}/pdf", Ct);
        Assert.True(pdf.IsSuccessStatusCode, await pdf.Content.ReadAsStringAsync(Ct));
        var printed = await pdf.Content.ReadAsByteArrayAsync(Ct);
        var text = await PdfTextAsync(printed);
        Assert.Contains("General Hospital · HealthLedger", text, StringComparison.Ordinal);
        Assert.DoesNotContain("St Mary Hospital", text, StringComparison.Ordinal);
        // St Mary's node does not know General Hospital's contact details, and does not print its own on another's record.
        Assert.DoesNotContain("1 General Way", text, StringComparison.Ordinal);
        Assert.DoesNotContain("St Mary's Teaching Hospital", text, StringComparison.Ordinal);
        Assert.DoesNotContain("7946 0200", text, StringComparison.Ordinal);
        Assert.Contains("Pat Custodian", text, StringComparison.Ordinal);

        // General Hospital's own node heads it the same way (the verification address differs: each node's own).
        using (var atCustodian = await gina.GetAsync($"/api/v1/reports/{reportId}/pdf", Ct))
        {
            Assert.True(atCustodian.IsSuccessStatusCode, await atCustodian.Content.ReadAsStringAsync(Ct));
            var own = await PdfTextAsync(await atCustodian.Content.ReadAsByteArrayAsync(Ct));
            Assert.Contains("General Hospital · HealthLedger", own, StringComparison.Ordinal);
            Assert.Contains("1 General Way, Springfield · Tel. +44 20 7946 0100", own, StringComparison.Ordinal); // its own contact details, set ones only
        }

        // The printable complete record at St Mary's node names General Hospital in its print header too.
        using var web = await CookieLoginAsync(stMary, "dr-stmary", NodeFixture.ChosenPassword);
        var page = await web.GetStringAsync($"/patients/{patientId}/report", Ct);
        Assert.Contains("<strong>General Hospital</strong> · HealthLedger", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<strong>St Mary Hospital</strong>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("St Mary&#x27;s Teaching Hospital</strong>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"letterhead-contact\"", page, StringComparison.Ordinal);
    }



    private static Uri Address(WebApplication app) => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());


    private static async Task<HttpClient> CookieLoginAsync(WebApplication app, string user, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = Address(app) };
        var form = await client.GetStringAsync("/login", Ct);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = user,
            ["Password"] = password,
            ["__RequestVerificationToken"] = NodeFixture.AntiforgeryToken(form),
        });
        using var login = await client.PostAsync("/login", content, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, login.StatusCode);
        return client;
    }

    private static Task<string> PdfTextAsync(byte[] pdf) => PdfTools.TextAsync(pdf, Ct, layout: false);
}
