using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>The acceptance path, in a real browser.</summary>
public class HospitalJourneyTests
{
    [Fact]
    public async Task Admin_registers_a_doctor_and_a_patient_who_signs_in_changes_password_and_sees_only_their_record()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await Assertions.Expect(admin.GetByTestId("user")).ToHaveTextAsync("admin");

        await admin.RegisterDoctorAsync("dr-grey", "Meredith Grey", "Surgery", onCall: true);
        await Assertions.Expect(admin.Locator("h1")).ToHaveTextAsync("Meredith Grey");
        var (janeId, janeOtp) = await admin.RegisterPatientAsync("MRN-2001", "Jane Roe", "Diabetes");
        var (otherId, _) = await admin.RegisterPatientAsync("MRN-2002", "John Doe");

        // The patient signs in with the one-time password and must choose a new one first.
        var patient = await node.NewPageAsync();
        await patient.LoginAsync(janeId, janeOtp);
        await Assertions.Expect(patient).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/password$"));
        await patient.GotoAsync($"/patients/{janeId}");
        await Assertions.Expect(patient).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/password$"));
        await patient.GetByLabel("Current (or one-time) password").FillAsync(janeOtp);
        await patient.GetByLabel("New password", new() { Exact = true }).FillAsync("jane-own-secret-1");
        await patient.GetByLabel("Repeat the new password").FillAsync("jane-own-secret-1");
        await patient.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        // A patient's home is their dashboard, welcoming them by name; "My record" opens the record.
        await Assertions.Expect(patient.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Welcome, Jane Roe");
        await patient.GetByRole(AriaRole.Link, new() { Name = "My record" }).First.ClickAsync();
        await Assertions.Expect(patient.GetByTestId("patient-name")).ToHaveTextAsync("Jane Roe");
        await Assertions.Expect(patient.GetByTestId("mrn")).ToHaveTextAsync("MRN-2001");

        var response = await patient.GotoAsync($"/patients/{otherId}");
        Assert.Equal(403, response!.Status);
        await Assertions.Expect(patient.Locator("h1")).ToHaveTextAsync("Access denied");
        await Assertions.Expect(patient.Locator("body")).Not.ToContainTextAsync("John Doe");

        // The old one-time password no longer works; the new one does.
        var again = await node.NewPageAsync();
        await again.LoginAsync(janeId, janeOtp);
        await Assertions.Expect(again.GetByTestId("login-error")).ToContainTextAsync("not correct");
        await again.LoginAsync(janeId, "jane-own-secret-1");
        await Assertions.Expect(again.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Welcome, Jane Roe");

        // Admin: admission, a charge and a payment; the balance and the reports follow.
        await admin.GotoAsync($"/patients/{janeId}/entries/new");
        await admin.GetByLabel("Type *").SelectOptionAsync("admission");
        await admin.GetByLabel("Attending doctor").SelectOptionAsync("dr-grey");
        await admin.GetByLabel("Ward").FillAsync("W1");
        await admin.GetByLabel("Bed").FillAsync("12");
        await admin.GetByLabel("Reason").FillAsync("Hyperglycaemia");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("encounters")).ToContainTextAsync("Ward W1, bed 12");
        await Assertions.Expect(admin.GetByTestId("encounters").GetByTestId("proof")).ToContainTextAsync("block");

        await admin.GotoAsync($"/patients/{janeId}/account");
        await admin.GetByLabel("Service *").FillAsync("Ward day");
        await admin.GetByLabel("Quantity *").FillAsync("3");
        await admin.GetByLabel("Unit price *").FillAsync("120.50");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add charge" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("balance")).ToHaveTextAsync("EUR 361.50");
        await admin.GetByLabel("Amount *").FillAsync("100");
        await admin.GetByLabel("Method *").SelectOptionAsync("card");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Record payment" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("balance")).ToHaveTextAsync("EUR 261.50");
        await admin.ShotAsync("account");

        await admin.GotoAsync("/statistics");
        await Assertions.Expect(admin.GetByTestId("report-conditions")).ToContainTextAsync("Diabetes");
        await Assertions.Expect(admin.GetByTestId("report-admissions")).ToContainTextAsync("1");
        await Assertions.Expect(admin.GetByTestId("report-occupancy")).ToContainTextAsync("W1");
        await Assertions.Expect(admin.GetByTestId("total-outstanding")).ToHaveTextAsync("EUR 261.50");
        await admin.ShotAsync("reports");
        await admin.GotoAsync($"/patients/{janeId}");
        await admin.ShotAsync("patient");

        // The patient's report prints cleanly: navigation and forms are hidden in print, the content stays.
        await patient.GotoAsync($"/patients/{janeId}/report");
        await patient.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(patient.Locator("header.top")).ToBeHiddenAsync();
        await Assertions.Expect(patient.GetByRole(AriaRole.Button, new() { Name = "Print" })).ToBeHiddenAsync();
        await Assertions.Expect(patient.GetByTestId("report-balance")).ToHaveTextAsync("EUR 261.50");
        var pdf = await patient.PdfAsync();
        Assert.True(pdf.Length > 1000);
    }
}
