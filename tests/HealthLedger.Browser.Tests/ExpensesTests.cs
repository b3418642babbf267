using System.Globalization;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>
/// The expenses acceptance path in a real browser: an accountant records an expense with its invoice and one above the
/// approval threshold (refused first for a bad amount, with the message at the field) → the large one is awaiting approval
/// → a second admin approves it → the income-and-expenditure report, its chart and its CSV show it.
/// </summary>
public class ExpensesTests
{
    [Fact]
    public async Task An_accountants_large_expense_awaits_a_second_admin_and_then_shows_in_the_income_and_expenditure_report()
    {
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        var otps = new Dictionary<string, string>();
        foreach (var (id, role) in new[] { ("acc-kim", "accountant"), ("admin-two", "admin") })
        {
            await admin.GotoAsync("/staff");
            await admin.GetByLabel("User id *").FillAsync(id);
            await admin.GetByLabel("Role *").SelectOptionAsync(role);
            await admin.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
            otps[id] = await admin.GetByTestId("otp").InnerTextAsync();
        }

        var accountant = await node.NewPageAsync();
        await accountant.FirstLoginAsync("acc-kim", otps["acc-kim"], "accountant-secret-pw");
        await accountant.GotoAsync("/expenses");
        await Assertions.Expect(accountant.GetByTestId("threshold")).ToHaveTextAsync("EUR 1,000.00");
        var form = accountant.GetByTestId("expense-form");

        // A bad amount is refused at its field and nothing is recorded.
        await form.GetByLabel("Department *").FillAsync("Radiology");
        await form.GetByLabel("Amount *").FillAsync("12.345");
        await form.GetByLabel("Vendor *").FillAsync("Lumen Imaging Supplies");
        await form.GetByRole(AriaRole.Button, new() { Name = "Record the expense" }).ClickAsync();
        await Assertions.Expect(accountant.GetByTestId("form-error")).ToContainTextAsync("Please correct the fields");
        await Assertions.Expect(accountant.GetByTestId("expense-form")).ToContainTextAsync("The amount may have at most two decimals.");
        await Assertions.Expect(accountant.Locator("[data-expense]")).ToHaveCountAsync(0);

        // A small expense with its invoice is approved at once; a large one awaits approval.
        form = accountant.GetByTestId("expense-form");
        await form.GetByLabel("Amount *").FillAsync("250.00");
        await form.GetByLabel("Invoice (PDF, PNG or JPEG, at most 512 KiB)").SetInputFilesAsync(new FilePayload
        {
            Name = "INV-100.pdf",
            MimeType = "application/pdf",
            Buffer = System.Text.Encoding.ASCII.GetBytes("%PDF-1.4\n%%EOF\n"),
        });
        await form.GetByRole(AriaRole.Button, new() { Name = "Record the expense" }).ClickAsync();
        await Assertions.Expect(accountant.GetByRole(AriaRole.Status)).ToContainTextAsync("recorded and approved");
        form = accountant.GetByTestId("expense-form");
        await form.GetByLabel("Department *").FillAsync("Radiology");
        await form.GetByLabel("Category *").SelectOptionAsync("equipment");
        await form.GetByLabel("Amount *").FillAsync("4200");
        await form.GetByLabel("Vendor *").FillAsync("Siemens Service");
        await form.GetByRole(AriaRole.Button, new() { Name = "Record the expense" }).ClickAsync();
        await Assertions.Expect(accountant.GetByRole(AriaRole.Status)).ToContainTextAsync("awaiting approval by a second admin");
        await Assertions.Expect(accountant.Locator("[data-status='awaiting approval']")).ToContainTextAsync("Siemens Service");
        await Assertions.Expect(accountant.GetByTestId("pending-total")).ToHaveTextAsync("EUR 4,200.00");
        await Assertions.Expect(accountant.GetByRole(AriaRole.Link, new() { Name = "INV-100.pdf" })).ToBeVisibleAsync();
        await Assertions.Expect(accountant.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);

        // The second admin approves it.
        var second = await node.NewPageAsync();
        await second.FirstLoginAsync("admin-two", otps["admin-two"], "second-admin-secret-pw");
        await second.GotoAsync("/expenses");
        await second.Locator("[data-status='awaiting approval']").GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(second.GetByRole(AriaRole.Status)).ToContainTextAsync("approved.");
        await Assertions.Expect(second.GetByTestId("approved-total")).ToHaveTextAsync("EUR 4,450.00");
        await second.ShotAsync("expenses");

        // The accountant's income-and-expenditure report, its chart and its CSV.
        await accountant.GotoAsync("/statistics");
        var total = accountant.GetByTestId("report-income-expenditure").Locator("tr[data-department='Total']");
        await Assertions.Expect(total.Locator("[data-col='approvedExpenses']")).ToHaveTextAsync("EUR 4,450.00");
        await Assertions.Expect(total.Locator("[data-col='pendingExpenses']")).ToHaveTextAsync("EUR 0.00");
        var chartWidth = await accountant.GetByTestId("ie-chart").EvaluateAsync<int>("img => img.complete ? img.naturalWidth : new Promise(r => img.onload = () => r(img.naturalWidth))");
        Assert.True(chartWidth > 0, "the chart image did not load");
        await accountant.ShotAsync("income-expenditure");
        var csvUrl = await accountant.GetByTestId("ie-csv").GetAttributeAsync("href");
        var csv = await (await accountant.APIRequest.GetAsync(csvUrl!)).TextAsync();
        var month = DateTime.Now.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        Assert.Contains("Radiology,0.00,4450.00,0.00,,,-4450.00,", csv, StringComparison.Ordinal);
        Assert.Contains("Total,0.00,4450.00,0.00,,,-4450.00,0.00", csv, StringComparison.Ordinal);
        await Assertions.Expect(accountant.GetByRole(AriaRole.Heading, new() { Level = 2 }).First).ToContainTextAsync(month[..4]);
    }

    [Fact]
    public async Task An_admin_who_recorded_a_large_expense_is_offered_no_Approve_or_Reject_button_for_it()
    {
        // The recorder once saw Approve / Reject on their own expense, only to be refused (422) on pressing them.
        await using var node = await BrowserNode.StartAsync();
        var admin = await node.NewPageAsync();
        await admin.LoginAsync("admin", BrowserNode.AdminPassword);
        await admin.GotoAsync("/expenses");
        var form = admin.GetByTestId("expense-form");
        await form.GetByLabel("Department *").FillAsync("Radiology");
        await form.GetByLabel("Amount *").FillAsync("4200");
        await form.GetByLabel("Vendor *").FillAsync("Siemens Service");
        await form.GetByRole(AriaRole.Button, new() { Name = "Record the expense" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("awaiting approval by a second admin");
        var row = admin.Locator("[data-status='awaiting approval']");
        await Assertions.Expect(row.GetByTestId("awaits-other-admin")).ToHaveTextAsync("awaits another admin");
        await Assertions.Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
    }
}
