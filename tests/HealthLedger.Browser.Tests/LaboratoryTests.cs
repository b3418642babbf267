using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>The pathology laboratory in a real browser: FBC order → specimen → results → validation → the doctor's flagged report and the account charge.</summary>
public class LaboratoryTests
{
    private const string Catalogue = """
        {"version":0,
         "tests":[
          {"code":"HGB","loinc":"718-7","name":"Haemoglobin","specimenType":"whole blood (EDTA)","unit":"g/L","possibleLow":10,"possibleHigh":250,"price":5,"turnaroundHours":4,
           "referenceRanges":[{"sex":"female","low":120,"high":160,"criticalLow":70},{"sex":"male","low":130,"high":175,"criticalLow":70}]},
          {"code":"WBC","loinc":"6690-2","name":"White cell count","specimenType":"whole blood (EDTA)","unit":"10*9/L","possibleLow":0,"possibleHigh":500,"price":5,"turnaroundHours":4,
           "referenceRanges":[{"low":4,"high":11,"criticalHigh":30}]},
          {"code":"PLT","loinc":"777-3","name":"Platelets","specimenType":"whole blood (EDTA)","unit":"10*9/L","possibleLow":0,"possibleHigh":3000,"price":5,"turnaroundHours":4,
           "referenceRanges":[{"low":150,"high":400}]}],
         "panels":[{"code":"FBC","loinc":"58410-2","name":"Full blood count","tests":["HGB","WBC","PLT"],"price":25.50,"turnaroundHours":4}]}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The catalogue through the API, as the admin (quicker than the catalogue page, which has its own test).</summary>
    private static async Task PutCatalogueAsync(BrowserNode node)
    {
        using var http = new HttpClient { BaseAddress = new Uri(node.Url) };
        using var token = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = BrowserNode.AdminPassword }, Ct);
        token.EnsureSuccessStatusCode();
        var bearer = JsonDocument.Parse(await token.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var body = new StringContent(Catalogue, System.Text.Encoding.UTF8, "application/json");
        using var put = await http.PutAsync("/api/v1/lab/catalogue", body, Ct);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<string> RegisterLabStaffAsync(IPage admin, string id, string role)
    {
        await admin.GotoAsync("/staff");
        await admin.GetByLabel("User id *").FillAsync(id);
        await admin.GetByLabel("Role *").SelectOptionAsync(role);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("new-user")).ToHaveTextAsync(id);
        return await admin.GetByTestId("otp").InnerTextAsync();
    }

    [Fact]
    public async Task A_full_blood_count_is_ordered_collected_resulted_and_validated_and_the_doctor_sees_the_flags_and_the_charge()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var doctorOtp = await admin.RegisterDoctorAsync("dr-lab", "Lara Lab", "Haematology");
        var (patient, patientOtp) = await admin.RegisterPatientAsync("MRN-7001", "Fiona Blood");
        await admin.GotoAsync($"/patients/{patient}/entries/new");
        await admin.GetByLabel("Type *").SelectOptionAsync("admission");
        await admin.GetByLabel("Attending doctor").SelectOptionAsync("dr-lab");
        await admin.GetByLabel("Ward").FillAsync("W2");
        await admin.GetByLabel("Bed").FillAsync("4");
        await admin.GetByLabel("Reason").FillAsync("Fatigue");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("encounters")).ToContainTextAsync("Ward W2, bed 4");
        await PutCatalogueAsync(node);
        var technicianOtp = await RegisterLabStaffAsync(admin, "lt-tess", "lab-technician");
        var pathologistOtp = await RegisterLabStaffAsync(admin, "pa-paul", "pathologist");
        await Assertions.Expect(admin.GetByTestId("staff")).ToContainTextAsync("lab-technician");

        // The doctor orders an urgent FBC from the patient's page.
        var doctor = await ReportsAndConsentTests.FirstLoginAsync(node, "dr-lab", doctorOtp, "lara-secret-pw");
        await doctor.GotoAsync($"/patients/{patient}");
        await doctor.GetByRole(AriaRole.Link, new() { Name = "Order lab tests" }).ClickAsync();
        await doctor.GetByTestId("test-FBC").CheckAsync();
        await doctor.GetByLabel("Priority").SelectOptionAsync("urgent");
        await doctor.GetByLabel("Clinical note").FillAsync("Tired and pale for a month.");
        await doctor.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();
        await Assertions.Expect(doctor.GetByTestId("status")).ToHaveTextAsync("ordered");
        var orderUrl = doctor.Url;

        // The technician collects (a specimen id is made, its QR label shown), receives by the label's id and enters results;
        // an impossible haemoglobin is refused and changes nothing.
        var technician = await ReportsAndConsentTests.FirstLoginAsync(node, "lt-tess", technicianOtp, "tess-secret-pw");
        await technician.GotoAsync("/lab");
        await technician.GetByTestId("lab-orders").GetByRole(AriaRole.Link).First.ClickAsync();
        await technician.GetByRole(AriaRole.Button, new() { Name = "Specimen collected" }).ClickAsync();
        await Assertions.Expect(technician.GetByTestId("status")).ToHaveTextAsync("collected");
        await Assertions.Expect(technician.GetByTestId("label")).ToBeVisibleAsync();
        var specimen = await technician.GetByTestId("specimen").InnerTextAsync();
        Assert.StartsWith("sp-", specimen);
        await technician.GetByLabel("Specimen id from the label *").FillAsync(specimen);
        await technician.GetByRole(AriaRole.Button, new() { Name = "Specimen received" }).ClickAsync();
        await Assertions.Expect(technician.GetByTestId("status")).ToHaveTextAsync("received");
        await technician.GetByTestId("result-HGB").FillAsync("400");
        await technician.GetByTestId("result-WBC").FillAsync("12.5");
        await technician.GetByTestId("result-PLT").FillAsync("250");
        await technician.GetByRole(AriaRole.Button, new() { Name = "Save results" }).ClickAsync();
        await Assertions.Expect(technician.GetByTestId("field-errors")).ToContainTextAsync("is not a possible Haemoglobin");
        await Assertions.Expect(technician.GetByTestId("status")).ToHaveTextAsync("received");
        await technician.GetByTestId("result-HGB").FillAsync("95");
        await technician.GetByRole(AriaRole.Button, new() { Name = "Save results" }).ClickAsync();
        await Assertions.Expect(technician.GetByTestId("status")).ToHaveTextAsync("resulted");

        // The pathologist validates.
        var pathologist = await ReportsAndConsentTests.FirstLoginAsync(node, "pa-paul", pathologistOtp, "paul-secret-pw");
        await pathologist.GotoAsync(orderUrl);
        // A comment longer than the report takes is refused at the form and the order stays unvalidated.
        await pathologist.GetByLabel("Comment for the report").FillAsync(new string('x', 1001));
        await pathologist.GetByRole(AriaRole.Button, new() { Name = "Validate results" }).ClickAsync();
        await Assertions.Expect(pathologist.GetByTestId("field-errors")).ToContainTextAsync("at most 1000 characters");
        await Assertions.Expect(pathologist.GetByTestId("status")).ToHaveTextAsync("resulted");
        await pathologist.GetByLabel("Comment for the report").FillAsync("Iron studies advised.");
        await pathologist.GetByRole(AriaRole.Button, new() { Name = "Validate results" }).ClickAsync();
        await Assertions.Expect(pathologist.GetByTestId("status")).ToHaveTextAsync("validated");

        // The doctor sees the results ready and the flagged report; the account holds the charge.
        // Home pages (issue 16): the doctor is notified of the validated result and her home lists it by patient name;
        // the laboratory's home counts its orders by status.
        await doctor.GotoAsync("/");
        await Assertions.Expect(doctor.GetByTestId("notification-count")).ToHaveTextAsync("1");
        await Assertions.Expect(doctor.GetByTestId("results-ready")).ToHaveTextAsync("1");
        await Assertions.Expect(doctor.GetByTestId("results")).ToContainTextAsync("Fiona Blood");
        await doctor.GetByTestId("notifications").ClickAsync();
        await Assertions.Expect(doctor.GetByTestId("notification-list")).ToContainTextAsync("Lab results ready for Fiona Blood");
        await Assertions.Expect(doctor.GetByTestId("notification-count")).ToHaveCountAsync(0);
        await technician.GotoAsync("/");
        await Assertions.Expect(technician.GetByTestId("lab-validated")).ToHaveTextAsync("1");
        await Assertions.Expect(technician.GetByTestId("notification-count")).ToHaveCountAsync(0);

        await doctor.GotoAsync("/lab");
        await Assertions.Expect(doctor.GetByTestId("results-ready")).ToContainTextAsync("Results ready: 1");
        await doctor.GotoAsync(orderUrl);
        await Assertions.Expect(doctor.GetByTestId("flag-HGB")).ToHaveTextAsync("L");
        await Assertions.Expect(doctor.GetByTestId("flag-WBC")).ToHaveTextAsync("H");
        await Assertions.Expect(doctor.GetByTestId("flag-PLT")).ToHaveTextAsync("");
        await Assertions.Expect(doctor.GetByTestId("report")).ToContainTextAsync("120–160 g/L");
        await Assertions.Expect(doctor.GetByTestId("report")).ToContainTextAsync("Iron studies advised.");
        await admin.GotoAsync($"/patients/{patient}/account");
        await Assertions.Expect(admin.Locator("main")).ToContainTextAsync("Laboratory: Full blood count");
        await Assertions.Expect(admin.Locator("main")).ToContainTextAsync("25.50");

        // The doctor prints the report: a PDF recorded on the ledger, which the verify page recognises as this lab report.
        var download = await doctor.RunAndWaitForDownloadAsync(() => doctor.GetByTestId("lab-pdf").ClickAsync());
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!, Ct);
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);
        await doctor.GotoAsync("/verify");
        await doctor.Locator("#file").SetInputFilesAsync(new FilePayload { Name = "fbc.pdf", MimeType = "application/pdf", Buffer = pdf });
        await doctor.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        await Assertions.Expect(doctor.GetByTestId("file-result")).ToHaveAttributeAsync("data-status", "match");
        await Assertions.Expect(doctor.GetByTestId("file-result")).ToContainTextAsync("a printout of the lab report of order");

        // The patient prints it from their own view of the order.
        var patientPage = await ReportsAndConsentTests.FirstLoginAsync(node, patient, patientOtp, "fiona-secret-pw");
        await patientPage.GotoAsync(orderUrl);
        var own = await patientPage.RunAndWaitForDownloadAsync(() => patientPage.GetByRole(AriaRole.Link, new() { Name = "Print report (PDF)" }).ClickAsync());
        Assert.Equal("%PDF-"u8.ToArray(), (await File.ReadAllBytesAsync((await own.PathAsync())!, Ct))[..5]);
    }

    [Fact]
    public async Task The_admin_adds_a_test_on_the_catalogue_page_and_a_reference_range_with_low_above_high_is_shown_at_its_field()
    {
        await using var node = await BrowserNode.StartAsync();
        await PutCatalogueAsync(node);
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.GotoAsync("/lab");
        await admin.GetByTestId("catalogue-link").ClickAsync();
        await Assertions.Expect(admin.GetByTestId("test-HGB")).ToContainTextAsync("female: 120–160 g/L");
        await Assertions.Expect(admin.GetByTestId("catalogue-panels")).ToContainTextAsync("Full blood count");

        await admin.GetByLabel("Code *").FillAsync("GLU");
        await admin.GetByLabel("LOINC").FillAsync("2345-7");
        await admin.GetByLabel("Name *").FillAsync("Glucose");
        await admin.GetByLabel("Specimen type *").FillAsync("serum");
        await admin.GetByLabel("Unit *").FillAsync("mmol/L");
        await admin.GetByLabel("Lowest possible value *").FillAsync("0.5");
        await admin.GetByLabel("Highest possible value *").FillAsync("60");
        await admin.GetByLabel("Price *").FillAsync("8");
        await admin.GetByLabel("Turnaround target (hours) *").FillAsync("2");
        await admin.GetByLabel("Low (range 1)", new() { Exact = true }).FillAsync("5.5");
        await admin.GetByLabel("High (range 1)", new() { Exact = true }).FillAsync("3.9");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add test" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("form-error")).ToContainTextAsync("Please correct the fields marked below.");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Test.Ranges[0].High']")).ToHaveTextAsync("A reference range needs low ≤ high.");
        await Assertions.Expect(admin.GetByTestId("catalogue-tests")).Not.ToContainTextAsync("Glucose");
        await Assertions.Expect(admin.GetByLabel("Code *")).ToHaveValueAsync("GLU"); // the form keeps what was typed

        await admin.GetByLabel("Low (range 1)", new() { Exact = true }).FillAsync("3.9");
        await admin.GetByLabel("High (range 1)", new() { Exact = true }).FillAsync("5.5");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add test" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("test-GLU")).ToContainTextAsync("3.9–5.5 mmol/L");

        // Editing a test keeps the rest of the catalogue.
        await admin.GetByTestId("edit-GLU").ClickAsync();
        await admin.GetByLabel("Price *").FillAsync("9.25");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save test" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("test-GLU")).ToContainTextAsync("9.25");
        await Assertions.Expect(admin.GetByTestId("test-HGB")).ToBeVisibleAsync();
    }
}
