using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Issue 15 part 4 in a real browser: an admin edits a doctor's directory entry and sees version 2 in its history; a second
/// admin tab still showing version 1 is refused with the field error naming the current version, and nothing is written;
/// the patient downloads their whole-record PDF from their own record page (their home) and the verify page recognises the file.
/// </summary>
public class RecordUpkeepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_admin_edits_a_doctor_a_stale_form_is_refused_and_the_patient_downloads_the_whole_record_pdf()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.RegisterDoctorAsync("dr-edit", "Edith Early", "Cardiology");

        // Two tabs open the doctor's page at version 1.
        var stale = await node.NewPageAsync();
        await stale.LoginAsync("admin", BrowserNode.AdminPassword);
        await stale.GotoAsync("/doctors/dr-edit");
        await admin.GotoAsync("/doctors/dr-edit");

        // The first saves an edit: version 2 heads the history, signed by the admin.
        await admin.GetByText("Edit the directory entry").ClickAsync();
        var form = admin.GetByTestId("edit-doctor");
        await form.GetByLabel("Name *").FillAsync("Edith Later");
        await form.GetByLabel("Department *").FillAsync("Heart Centre");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Edith Later", Level = 1 })).ToBeVisibleAsync();
        var versions = admin.GetByTestId("versions");
        await Assertions.Expect(versions.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(versions.Locator("tr[data-version='2']")).ToContainTextAsync("2 (current)");
        await Assertions.Expect(versions.Locator("tr[data-version='2']")).ToContainTextAsync("Edith Later");
        await Assertions.Expect(versions.Locator("tr[data-version='2']")).ToContainTextAsync("admin");
        await Assertions.Expect(versions.Locator("tr[data-version='1']")).ToContainTextAsync("Edith Early");
        await admin.ShotAsync("doctor-versions");

        // The second tab still holds version 1: refused with the field error, nothing written.
        await stale.GetByText("Edit the directory entry").ClickAsync();
        await stale.GetByTestId("edit-doctor").GetByLabel("Specialty *").FillAsync("Neurology");
        var refused = await stale.RunAndWaitForResponseAsync(() => stale.GetByTestId("edit-doctor").GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.Contains("/doctors/dr-edit", StringComparison.Ordinal));
        Assert.Equal(409, refused.Status);
        await Assertions.Expect(stale.GetByTestId("version-error")).ToContainTextAsync("the current version is 2");
        await Assertions.Expect(stale.GetByTestId("form-error")).ToContainTextAsync("nothing was saved");
        await stale.GotoAsync("/doctors/dr-edit");
        await Assertions.Expect(stale.GetByTestId("versions").Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(stale.Locator("main")).Not.ToContainTextAsync("Neurology");

        // The patient downloads their whole record from their own record page (their home); the verify page recognises the file.
        var (patientId, otp) = await admin.RegisterPatientAsync("GH-REC-1", "Rhea Record");
        var patient = await node.NewPageAsync();
        await patient.FirstLoginAsync(patientId, otp, "rhea-secret-password");
        await patient.GotoAsync("/"); // a patient's home is their dashboard; "My record" opens the record
        await patient.GetByRole(AriaRole.Link, new() { Name = "My record" }).First.ClickAsync();
        await Assertions.Expect(patient.GetByTestId("patient-name")).ToHaveTextAsync("Rhea Record");
        var download = await patient.RunAndWaitForDownloadAsync(() => patient.GetByRole(AriaRole.Link, new() { Name = "Whole record (PDF)" }).ClickAsync());
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!, Ct);
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);
        await patient.GotoAsync("/verify");
        await patient.Locator("#file").SetInputFilesAsync(new FilePayload { Name = "record.pdf", MimeType = "application/pdf", Buffer = pdf });
        await patient.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("file-result")).ToHaveAttributeAsync("data-status", "match");
        await Assertions.Expect(patient.GetByTestId("file-result")).ToContainTextAsync($"a printout of the whole record of patient {patientId}");
        // A changed byte matches nothing.
        pdf[pdf.Length / 2] ^= 1;
        await patient.Locator("#file").SetInputFilesAsync(new FilePayload { Name = "changed.pdf", MimeType = "application/pdf", Buffer = pdf });
        await patient.GetByRole(AriaRole.Button, new() { Name = "Check file" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("file-result")).ToHaveAttributeAsync("data-status", "no-match");
    }
}
