using System.Net;

namespace HealthLedger.Node.Tests.Audit;

/// <summary>
/// The audit trail page (<c>/audit</c>) refuses a filter it cannot apply with status 400 and says which field is wrong;
/// it used to drop a bad date or outcome silently and show the whole trail as if filtered.
/// </summary>
public class AuditPageFilterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bad_date_an_unknown_outcome_or_from_after_to_is_a_400_naming_the_field_and_no_rows()
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);

        foreach (var (query, says) in new[]
        {
            ("from=zzz", "From: not a date"),
            ("to=2026-13-40", "To: not a date"),
            ("outcome=maybe", "Outcome: one of allowed, denied."),
            ("from=2026-12-01&to=2026-01-01", "To: the last day is before the first day."),
        })
        {
            using var page = await browser.GetAsync($"/audit?{query}", Ct);
            var html = await page.Content.ReadAsStringAsync(Ct);
            Assert.True(page.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)page.StatusCode}");
            Assert.Contains("data-testid=\"audit-error\"", html, StringComparison.Ordinal);
            Assert.Contains(says, html, StringComparison.Ordinal);
            using var csv = await browser.GetAsync($"/audit?handler=csv&{query}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, csv.StatusCode);
        }

        using var good = await browser.GetAsync("/audit?from=2026-01-01&to=2026-12-31&outcome=allowed", Ct);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.DoesNotContain("data-testid=\"audit-error\"", await good.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
