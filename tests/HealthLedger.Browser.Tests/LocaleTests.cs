using System.Globalization;
using System.Text.RegularExpressions;
using HealthLedger.Node.Configuration;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// The hospital's locale settings in a real browser: a node set to de-DE, CHF, Europe/Zurich and its own name shows the
/// German UI text (login, navigation, home page, the patients, accounts and entries lists), the hospital's name in the header, amounts with the currency in the
/// German number format and dates in the German short date format, while form values stay ISO and invariant.
/// </summary>
public partial class LocaleTests
{
    [Fact]
    public async Task A_german_hospital_shows_german_text_its_name_amounts_in_its_currency_and_dates_in_its_format()
    {
        await using var node = await BrowserNode.StartAsync(o => o with
        {
            TimeZone = "Europe/Zurich",
            Hospital = new HospitalSettings(Name: "Klinik Sonnenberg", Currency: "CHF", Culture: "de-DE"),
        });
        var admin = await node.NewPageAsync();

        // The login page in German.
        await admin.GotoAsync("/login");
        await Assertions.Expect(admin.Locator("html")).ToHaveAttributeAsync("lang", "de");
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Anmelden" })).ToBeVisibleAsync();
        await admin.GetByLabel("Benutzername").FillAsync("admin");
        await admin.GetByLabel("Passwort", new() { Exact = true }).FillAsync("wrong-password-here");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Anmelden" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("login-error")).ToHaveTextAsync("Benutzername oder Passwort ist nicht korrekt.");
        await admin.GetByLabel("Passwort", new() { Exact = true }).FillAsync(BrowserNode.AdminPassword);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Anmelden" }).ClickAsync();

        // Header, navigation, home page and footer in German, with the hospital's name and time zone.
        await Assertions.Expect(admin.GetByTestId("hospital-name")).ToHaveTextAsync("Klinik Sonnenberg");
        await Assertions.Expect(admin).ToHaveTitleAsync("Start · Klinik Sonnenberg");
        var nav = admin.GetByRole(AriaRole.Navigation, new() { Name = "Hauptmenü" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Patienten", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Einstellungen" })).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Abmelden" })).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Willkommen, admin" })).ToBeVisibleAsync();
        await Assertions.Expect(admin.Locator("main")).ToContainTextAsync("0,00 CHF");
        await Assertions.Expect(admin.Locator("footer")).ToContainTextAsync("Zeiten in Europe/Zurich");

        // The settings page names what is in force, with an amount and a time in the hospital's format.
        await nav.GetByRole(AriaRole.Link, new() { Name = "Einstellungen" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("setting-name")).ToHaveTextAsync("Klinik Sonnenberg");
        await Assertions.Expect(admin.GetByTestId("setting-currency")).ToContainTextAsync("1.234,50 CHF");
        await Assertions.Expect(admin.GetByTestId("setting-culture")).ToContainTextAsync(GermanDateTime());
        await Assertions.Expect(admin.GetByTestId("setting-time-zone")).ToHaveTextAsync("Europe/Zurich");

        // An expense: the amount typed the invariant way, shown in CHF in the German format, dated in the German format.
        await admin.GotoAsync("/expenses");
        await Assertions.Expect(admin.GetByTestId("threshold")).ToHaveTextAsync("1.000,00 CHF");
        await Assertions.Expect(admin.GetByLabel("Threshold *")).ToHaveValueAsync(InvariantThousand()); // a form value: invariant, not "1000,00"
        var form = admin.GetByTestId("expense-form");
        var today = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich"));
        await Assertions.Expect(form.GetByLabel("Date *")).ToHaveValueAsync(today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await form.GetByLabel("Department *").FillAsync("Radiologie");
        await form.GetByLabel("Amount *").FillAsync("234.50");
        await form.GetByLabel("Vendor *").FillAsync("Röntgen AG");
        await form.GetByRole(AriaRole.Button, new() { Name = "Record the expense" }).ClickAsync();
        var row = admin.Locator("[data-expense]").Filter(new() { HasText = "Röntgen AG" });
        await Assertions.Expect(row).ToContainTextAsync("234,50 CHF");
        await Assertions.Expect(row).ToContainTextAsync(today.ToString("dd.MM.yyyy", CultureInfo.InvariantCulture));
        await Assertions.Expect(admin.GetByTestId("approved-total")).ToHaveTextAsync("234,50 CHF");

        // The lists translated so far: patients, accounts and entries.
        await nav.GetByRole(AriaRole.Link, new() { Name = "Patienten", Exact = true }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Patienten" })).ToBeVisibleAsync();
        await Assertions.Expect(admin.GetByTestId("patients")).ToContainTextAsync("Keine passenden Patienten.");
        await nav.GetByRole(AriaRole.Link, new() { Name = "Konten" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Konten" })).ToBeVisibleAsync();
        await nav.GetByRole(AriaRole.Link, new() { Name = "Einträge" }).ClickAsync();
        await Assertions.Expect(admin.GetByTestId("entries")).ToContainTextAsync("Keine passenden Einträge.");
    }

    [GeneratedRegex(@"^1000(\.0+)?$")]
    private static partial Regex InvariantThousand();

    /// <summary>A time such as 30.11.2026 14:05 (the minutes may differ from now by the time the page was drawn).</summary>
    [GeneratedRegex(@"\b\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}\b")]
    private static partial Regex GermanDateTime();
}
