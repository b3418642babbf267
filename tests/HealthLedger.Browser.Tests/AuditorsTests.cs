using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Auditor accounts in a real browser: an admin opens Auditors from the nav and registers one (the one-time password shown
/// once); the auditor signs in, must choose a password, and then sees Audit and Consortium in the nav and no patient pages.
/// </summary>
public class AuditorsTests
{
    [Fact]
    public async Task An_admin_registers_an_auditor_who_must_choose_a_password_and_then_reaches_audit_but_no_patients()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Auditors" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("auditors")).ToContainTextAsync("No auditors yet.");

        await admin.GetByLabel("Auditor id (user name) *").FillAsync("Bad Id");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register auditor" }).ClickAsync();
        await Assertions.Expect(admin.Locator("[data-valmsg-for='Input.AuditorId']")).ToContainTextAsync("3 to 64 characters");

        await admin.GetByLabel("Auditor id (user name) *").FillAsync("audit-ann");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register auditor" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("new-user")).ToHaveTextAsync("audit-ann");
        var otp = await admin.GetByTestId("otp").InnerTextAsync();
        await Assertions.Expect(admin.GetByTestId("auditors")).ToContainTextAsync("audit-ann");

        var auditor = await node.NewPageAsync();
        await auditor.LoginAsync("audit-ann", otp);
        await Assertions.Expect(auditor).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/password$"));
        await auditor.GetByLabel("Current (or one-time) password").FillAsync(otp);
        await auditor.GetByLabel("New password", new() { Exact = true }).FillAsync("auditor-own-secret-1");
        await auditor.GetByLabel("Repeat the new password").FillAsync("auditor-own-secret-1");
        await auditor.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        var nav = auditor.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Consortium" })).ToBeVisibleAsync();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Patients" })).ToHaveCountAsync(0);

        await nav.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true }).ClickAsync();
        await Assertions.Expect(auditor).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/audit$"));
        var refused = await auditor.GotoAsync("/patients");
        Assert.Equal(403, refused!.Status);
        refused = await auditor.GotoAsync("/auditors");
        Assert.Equal(403, refused!.Status);
    }
}
