using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>Each module's main path per role, and the validation messages next to the fields.</summary>
public class ModuleTests
{
    [Fact]
    public async Task Registration_forms_show_messages_next_to_the_fields_and_write_nothing()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);

        await admin.GotoAsync("/patients/register");
        await admin.GetByLabel("Date of birth *").FillAsync("2999-01-01");
        await admin.GetByLabel("Email").FillAsync("not-an-address");
        await admin.GetByLabel("Phone").FillAsync("call me");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register patient" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Alert)).ToContainTextAsync("Please correct the fields");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.Mrn']")).ToHaveTextAsync("MRN is required.");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.FullName']")).ToHaveTextAsync("Full name is required.");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.DateOfBirth']")).ToHaveTextAsync("Date of birth cannot be in the future.");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.Email']")).ToHaveTextAsync("Email is not a valid address.");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.Phone']")).ToContainTextAsync("Phone must be digits");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.Gender']")).ToContainTextAsync("Gender must be one of");
        await Assertions.Expect(admin.GetByLabel("Email")).ToHaveValueAsync("not-an-address"); // input kept
        await Assertions.Expect(admin.GetByLabel("Email")).ToHaveClassAsync(new Regex("input-validation-error"));

        await admin.RegisterPatientAsync("MRN-3001", "Ann Lee");
        await admin.GotoAsync("/patients/register");
        await admin.GetByLabel("MRN (hospital number) *").FillAsync("mrn-3001");
        await admin.GetByLabel("Full name *").FillAsync("Somebody Else");
        await admin.GetByLabel("Date of birth *").FillAsync("1990-01-01");
        await admin.GetByLabel("Gender *").SelectOptionAsync("male");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register patient" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.Mrn']")).ToHaveTextAsync("A patient with this MRN is already registered.");

        await admin.GotoAsync("/doctors/register");
        await admin.GetByLabel("Doctor id (user name) *").FillAsync("Dr Who!");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register doctor" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.DoctorId']")).ToContainTextAsync("Doctor id must be");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.LicenceNumber']")).ToHaveTextAsync("Licence number is required.");

        await admin.GotoAsync("/");
        await Assertions.Expect(admin.GetByTestId("stat-patients")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task A_doctor_sees_the_directory_and_only_attended_patients_records_a_visit_and_goes_off_call()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var otp = await admin.RegisterDoctorAsync("dr-ross", "Doug Ross", "Paediatrics", onCall: true);
        await admin.RegisterDoctorAsync("dr-carter", "John Carter", "Emergency Medicine");
        var (attended, _) = await admin.RegisterPatientAsync("MRN-4001", "Amy Pond", "Asthma");
        var (other, _) = await admin.RegisterPatientAsync("MRN-4002", "Rory Williams", "Migraine");
        await admin.GotoAsync($"/patients/{attended}/entries/new");
        await admin.GetByLabel("Type *").SelectOptionAsync("admission");
        await admin.GetByLabel("Attending doctor").SelectOptionAsync("dr-ross");
        await admin.GetByLabel("Ward").FillAsync("P2");
        await admin.GetByLabel("Bed").FillAsync("4");
        await admin.GetByLabel("Reason").FillAsync("Wheeze");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();

        var doctor = await node.NewPageAsync();
        await doctor.LoginAsync("dr-ross", otp);
        await doctor.GetByLabel("Current (or one-time) password").FillAsync(otp);
        await doctor.GetByLabel("New password", new() { Exact = true }).FillAsync("ross-private-pw");
        await doctor.GetByLabel("Repeat the new password").FillAsync("ross-private-pw");
        await doctor.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();

        await doctor.GotoAsync("/doctors?specialty=Paediatrics");
        await Assertions.Expect(doctor.GetByTestId("doctors").Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(doctor.GetByTestId("doctors")).ToContainTextAsync("Doug Ross");
        await doctor.GotoAsync("/doctors/on-call");
        await Assertions.Expect(doctor.Locator("main")).ToContainTextAsync("Paediatrics");

        await doctor.GotoAsync("/patients");
        await Assertions.Expect(doctor.GetByTestId("patients").Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(doctor.GetByTestId("patients")).ToContainTextAsync("Amy Pond");
        Assert.Equal(403, (await doctor.GotoAsync($"/patients/{other}"))!.Status);
        Assert.Equal(403, (await doctor.GotoAsync("/patients/register"))!.Status);
        Assert.Equal(403, (await doctor.GotoAsync("/statistics"))!.Status);

        await doctor.GotoAsync($"/patients/{attended}/entries/new");
        await doctor.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await Assertions.Expect(doctor.Locator("[data-valmsg-for='Input.Notes']")).ToHaveTextAsync("Notes is required.");
        await doctor.GetByLabel("Notes").FillAsync("Chest clear after nebuliser.");
        await doctor.GetByLabel("Diagnosis").FillAsync("Acute asthma");
        await doctor.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await Assertions.Expect(doctor.GetByTestId("encounters")).ToContainTextAsync("Chest clear after nebuliser.");

        await doctor.GotoAsync("/doctors/dr-ross");
        await doctor.GetByRole(AriaRole.Button, new() { Name = "Set off call" }).ClickAsync();
        await Assertions.Expect(doctor.GetByTestId("on-call")).ToHaveTextAsync("no");
        await doctor.GotoAsync("/doctors/on-call");
        await Assertions.Expect(doctor.Locator("main")).ToContainTextAsync("Nobody is marked on call.");
    }

    [Fact]
    public async Task Admin_lists_search_sort_and_page_patients_corrects_an_entry_and_exports_csv()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.RegisterDoctorAsync("dr-yang", "Cristina Yang", "Cardiology");
        var names = new[] { "Zoe Adams", "Yuri Baker", "Xena Clark" };
        string first = "";
        for (var i = 0; i < names.Length; i++)
        {
            var (id, _) = await admin.RegisterPatientAsync($"MRN-50{i}", names[i], i == 0 ? "Heart failure" : "Asthma");
            if (i == 0) first = id;
        }
        await admin.GotoAsync("/patients?sort=name");
        await Assertions.Expect(admin.GetByTestId("patients").Locator("tbody tr").First).ToContainTextAsync("Xena Clark");
        await admin.GotoAsync("/patients?sort=name&desc=true");
        await Assertions.Expect(admin.GetByTestId("patients").Locator("tbody tr").First).ToContainTextAsync("Zoe Adams");
        await admin.GetByLabel("Name or MRN").FillAsync("baker");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("patients").Locator("tbody tr")).ToHaveCountAsync(1);
        await admin.GotoAsync("/patients?condition=heart");
        await Assertions.Expect(admin.GetByTestId("patients")).ToContainTextAsync("Zoe Adams");
        await Assertions.Expect(admin.GetByTestId("patients").Locator("tbody tr")).ToHaveCountAsync(1);

        // An admission, then a correction of its bed: the original stays, struck through.
        await admin.GotoAsync($"/patients/{first}/entries/new");
        await admin.GetByLabel("Attending doctor").SelectOptionAsync("dr-yang");
        await admin.GetByLabel("Ward").FillAsync("C1");
        await admin.GetByLabel("Bed").FillAsync("7");
        await admin.GetByLabel("Reason").FillAsync("Breathlessness");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await admin.GetByRole(AriaRole.Link, new() { Name = "Correct" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("corrects entry");
        await admin.GetByLabel("Bed").FillAsync("8");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("encounters").Locator("tr.superseded")).ToContainTextAsync("bed 7");
        await Assertions.Expect(admin.GetByTestId("encounters")).ToContainTextAsync("Ward C1, bed 8");

        await admin.GotoAsync($"/patients/{first}/account");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add charge" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Charge.Service']")).ToHaveTextAsync("Service is required.");
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Charge.UnitPrice']")).ToContainTextAsync("Unit price");

        await admin.GotoAsync("/statistics");
        var download = await admin.RunAndWaitForDownloadAsync(() => admin.Locator("h2", new() { HasText = "Patients by disease" }).GetByRole(AriaRole.Link, new() { Name = "CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!, TestContext.Current.CancellationToken);
        Assert.StartsWith("condition,patients", csv);
        Assert.Contains("Asthma,2", csv);
        await Assertions.Expect(admin.GetByTestId("report-occupancy")).ToContainTextAsync("C1");

        await admin.GotoAsync("/entries");
        await admin.GetByLabel("Type").SelectOptionAsync("admission");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("entries").Locator("tbody tr")).ToHaveCountAsync(2); // the admission and its correction
        await Assertions.Expect(admin.GetByTestId("entries")).ToContainTextAsync("Zoe Adams");
        await admin.GotoAsync("/accounts?search=xena");
        await Assertions.Expect(admin.GetByTestId("accounts").Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(admin.GetByTestId("accounts")).ToContainTextAsync("Xena Clark");
    }

    [Fact]
    public async Task Wrong_passwords_never_lock_the_account_and_logout_ends_the_session()
    {
        await using var node = await BrowserNode.StartAsync();
        var page = await node.NewPageAsync();
        for (var i = 0; i < 5; i++) await page.LoginAsync("admin", "wrong-password");
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("not correct");
        await page.LoginAsync("admin", BrowserNode.AdminPassword); // rate limits slow guessing down; nothing locks a real account
        await Assertions.Expect(page.GetByTestId("user")).ToHaveTextAsync("admin");

        await using var fresh = await BrowserNode.StartAsync();
        var admin = await fresh.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.LogoutAsync();
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/login\\?loggedOut=true$"));
        await Assertions.Expect(admin.GetByTestId("logged-out")).ToBeVisibleAsync();
        await admin.GotoAsync("/patients");
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/login\\?ReturnUrl="));
    }
}
