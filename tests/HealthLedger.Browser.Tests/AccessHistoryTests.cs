using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>The patient's access history with 500 events stays one readable page: grouped, paged, filtered, consent changes shown.</summary>
public class AccessHistoryTests
{
    private const string Password = "history-secret-pw";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<HttpClient> LoginAsync(BrowserNode node, string user, string password)
    {
        var http = new HttpClient { BaseAddress = new Uri(node.Url) };
        using var token = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, Ct);
        Assert.True(token.IsSuccessStatusCode, await token.Content.ReadAsStringAsync(Ct));
        var bearer = JsonDocument.Parse(await token.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }

    /// <summary>Signs in with the one-time password, replaces it with <see cref="Password"/>, and signs in again.</summary>
    private static async Task<HttpClient> FirstLoginAsync(BrowserNode node, string user, string oneTimePassword)
    {
        using (var first = await LoginAsync(node, user, oneTimePassword))
        {
            using var change = await first.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = oneTimePassword, newPassword = Password }, Ct);
            Assert.True(change.IsSuccessStatusCode, await change.Content.ReadAsStringAsync(Ct));
        }
        return await LoginAsync(node, user, Password);
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string url, object body)
    {
        using var response = await http.PostAsJsonAsync(url, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Five_hundred_events_are_one_page_of_lines_per_person_and_day_with_pages_filters_and_consent_changes()
    {
        await using var node = await BrowserNode.StartAsync();
        using var admin = await LoginAsync(node, "admin", BrowserNode.AdminPassword);
        var doctors = new[] { ("dr-ames", "Ada Ames", 250), ("dr-bell", "Ben Bell", 200), ("dr-cole", "Cal Cole", 46) };
        var otps = new Dictionary<string, string>();
        foreach (var (id, name, _) in doctors)
        {
            var created = await PostAsync(admin, "/api/v1/doctors", new { doctorId = id, name, specialty = "Medicine", department = "Ward 3", licenceNumber = "L-" + id });
            otps[id] = created.GetProperty("oneTimePassword").GetString()!;
        }
        var registered = await PostAsync(admin, "/api/v1/patients", new { mrn = "MRN-500", fullName = "Hana History", dateOfBirth = "1980-05-05", gender = "female" });
        var patientId = registered.GetProperty("id").GetString()!;
        using var patient = await FirstLoginAsync(node, patientId, registered.GetProperty("oneTimePassword").GetString()!);

        // The patient shares with each doctor (3 grants); the doctors read 496 times in all; Cal Cole's access is then revoked.
        var grants = new Dictionary<string, string>();
        foreach (var (id, _, _) in doctors)
        {
            var grant = await PostAsync(patient, $"/api/v1/patients/{patientId}/grants", new { granteeKind = "doctor", granteeId = id, categories = new[] { "all" } });
            grants[id] = grant.GetProperty("id").GetString()!;
        }
        await Task.WhenAll(doctors.Select(async d =>
        {
            using var doctor = await FirstLoginAsync(node, d.Item1, otps[d.Item1]);
            for (var i = 0; i < d.Item3; i++)
            {
                using var read = await doctor.GetAsync(i % 2 == 0 ? $"/api/v1/patients/{patientId}" : $"/api/v1/patients/{patientId}/reports", Ct);
                Assert.True(read.IsSuccessStatusCode, $"{d.Item1} read {i}: {(int)read.StatusCode}");
            }
        }));
        using (var revoke = await patient.DeleteAsync($"/api/v1/patients/{patientId}/grants/{grants["dr-cole"]}", Ct)) Assert.True(revoke.IsSuccessStatusCode);
        await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);

        var page = await node.NewPageAsync();
        await page.LoginAsync(patientId, Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();

        // The sharing page shows the latest lines and links the whole history.
        await page.GotoAsync($"/patients/{patientId}/access");
        await Assertions.Expect(page.GetByTestId("disclosures").Locator("li")).ToHaveCountAsync(3);
        await page.GetByTestId("history-link").ClickAsync();

        // 500 events, one line per person and day: three lines, one page, each person by name with the id secondary.
        await Assertions.Expect(page.GetByTestId("history-summary")).ToHaveTextAsync("Showing 1–3 of 3 person-days (500 events)");
        var lines = page.GetByTestId("history").Locator("li.history-group");
        await Assertions.Expect(lines).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByTestId("pager")).ToHaveCountAsync(0);
        var ames = lines.Filter(new() { HasText = "Ada Ames" });
        await Assertions.Expect(ames.Locator("summary")).ToContainTextAsync("(dr-ames)");
        await Assertions.Expect(ames.GetByTestId("group-count")).ToHaveTextAsync("251 events");
        await Assertions.Expect(ames.Locator("summary")).ToContainTextAsync("read ×250");
        await Assertions.Expect(ames.Locator("summary")).ToContainTextAsync("demographics");
        await Assertions.Expect(ames.Locator("summary")).ToContainTextAsync("reports");
        // The grant and the revocation are in the history, labelled as consent changes.
        var cole = lines.Filter(new() { HasText = "Cal Cole" });
        await Assertions.Expect(cole.Locator("summary")).ToContainTextAsync("access granted");
        await Assertions.Expect(cole.Locator("summary")).ToContainTextAsync("access revoked");
        await cole.Locator("summary").ClickAsync();
        await Assertions.Expect(cole.Locator("tr[data-kind='revocation']")).ToContainTextAsync("Consent change");
        await Assertions.Expect(cole.Locator("tr[data-kind='revocation']")).ToBeVisibleAsync();
        await Assertions.Expect(cole.Locator("tr[data-kind='grant']")).ToContainTextAsync("access granted");
        await page.ShotAsync("access-history");

        // On a phone (390 px) the lines and the filter wrap inside the screen; an event table scrolls in its own box.
        await page.SetViewportSizeAsync(390, 844);
        foreach (var part in new[] { page.GetByTestId("history"), page.GetByTestId("history-filter") })
        {
            var box = (await part.BoundingBoxAsync())!;
            Assert.True(box.X >= 0 && box.X + box.Width <= 390, $"{box.X} + {box.Width} > 390");
            Assert.True(await part.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth"));
        }
        await page.ShotAsync("access-history-phone");
        await page.SetViewportSizeAsync(1280, 900);

        // Expanding a large line shows its latest 50 events and links the rest, 50 a page.
        await ames.Locator("summary").ClickAsync();
        await Assertions.Expect(ames.Locator("tbody tr")).ToHaveCountAsync(50);
        await ames.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^All events of Ada Ames") }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("history-summary")).ToHaveTextAsync("Events 1–50 of 251");
        await Assertions.Expect(page.GetByTestId("pager")).ToContainTextAsync("Page 1 of 6");
        await page.GetByTestId("pager").GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("history-summary")).ToHaveTextAsync("Events 51–100 of 251");

        // Paging the lines: two a page, with page links and the total.
        await page.GotoAsync($"/patients/{patientId}/access/history?pageSize=2");
        await Assertions.Expect(page.GetByTestId("history-summary")).ToHaveTextAsync("Showing 1–2 of 3 person-days (500 events)");
        await Assertions.Expect(page.GetByTestId("pager")).ToContainTextAsync("Page 1 of 2");
        await page.GetByTestId("pager").GetByRole(AriaRole.Link, new() { Name = "2", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("history-summary")).ToHaveTextAsync("Showing 3–3 of 3 person-days (500 events)");
        Assert.Contains("page=2", page.Url, StringComparison.Ordinal);

        // Filtering by a doctor narrows it, and the filter is in the link.
        await page.GotoAsync($"/patients/{patientId}/access/history");
        await page.GetByLabel("Who (name or id)").FillAsync("bell");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("history-summary")).ToHaveTextAsync("Showing 1–1 of 1 person-day (201 events)");
        await Assertions.Expect(lines).ToHaveCountAsync(1);
        await Assertions.Expect(lines.First).ToContainTextAsync("Ben Bell");
        Assert.Contains("who=bell", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("Event").SelectOptionAsync("grant");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("history-summary")).ToHaveTextAsync("Showing 1–1 of 1 person-day (1 event)");

        // A bad filter value is said, next to its field, with status 400; nothing is silently ignored.
        var bad = await page.GotoAsync($"/patients/{patientId}/access/history?from=2026-99-01&kind=peek");
        Assert.Equal(400, bad!.Status);
        await Assertions.Expect(page.GetByTestId("history-error")).ToContainTextAsync("From: Not a date (yyyy-MM-dd).");
        await Assertions.Expect(page.Locator("#from-error")).ToHaveTextAsync("Not a date (yyyy-MM-dd).");
        await Assertions.Expect(page.Locator("#kind-error")).ToContainTextAsync("Not one of read, refused, grant");
        await Assertions.Expect(page.GetByTestId("history")).ToHaveCountAsync(0);
    }
}
