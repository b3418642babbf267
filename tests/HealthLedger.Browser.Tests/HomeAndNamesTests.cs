using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Issue 16 items 2 and 3 in a real browser: people shown by name instead of id, the "verified record" badge that opens to
/// the ledger proof, each role's home page after seeded actions, and the header's notification count.
/// </summary>
public partial class HomeAndNamesTests
{
    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex TxId();

    [Fact]
    public async Task Lists_show_names_the_badge_opens_to_the_proof_and_the_admin_doctor_and_patient_homes_count_what_happened()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var adamsOtp = await admin.RegisterDoctorAsync("dr-qa-adams", "Alice Adams", "General Medicine");
        var bakerOtp = await admin.RegisterDoctorAsync("dr-qa-baker", "Ben Baker", "Cardiology");
        var (patientId, patientOtp) = await admin.RegisterPatientAsync("MRN-1601", "Nora Names");
        await admin.GotoAsync("/wards");
        await admin.GetByTestId("wards-text").FillAsync("W1: 1, 2, 3");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save ward list" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Ward list saved");

        // The admin admits the patient under Dr Adams today and charges 120.50.
        await admin.GotoAsync($"/patients/{patientId}/entries/new");
        await admin.GetByLabel("Type *").SelectOptionAsync("admission");
        await admin.GetByLabel("Attending doctor").SelectOptionAsync("dr-qa-adams");
        await admin.GetByLabel("Ward").FillAsync("W1");
        await admin.GetByLabel("Bed").FillAsync("2");
        await admin.GetByLabel("Reason").FillAsync("Observation");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Entry saved.");
        await admin.GotoAsync($"/patients/{patientId}/account");
        await admin.GetByLabel("Service *").FillAsync("Bed day");
        await admin.GetByLabel("Quantity *").FillAsync("1");
        await admin.GetByLabel("Unit price *").FillAsync("120.50");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add charge" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("recorded.");

        // The entries list names the doctor, not their id; its badge opens to the block, transaction and signer.
        await admin.GotoAsync("/entries?type=admission");
        var row = admin.GetByTestId("entries").Locator("tbody tr").First;
        await Assertions.Expect(row).ToContainTextAsync("Alice Adams");
        await Assertions.Expect(row).ToContainTextAsync("Nora Names");
        await Assertions.Expect(row).Not.ToContainTextAsync("dr-qa-adams");
        var badge = row.GetByTestId("proof");
        await Assertions.Expect(badge.GetByTestId("proof-tx")).Not.ToBeVisibleAsync();
        await badge.GetByText("✓ Verified record").ClickAsync();
        await Assertions.Expect(badge.GetByTestId("proof-block")).ToBeVisibleAsync();
        await Assertions.Expect(badge.GetByTestId("proof-block")).ToHaveTextAsync(new Regex("^[1-9][0-9]*$"));
        await Assertions.Expect(badge.GetByTestId("proof-tx")).ToHaveTextAsync(TxId());
        await Assertions.Expect(badge.GetByTestId("proof-signer")).ToHaveTextAsync("Admin admin");

        // The admin's home: one admission today, no discharge, W1 with 2 of 3 beds free, 120.50 outstanding, by name.
        await admin.GotoAsync("/");
        await Assertions.Expect(admin.GetByTestId("stat-admissions")).ToHaveTextAsync("1");
        await Assertions.Expect(admin.GetByTestId("stat-discharges")).ToHaveTextAsync("0");
        await Assertions.Expect(admin.GetByTestId("stat-occupied")).ToHaveTextAsync("1");
        await Assertions.Expect(admin.GetByTestId("free-beds")).ToContainTextAsync("W1: 2 free of 3");
        await Assertions.Expect(admin.GetByTestId("stat-outstanding")).ToHaveTextAsync("EUR 120.50");
        await Assertions.Expect(admin.GetByTestId("top-balances")).ToContainTextAsync("Nora Names: EUR 120.50");
        await admin.ShotAsync("home-admin");

        // Dr Adams reads the record (a disclosure); Dr Baker asks the patient for access.
        var adams = await ReportsAndConsentTests.FirstLoginAsync(node, "dr-qa-adams", adamsOtp, "adams-secret-pw");
        await adams.GotoAsync($"/patients/{patientId}");
        await Assertions.Expect(adams.GetByTestId("patient-name")).ToHaveTextAsync("Nora Names");
        var baker = await ReportsAndConsentTests.FirstLoginAsync(node, "dr-qa-baker", bakerOtp, "baker-secret-pw");
        await baker.GotoAsync("/access-requests");
        await baker.GetByLabel("Patient id").FillAsync(patientId);
        await baker.GetByLabel("For how many days").FillAsync("7");
        await baker.Locator("input[name='Categories'][value='demographics']").CheckAsync();
        await baker.GetByLabel("Reason (the patient reads it; it is sealed for the two of you)").FillAsync("Cardiology opinion.");
        await baker.GetByRole(AriaRole.Button, new() { Name = "Send request" }).ClickAsync();
        await Assertions.Expect(baker.GetByTestId("my-access-requests")).ToContainTextAsync("pending");

        // The doctor's home: one patient (by name), no result yet.
        await adams.GotoAsync("/");
        await Assertions.Expect(adams.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Welcome, Alice Adams");
        await Assertions.Expect(adams.GetByTestId("my-patient-count")).ToHaveTextAsync("1");
        await Assertions.Expect(adams.GetByTestId("my-patients")).ToContainTextAsync("Nora Names");
        await Assertions.Expect(adams.GetByTestId("results-ready")).ToHaveTextAsync("0");

        // The patient: a notification for the pending request; the home lists it, and Dr Adams among recent readers, by name.
        var patient = await ReportsAndConsentTests.FirstLoginAsync(node, patientId, patientOtp, "nora-secret-pw");
        await patient.GotoAsync("/");
        await Assertions.Expect(patient.GetByTestId("notification-count")).ToHaveTextAsync("1");
        await Assertions.Expect(patient.GetByTestId("pending-requests")).ToContainTextAsync("Ben Baker (Cardiology) asks for access");
        await Assertions.Expect(patient.GetByTestId("recent-readers")).ToContainTextAsync("Alice Adams");
        await Assertions.Expect(patient.GetByTestId("recent-readers")).Not.ToContainTextAsync("dr-qa-adams");
        await Assertions.Expect(patient.GetByTestId("current-admission")).ToContainTextAsync("ward W1, bed 2");
        await Assertions.Expect(patient.GetByTestId("balance-due")).ToHaveTextAsync("EUR 120.50");
        await patient.ShotAsync("home-patient");
        await patient.GetByTestId("notifications").ClickAsync();
        await Assertions.Expect(patient.GetByTestId("notification-list")).ToContainTextAsync("Ben Baker asks for access to your record");

        // Approving the request ends the notice; Dr Baker is then told it was approved (news until he opens the page).
        await patient.GotoAsync($"/patients/{patientId}/access");
        await patient.GetByTestId("access-requests").GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("access-requests").GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        await Assertions.Expect(patient.GetByTestId("access-requests")).ToContainTextAsync("approved");
        await Assertions.Expect(patient.GetByTestId("notification-count")).ToHaveCountAsync(0);
        await baker.GotoAsync("/");
        await Assertions.Expect(baker.GetByTestId("notification-count")).ToHaveTextAsync("1");
        await Assertions.Expect(baker.GetByTestId("doctor-requests")).ToContainTextAsync("Nora Names: approved");
        await baker.GetByTestId("notifications").ClickAsync();
        await Assertions.Expect(baker.GetByTestId("notification-list")).ToContainTextAsync("Your access request to Nora Names was approved");
        await Assertions.Expect(baker.GetByTestId("notification-count")).ToHaveCountAsync(0);
    }
}
