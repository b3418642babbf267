using HealthLedger.Testing;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// Issue 16 item 7: the printable patient record on paper. In print media the navigation, footer and buttons are hidden,
/// the page is black on white, and the letterhead, each section (demographics, encounters, medical reports, account) and the
/// "printed by" block stay, each section on a page of its own; an empty account and an empty report list print as sentences.
/// Chromium's own PDF of the page is drawn to PNG pages and its text read back.
/// </summary>
public class PrintoutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_printable_record_prints_without_navigation_a_page_per_section_and_sentences_for_empty_sections()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var (id, _) = await admin.RegisterPatientAsync("MRN-PRINT", "Petra Print");

        await admin.GotoAsync($"/patients/{id}/report");
        await Assertions.Expect(admin.Locator("h1")).ToHaveTextAsync("Patient record: Petra Print");
        await Assertions.Expect(admin.Locator("header.top nav")).ToBeVisibleAsync(); // on screen, the navigation is there

        await admin.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(admin.Locator("header.top")).ToBeHiddenAsync();
        await Assertions.Expect(admin.Locator("footer.bottom")).ToBeHiddenAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Print" })).ToBeHiddenAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Link, new() { Name = "Back to the patient" })).ToBeHiddenAsync();
        await Assertions.Expect(admin.GetByTestId("letterhead")).ToContainTextAsync("Browser Test Hospital · HealthLedger");
        foreach (var section in new[] { "demographics", "encounters", "reports", "account" })
        {
            await Assertions.Expect(admin.GetByTestId("section-" + section)).ToBeVisibleAsync();
        }
        await Assertions.Expect(admin.GetByTestId("account-empty")).ToHaveTextAsync("No charges or payments recorded");
        await Assertions.Expect(admin.GetByTestId("reports-empty")).ToHaveTextAsync("No medical reports recorded");
        await Assertions.Expect(admin.GetByTestId("print-signature")).ToContainTextAsync("Printed by admin, admin on");
        // Black on white, and every section after the first starts a new page.
        await Assertions.Expect(admin.Locator("body")).ToHaveCSSAsync("background-color", "rgb(255, 255, 255)");
        await Assertions.Expect(admin.Locator("main")).ToHaveCSSAsync("color", "rgb(0, 0, 0)");
        await Assertions.Expect(admin.GetByTestId("section-demographics")).ToHaveCSSAsync("break-before", "auto");
        await Assertions.Expect(admin.GetByTestId("section-account")).ToHaveCSSAsync("break-before", "page");

        var pdf = await admin.PdfAsync(new() { Format = "A4" });
        var pages = await PdfTools.RenderPagesAsync(pdf, Ct);
        Assert.Equal(4, pages.Count); // demographics, encounters, reports, account: a page each
        Assert.All(pages, png => Assert.True(PdfTools.PngSize(png).Width > 0));
        var text = await PdfTools.TextAsync(pdf, Ct);
        Assert.Contains("Patient record: Petra Print", text);
        Assert.Contains("Medical reports", text);
        Assert.Contains("No charges or payments recorded", text);
        Assert.DoesNotContain("Log out", text);
        Assert.DoesNotContain("Back to the patient", text);
    }
}
