using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>Upload, verify, PDF, grant, revoke and the access history, in a real browser.</summary>
public class ReportsAndConsentTests
{
    private static readonly byte[] Pdf = [.. "%PDF-1.4\n"u8, .. Enumerable.Range(0, 20_000).Select(i => (byte)(i % 250)), .. "\n%%EOF"u8];

    /// <summary>Signs in with a one-time password and replaces it, as a new user must.</summary>
    internal static async Task<IPage> FirstLoginAsync(BrowserNode node, string user, string otp, string password)
    {
        var page = await node.NewPageAsync();
        await page.LoginAsync(user, otp);
        await page.GetByLabel("Current (or one-time) password").FillAsync(otp);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync(password);
        await page.GetByLabel("Repeat the new password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        return page;
    }

    [Fact]
    public async Task A_doctor_uploads_a_report_the_patient_shares_and_revokes_and_sees_who_read_it()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var otpA = await admin.RegisterDoctorAsync("dr-house", "Greg House", "Diagnostics");
        var otpB = await admin.RegisterDoctorAsync("dr-wilson", "James Wilson", "Oncology");
        var (patientId, patientOtp) = await admin.RegisterPatientAsync("MRN-9001", "Rachel Dunne", "Sarcoidosis");
        await admin.GotoAsync($"/patients/{patientId}/entries/new");
        await admin.GetByLabel("Type *").SelectOptionAsync("visit");
        await admin.GetByLabel("Attending doctor").SelectOptionAsync("dr-house");
        await admin.GetByLabel("Notes").FillAsync("Referred for work-up.");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save entry" }).ClickAsync();

        // The attending doctor uploads a lab report with a PDF; validation first.
        var house = await FirstLoginAsync(node, "dr-house", otpA, "house-secret-pw");
        await house.GotoAsync($"/patients/{patientId}/reports/new");
        await house.GetByRole(AriaRole.Button, new() { Name = "Sign and save report" }).ClickAsync();
        await Assertions.Expect(house.Locator("[data-valmsg-for='Input.Title']")).ToHaveTextAsync("Title is required.");
        await house.GetByLabel("Title *").FillAsync("Serum ACE");
        await house.GetByLabel("Lab results (one per line: test | value | unit | reference range | flag)").FillAsync("ACE | 92 | U/L | 8-52 | H");
        await house.Locator("#file").SetInputFilesAsync(new FilePayload { Name = "ace.pdf", MimeType = "application/pdf", Buffer = Pdf });
        await house.GetByRole(AriaRole.Button, new() { Name = "Sign and save report" }).ClickAsync();
        await Assertions.Expect(house.GetByTestId("authenticity")).ToContainTextAsync("Authentic and unchanged");
        await Assertions.Expect(house.GetByTestId("lab-results")).ToContainTextAsync("ACE");
        var reportUrl = house.Url;
        var code = await house.GetByTestId("code").InnerTextAsync();

        var download = await house.RunAndWaitForDownloadAsync(() => house.GetByTestId("pdf").ClickAsync());
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!, TestContext.Current.CancellationToken);
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5));
        var file = await house.RunAndWaitForDownloadAsync(() => house.GetByTestId("download").ClickAsync());
        Assert.Equal(Pdf, await File.ReadAllBytesAsync((await file.PathAsync())!, TestContext.Current.CancellationToken));

        // The downloaded printout checks as a file on /verify (its hash is on the chain); one changed byte does not.
        await house.GotoAsync("/verify");
        await house.Locator("#file").SetInputFilesAsync(new FilePayload { Name = "printout.pdf", MimeType = "application/pdf", Buffer = pdf });
        await house.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        await Assertions.Expect(house.GetByTestId("file-result")).ToHaveAttributeAsync("data-status", "match");
        await Assertions.Expect(house.GetByTestId("file-result")).ToContainTextAsync("is a printout of report");
        var changed = pdf.ToArray();
        changed[pdf.Length / 2] ^= 1;
        await house.Locator("#file").SetInputFilesAsync(new FilePayload { Name = "printout.pdf", MimeType = "application/pdf", Buffer = changed });
        await house.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        await Assertions.Expect(house.GetByTestId("file-result")).ToHaveAttributeAsync("data-status", "no-match");

        // Anyone with the printed code can check it, without signing in.
        var anonymous = await node.NewPageAsync();
        await anonymous.GotoAsync("/verify");
        await anonymous.GetByLabel("Verification code (printed on the report)").FillAsync(code);
        await anonymous.GetByRole(AriaRole.Button, new() { Name = "Check", Exact = true }).ClickAsync();
        await Assertions.Expect(anonymous.GetByTestId("verify-result")).ToContainTextAsync("Authentic");
        await Assertions.Expect(anonymous.Locator("body")).Not.ToContainTextAsync("Rachel");

        // Dr Wilson cannot read it until the patient shares.
        var wilson = await FirstLoginAsync(node, "dr-wilson", otpB, "wilson-secret-pw");
        Assert.Equal(403, (await wilson.GotoAsync(reportUrl))!.Status);
        // He may check the printout, but learns only that it matches a report.
        await wilson.GotoAsync("/verify");
        await wilson.Locator("#file").SetInputFilesAsync(new FilePayload { Name = "printout.pdf", MimeType = "application/pdf", Buffer = pdf });
        await wilson.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        await Assertions.Expect(wilson.GetByTestId("file-result")).ToContainTextAsync("matches a report on the ledger");
        await Assertions.Expect(wilson.GetByTestId("file-result")).Not.ToContainTextAsync(reportUrl.Split('/')[^1]);

        var patient = await FirstLoginAsync(node, patientId, patientOtp, "rachel-secret-pw");
        await patient.GotoAsync($"/patients/{patientId}/access");
        await patient.GetByLabel("With").SelectOptionAsync("doctor:dr-wilson");
        await patient.GetByLabel("Until (optional)").FillAsync(DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd"));
        await patient.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("grants")).ToContainTextAsync("James Wilson");
        await Assertions.Expect(patient.GetByTestId("grants")).ToContainTextAsync("active");

        Assert.Equal(200, (await wilson.GotoAsync(reportUrl))!.Status);
        await Assertions.Expect(wilson.Locator("h1")).ToHaveTextAsync("Serum ACE");

        await patient.GotoAsync($"/patients/{patientId}/access");
        await patient.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await patient.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke access" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("grants")).ToContainTextAsync("revoked");
        Assert.Equal(403, (await wilson.GotoAsync(reportUrl))!.Status);

        // The access history: Dr Wilson's line of the day holds his reads, his refused attempts, the grant and the revocation.
        await patient.GotoAsync($"/patients/{patientId}/access");
        await patient.GetByTestId("history-link").ClickAsync();
        await patient.GetByLabel("Who (name or id)").FillAsync("dr-wilson");
        await patient.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var wilsonLine = patient.GetByTestId("history").Locator("li.history-group");
        await Assertions.Expect(wilsonLine).ToHaveCountAsync(1);
        await Assertions.Expect(wilsonLine.Locator("summary")).ToContainTextAsync("James Wilson");
        await wilsonLine.Locator("summary").ClickAsync();
        await Assertions.Expect(wilsonLine.Locator("tr[data-kind='read']", new() { HasText = "consented access" })).Not.ToHaveCountAsync(0);
        await Assertions.Expect(wilsonLine.Locator("tr[data-kind='refused']")).Not.ToHaveCountAsync(0);
        await Assertions.Expect(wilsonLine.Locator("tr[data-kind='grant']")).ToHaveCountAsync(1);
        await Assertions.Expect(wilsonLine.Locator("tr[data-kind='revocation']")).ToHaveCountAsync(1);

        await admin.GotoAsync($"/audit?patientId={patientId}&outcome=denied");
        await Assertions.Expect(admin.GetByTestId("audit")).ToContainTextAsync("James Wilson");

        // The visit made Dr House a caring doctor for a bounded time: the patient sees it on the sharing page and ends it.
        await patient.GotoAsync($"/patients/{patientId}/access");
        await Assertions.Expect(patient.GetByTestId("care")).ToContainTextAsync("Greg House");
        await Assertions.Expect(patient.GetByTestId("care-policy")).ToContainTextAsync("your doctors keep access 7 days after discharge"); // the network policy set at init
        await Assertions.Expect(patient.GetByTestId("care-policy")).ToContainTextAsync("keeps access 30 days after the visit");
        await patient.GetByRole(AriaRole.Button, new() { Name = "End" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("confirm-end-care")).ToContainTextAsync("Greg House");
        await patient.GetByRole(AriaRole.Button, new() { Name = "Yes, end it" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("care")).ToContainTextAsync("ended by you");
        Assert.Equal(403, (await house.GotoAsync(reportUrl))!.Status);
    }
}
