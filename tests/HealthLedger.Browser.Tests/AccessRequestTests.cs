using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>Referrals in a real browser: a doctor asks a patient for access; the patient approves on the sharing page; the doctor reads.</summary>
public class AccessRequestTests
{
    [Fact]
    public async Task A_doctor_asks_for_access_and_the_patient_approves_it_on_the_sharing_page()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var otp = await admin.RegisterDoctorAsync("dr-cuddy", "Lisa Cuddy", "Endocrinology");
        var (patientId, patientOtp) = await admin.RegisterPatientAsync("MRN-7001", "Ruth Referral", "Thyroid nodule");

        // The doctor cannot open the record; she asks for access (a bad form first: field messages, nothing sent).
        var cuddy = await ReportsAndConsentTests.FirstLoginAsync(node, "dr-cuddy", otp, "cuddy-secret-pw");
        Assert.NotEqual(200, (await cuddy.GotoAsync($"/patients/{patientId}"))!.Status);
        await cuddy.GotoAsync("/access-requests");
        await cuddy.GetByLabel("Patient id").FillAsync(patientId);
        await cuddy.GetByLabel("For how many days").FillAsync("0");
        await cuddy.GetByRole(AriaRole.Button, new() { Name = "Send request" }).ClickAsync();
        await Assertions.Expect(cuddy.Locator("[data-valmsg-for='Input.Days']")).ToContainTextAsync("1 to 365 days");
        await Assertions.Expect(cuddy.Locator("[data-valmsg-for='Input.Reason']")).ToContainTextAsync("The reason is required");
        await Assertions.Expect(cuddy.Locator("[data-valmsg-for='Input.Categories']")).ToContainTextAsync("Choose what to share");
        await cuddy.GetByLabel("For how many days").FillAsync("5");
        await cuddy.Locator("input[name='Categories'][value='demographics']").CheckAsync();
        await cuddy.GetByLabel("Reason (the patient reads it; it is sealed for the two of you)").FillAsync("Endocrine review of the thyroid nodule.");
        await cuddy.GetByRole(AriaRole.Button, new() { Name = "Send request" }).ClickAsync();
        await Assertions.Expect(cuddy.GetByTestId("my-access-requests")).ToContainTextAsync("pending");

        // The patient sees who asks, for what, how long and why, and approves.
        var patient = await ReportsAndConsentTests.FirstLoginAsync(node, patientId, patientOtp, "ruth-secret-pw");
        await patient.GotoAsync($"/patients/{patientId}/access");
        var requests = patient.GetByTestId("access-requests");
        await Assertions.Expect(requests).ToContainTextAsync("Lisa Cuddy (Endocrinology");
        await Assertions.Expect(requests).ToContainTextAsync("Endocrine review of the thyroid nodule.");
        await Assertions.Expect(requests).ToContainTextAsync("5 days");
        await requests.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("access-requests")).ToContainTextAsync("approved");
        await Assertions.Expect(patient.GetByTestId("grants")).ToContainTextAsync("Lisa Cuddy");
        await Assertions.Expect(patient.GetByTestId("access-requests").GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);

        // The doctor now opens the record, and sees her request approved.
        Assert.Equal(200, (await cuddy.GotoAsync($"/patients/{patientId}"))!.Status);
        await Assertions.Expect(cuddy.Locator("body")).ToContainTextAsync("Ruth Referral");
        await cuddy.GotoAsync("/access-requests");
        await Assertions.Expect(cuddy.GetByTestId("my-access-requests")).ToContainTextAsync("approved");
    }
}
