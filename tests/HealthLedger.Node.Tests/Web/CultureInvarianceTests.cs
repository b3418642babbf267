using System.Globalization;
using System.Net.Http.Json;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Expenses;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Web;

/// <summary>
/// Machine-facing text does not change with the culture: with the server's current culture and the hospital's both de-DE
/// (where 1234.5 is written "1.234,5"), API JSON amounts, CSV cells and form values stay invariant, while the pages show
/// amounts in the German format with the hospital's currency (so the German format is really in force).
/// </summary>
public class CultureInvarianceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Api_amounts_csv_and_form_values_stay_invariant_under_german_cultures_while_pages_show_the_german_format()
    {
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        var german = CultureInfo.GetCultureInfo("de-DE");
        CultureInfo.CurrentCulture = german; // flows into the node started below, as a server's LANG=de_DE.UTF-8 would set it
        CultureInfo.CurrentUICulture = german;
        try
        {
            Assert.Equal("1234,5", 1234.5m.ToString(CultureInfo.CurrentCulture)); // the culture the output must not follow
            Assert.Equal("department,amount,date\r\nRadiology,1234.50,2026-01-05\r\n", Csv.Write(["department", "amount", "date"], [["Radiology", 1234.5m, new DateOnly(2026, 1, 5)]]));

            await using var node = await NodeFixture.StartAsync(configure: o => o with { Hospital = new HospitalSettings(Currency: "CHF", Culture: "de-DE") });
            var admin = await node.LoginAsync("admin", NodeFixture.Password);
            var today = node.App.Services.GetRequiredService<HospitalTime>().Today;
            var month = BudgetInput.FormatMonth(node.App.Services.GetRequiredService<ExpenseService>().ThisMonth);
            using var recorded = await admin.PostAsJsonAsync("/api/v1/expenses", new
            {
                date = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                category = "supplies",
                department = "Radiology",
                amount = 234.5m,
                paymentMethod = "bank-transfer",
                vendor = "Röntgen AG",
                description = "Film",
            }, Ct);
            recorded.EnsureSuccessStatusCode();
            var json = await recorded.Content.ReadAsStringAsync(Ct);
            Assert.Contains("\"amount\":234.5", json, StringComparison.Ordinal);
            Assert.Contains("\"date\":\"" + today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "\"", json, StringComparison.Ordinal);

            var csv = await admin.GetStringAsync($"/api/v1/statistics/income-expenditure?month={month}&format=csv", Ct);
            Assert.Contains("\r\nRadiology,0.00,234.50,0.00,,,-234.50,", csv, StringComparison.Ordinal);

            var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
            var page = await browser.GetStringAsync("/expenses", Ct);
            Assert.Contains("234,50 CHF", page, StringComparison.Ordinal); // the page's display is German ...
            Assert.Contains("1.000,00 CHF", page, StringComparison.Ordinal);
            Assert.Matches(@"name=""Policy\.Threshold""[^>]*value=""1000(\.0+)?""", page); // ... its form values are not
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
        }
    }
}
