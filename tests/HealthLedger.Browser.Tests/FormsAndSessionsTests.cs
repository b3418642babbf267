using System.Text.RegularExpressions;
using HealthLedger.Node.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Errors, sessions and forms as a person meets them (issue 16 items 5, 6 and 9): error pages in the layout with a way back,
/// a form posted after the session ended comes back filled after the login, fields linked to their messages and the focus
/// on the first error, busy submit buttons, account corrections with a banner and the corrected line kept in view, a
/// confirmation step before access is revoked, and forgotten-password guidance.
/// </summary>
public class FormsAndSessionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_mistyped_address_shows_the_error_page_in_the_layout_with_a_way_back()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();

        var response = await admin.GotoAsync("/patiens");
        Assert.Equal(404, response!.Status);
        await Assertions.Expect(admin.Locator("h1")).ToHaveTextAsync("Page not found");
        await Assertions.Expect(admin.GetByTestId("error-page")).ToContainTextAsync("There is no page at this address");
        await Assertions.Expect(admin.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync(); // the app's menu
        await Assertions.Expect(admin.GetByTestId("user")).ToHaveTextAsync("admin");
        await Assertions.Expect(admin.Locator("body")).Not.ToContainTextAsync("\"status\"");
        await admin.GetByTestId("error-home").ClickAsync();
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/$"));

        // A refused form (its anti-forgery token spoiled): the page says nothing was changed and leads back to the form.
        await admin.GotoAsync("/patients/register");
        await admin.Locator("main form", new() { Has = admin.GetByRole(AriaRole.Button, new() { Name = "Register patient" }) }).EvaluateAsync("f => f.querySelector('[name=__RequestVerificationToken]').value = 'spoiled'");
        await admin.GetByLabel("MRN (hospital number) *").FillAsync("MRN-404");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register patient" }).ClickAsync();
        await Assertions.Expect(admin.Locator("h1")).ToHaveTextAsync("Form refused");
        await Assertions.Expect(admin.GetByTestId("error-page")).ToContainTextAsync("Nothing was changed");
        await admin.GetByTestId("error-back").ClickAsync();
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/patients/register$"));
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Register patient" })).ToBeEnabledAsync();

        // Signed out, the same page offers the login.
        var stranger = await node.NewPageAsync();
        Assert.Equal(404, (await stranger.GotoAsync("/no-such-page"))!.Status);
        await Assertions.Expect(stranger.GetByRole(AriaRole.Link, new() { Name = "Log in" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_form_posted_after_the_session_ended_comes_back_filled_after_the_login()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var (patientId, _) = await admin.RegisterPatientAsync("MRN-7001", "Nora Quinn");

        await admin.GotoAsync($"/patients/{patientId}/account");
        await admin.GetByLabel("Service *").FillAsync("Chest X-ray");
        await admin.GetByLabel("Quantity *").FillAsync("2");
        await admin.GetByLabel("Unit price *").FillAsync("45.50");
        node.App.Services.GetRequiredService<SessionStore>().CloseAllOf("admin"); // the session ends (idle timeout) while the form is open
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add charge" }).ClickAsync();

        await Assertions.Expect(admin.GetByTestId("session-ended")).ToHaveTextAsync("You have been logged out (session ended). Log in again to continue.");
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/login\\?ReturnUrl=%2Fpatients%2F" + patientId + "%2Faccount&ended=true$"));
        // A wrong password first: the input is still kept.
        await admin.GetByLabel("User name").FillAsync("admin");
        await admin.GetByLabel("Password", new() { Exact = true }).FillAsync("not-the-password");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("login-error")).ToBeVisibleAsync();
        await admin.GetByLabel("User name").FillAsync("admin");
        await admin.GetByLabel("Password", new() { Exact = true }).FillAsync(BrowserNode.AdminPassword);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();

        await Assertions.Expect(admin).ToHaveURLAsync(new Regex($"/patients/{patientId}/account$"));
        await Assertions.Expect(admin.GetByTestId("input-kept")).ToHaveTextAsync("Your input was kept — check it and submit again.");
        await Assertions.Expect(admin.GetByLabel("Service *")).ToHaveValueAsync("Chest X-ray");
        await Assertions.Expect(admin.GetByLabel("Quantity *")).ToHaveValueAsync("2");
        await Assertions.Expect(admin.GetByLabel("Unit price *")).ToHaveValueAsync("45.50");
        Assert.Null(await admin.EvaluateAsync<string?>("() => sessionStorage.getItem('healthledger.keptForm')"));
        // Sent again with the fresh page's anti-forgery token: recorded.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add charge" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("account")).ToContainTextAsync("Chest X-ray");
        await Assertions.Expect(admin.GetByTestId("balance")).ToHaveTextAsync("EUR 91.00");
        await Assertions.Expect(admin.GetByTestId("input-kept")).ToHaveCountAsync(0);

        // A page opened after the session ended: the same message, and back to that page.
        node.App.Services.GetRequiredService<SessionStore>().CloseAllOf("admin");
        await admin.GotoAsync("/entries");
        await Assertions.Expect(admin.GetByTestId("session-ended")).ToBeVisibleAsync();
        await admin.GetByLabel("User name").FillAsync("admin");
        await admin.GetByLabel("Password", new() { Exact = true }).FillAsync(BrowserNode.AdminPassword);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/entries$"));

        // Logging out says so.
        await admin.LogoutAsync();
        await Assertions.Expect(admin.GetByTestId("logged-out")).ToContainTextAsync("You have been logged out.");
        await Assertions.Expect(admin.GetByTestId("session-ended")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Invalid_fields_are_linked_to_their_messages_take_the_focus_and_a_busy_form_cannot_be_posted_twice()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);

        await admin.GotoAsync("/patients/register");
        await admin.GetByLabel("Full name *").FillAsync("Ida Novak");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Register patient" }).ClickAsync();
        var mrn = admin.GetByLabel("MRN (hospital number) *");
        await Assertions.Expect(mrn).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(mrn).ToHaveAttributeAsync("aria-describedby", "Input_Mrn-error");
        await Assertions.Expect(admin.Locator("#Input_Mrn-error")).ToHaveTextAsync("MRN is required.");
        await Assertions.Expect(mrn).ToHaveAccessibleDescriptionAsync("MRN is required.");
        await Assertions.Expect(mrn).ToBeFocusedAsync(); // the first invalid field
        await Assertions.Expect(admin.GetByLabel("Full name *")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(admin.GetByLabel("Full name *")).ToHaveValueAsync("Ida Novak");

        // Busy: the answer is held back until the page has been checked; a second submission is not sent.
        var posts = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await admin.RouteAsync("**/patients/register", async route =>
        {
            if (route.Request.Method == "POST")
            {
                Interlocked.Increment(ref posts);
                await release.Task;
            }
            await route.ContinueAsync();
        });
        await mrn.FillAsync("MRN-8001");
        await admin.GetByLabel("Date of birth *").FillAsync("1980-02-03");
        await admin.GetByLabel("Gender *").SelectOptionAsync("female");
        // Clicked by script, and the form looked at in the page: Playwright's own click and locators wait for the held-back
        // navigation. The look comes after the form's own work (timers run in order); then a second submission is tried.
        var seen = await admin.GetByRole(AriaRole.Button, new() { Name = "Register patient" }).EvaluateAsync<string[]>("""
            b => new Promise(done => {
              b.click();
              setTimeout(() => {
                const f = b.form, state = [f.getAttribute('aria-busy'), String(b.disabled), b.textContent];
                f.requestSubmit(); // a second click (or Enter) while saving
                done(state);
              }, 0);
            })
            """);
        Assert.Equal(["true", "true", "Saving…"], seen);
        release.SetResult();
        await Assertions.Expect(admin.GetByTestId("new-user")).ToBeVisibleAsync();
        Assert.Equal(1, posts);
    }

    [Fact]
    public async Task Correcting_an_account_line_shows_a_banner_with_cancel_and_keeps_the_corrected_line_struck_through()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var (patientId, _) = await admin.RegisterPatientAsync("MRN-9001", "Omar Reyes");
        await admin.GotoAsync($"/patients/{patientId}/account");
        await admin.GetByLabel("Service *").FillAsync("Ward round");
        await admin.GetByLabel("Unit price *").FillAsync("100");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add charge" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("balance")).ToHaveTextAsync("EUR 100.00");

        await admin.GetByRole(AriaRole.Link, new() { Name = "Correct" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("correcting")).ToContainTextAsync("Correcting the charge of");
        await Assertions.Expect(admin.GetByTestId("correcting")).ToContainTextAsync("Ward round");
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Correct a charge" })).ToBeVisibleAsync();
        await admin.GetByTestId("cancel-correction").ClickAsync();
        await Assertions.Expect(admin.GetByTestId("correcting")).ToHaveCountAsync(0);
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Add a charge" })).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByLabel("Service *")).ToHaveValueAsync("");

        await admin.GetByRole(AriaRole.Link, new() { Name = "Correct" }).ClickAsync();
        await Assertions.Expect(admin.GetByLabel("Service *")).ToHaveValueAsync("Ward round");
        await admin.GetByLabel("Unit price *").FillAsync("90");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Save correction" }).ClickAsync();

        await Assertions.Expect(admin.GetByTestId("balance")).ToHaveTextAsync("EUR 90.00");
        var account = admin.GetByTestId("account");
        await Assertions.Expect(account.Locator("tbody tr")).ToHaveCountAsync(2);
        var superseded = account.Locator("tr.superseded");
        await Assertions.Expect(superseded).ToHaveCountAsync(1);
        await Assertions.Expect(superseded).ToContainTextAsync("Ward round × 1 at EUR 100.00");
        await Assertions.Expect(superseded.GetByTestId("superseded-note")).ToContainTextAsync("Superseded — not counted; corrected by");
        await Assertions.Expect(superseded.Locator("td").Nth(0)).ToHaveCSSAsync("text-decoration-line", "line-through");
        var correction = account.Locator("tbody tr:not(.superseded)");
        await Assertions.Expect(correction).ToContainTextAsync("Ward round × 1 at EUR 90.00");
        await Assertions.Expect(correction).ToContainTextAsync("(correction of");
        var correctionId = await correction.GetAttributeAsync("data-entry");
        await Assertions.Expect(superseded.GetByTestId("superseded-note").Locator("a")).ToHaveAttributeAsync("href", "#entry-" + correctionId);
        await Assertions.Expect(superseded.GetByRole(AriaRole.Link, new() { Name = "Correct" })).ToHaveCountAsync(0); // only the current version

        // The superseded rows on /entries are readable: at least 4.5:1 against their background (WCAG AA).
        await admin.GotoAsync("/entries");
        var row = admin.GetByTestId("entries").Locator("tr.superseded td").First;
        await Assertions.Expect(row).ToBeVisibleAsync();
        var ratio = await row.EvaluateAsync<double>(ContrastScript);
        Assert.True(ratio >= 4.5, $"contrast {ratio:0.00}:1");
    }

    /// <summary>The contrast ratio (WCAG 2) of an element's text colour against the first opaque background behind it.</summary>
    private const string ContrastScript = """
        el => {
          const rgb = c => c.match(/[\d.]+/g).map(Number);
          const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
          let bg = null;
          for (let n = el; n && !bg; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length < 4 || c[3] > 0) bg = c; }
          const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg || [255, 255, 255]);
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }
        """;

    [Fact]
    public async Task Revoking_access_asks_for_confirmation_without_javascript_and_the_login_page_says_who_resets_passwords()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.RegisterDoctorAsync("dr-kerr", "Ada Kerr", "Cardiology");
        var (patientId, otp) = await admin.RegisterPatientAsync("MRN-9101", "Lena Park");

        // The patient's browser runs no JavaScript: the confirmation is a page step, not a script dialog.
        var context = await node.NewContextAsync(new() { BaseURL = node.Url, Locale = "en-GB", TimezoneId = "UTC", JavaScriptEnabled = false });
        var patient = await context.NewPageAsync();
        await patient.GotoAsync("/login");
        await patient.GetByTestId("forgot-password").Locator("summary").ClickAsync();
        await Assertions.Expect(patient.GetByTestId("forgot-password")).ToContainTextAsync("Patients: ask the hospital's admissions desk");
        await Assertions.Expect(patient.GetByTestId("forgot-password")).ToContainTextAsync("Doctors and other staff: ask an administrator of your organisation");
        await Assertions.Expect(patient.GetByTestId("forgot-password")).ToContainTextAsync("\"Reset password\" on the patient's or doctor's page");
        await patient.FirstLoginAsync(patientId, otp, "lena-secret-password");

        await patient.GotoAsync($"/patients/{patientId}/access");
        await patient.GetByLabel("With").SelectOptionAsync("doctor:dr-kerr");
        await patient.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("grants")).ToContainTextAsync("active");

        await patient.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        var confirm = patient.GetByTestId("confirm-revoke");
        await Assertions.Expect(confirm.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Revoke access for Ada Kerr?");
        await Assertions.Expect(confirm).ToContainTextAsync("cannot be un-read");
        await Assertions.Expect(patient.GetByTestId("grants")).ToContainTextAsync("active"); // nothing changed yet
        await confirm.GetByRole(AriaRole.Link, new() { Name = "No, keep sharing" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("confirm-revoke")).ToHaveCountAsync(0);
        await Assertions.Expect(patient.GetByTestId("grants")).ToContainTextAsync("active");

        await patient.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await patient.GetByTestId("confirm-revoke").GetByRole(AriaRole.Button, new() { Name = "Yes, revoke access" }).ClickAsync();
        await Assertions.Expect(patient.GetByTestId("grants")).ToContainTextAsync("revoked");
        await Assertions.Expect(patient.GetByRole(AriaRole.Button, new() { Name = "Revoke" })).ToHaveCountAsync(0);
        await context.CloseAsync();
    }
}
