using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>Steps a person takes in the UI.</summary>
internal static class Pages
{
    public static async Task LoginAsync(this IPage page, string user, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
    }

    /// <summary>Saves a full-page screenshot when HEALTHLEDGER_SCREENSHOTS names a folder (used to refresh the docs' pictures).</summary>
    public static async Task ShotAsync(this IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("HEALTHLEDGER_SCREENSHOTS") is { Length: > 0 } folder)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        }
    }

    /// <summary>Logs in with a one-time password and replaces it with <paramref name="newPassword"/> (the forced first change).</summary>
    public static async Task FirstLoginAsync(this IPage page, string user, string oneTimePassword, string newPassword)
    {
        await page.LoginAsync(user, oneTimePassword);
        await page.GetByLabel("Current (or one-time) password").FillAsync(oneTimePassword);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync(newPassword);
        await page.GetByLabel("Repeat the new password").FillAsync(newPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Repeat the new password")).ToHaveCountAsync(0);
    }

    public static async Task LogoutAsync(this IPage page) => await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();

    /// <summary>Registers a doctor as a signed-in admin; returns the one-time password.</summary>
    public static async Task<string> RegisterDoctorAsync(this IPage page, string id, string name, string specialty, bool onCall = false)
    {
        await page.GotoAsync("/doctors/register");
        await page.GetByLabel("Doctor id (user name) *").FillAsync(id);
        await page.GetByLabel("Name *").FillAsync(name);
        await page.GetByLabel("Specialty *").FillAsync(specialty);
        await page.GetByLabel("Department *").FillAsync("Internal Medicine");
        await page.GetByLabel("Licence number *").FillAsync("LIC-" + id);
        if (onCall) await page.GetByLabel("On call now").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Register doctor" }).ClickAsync();
        return await page.GetByTestId("otp").InnerTextAsync();
    }

    /// <summary>Registers a patient as a signed-in admin; returns (patient id, one-time password).</summary>
    public static async Task<(string Id, string Password)> RegisterPatientAsync(this IPage page, string mrn, string name, string condition = "Asthma")
    {
        await page.GotoAsync("/patients/register");
        await page.GetByLabel("MRN (hospital number) *").FillAsync(mrn);
        await page.GetByLabel("Full name *").FillAsync(name);
        await page.GetByLabel("Date of birth *").FillAsync("1975-06-15");
        await page.GetByLabel("Gender *").SelectOptionAsync("female");
        await page.GetByLabel("Phone").FillAsync("+44 20 7946 0000");
        await page.GetByLabel("Diseases / conditions (one per line)").FillAsync(condition);
        await page.GetByRole(AriaRole.Button, new() { Name = "Register patient" }).ClickAsync();
        return (await page.GetByTestId("new-user").InnerTextAsync(), await page.GetByTestId("otp").InnerTextAsync());
    }
}
