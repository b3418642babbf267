using System.Net;
using System.Text.RegularExpressions;
using HealthLedger.Node.Tests.Laboratory;
using HealthLedger.Node.Tests.Printouts;
using Microsoft.AspNetCore.WebUtilities;

namespace HealthLedger.Node.Tests.Web;

/// <summary>
/// The pages show dates in the hospital's culture and time zone (a hospital in Berlin writing German dates,
/// <see cref="PrintoutContentTests.InBerlin"/>), never as ISO strings: the patient's date of birth, the proof badge's time,
/// the access history (days and event times) and the audit trail; the header names a signed-in patient; and the audit
/// trail's CSV link carries its filters as encoded query values.
/// </summary>
public class HospitalDatesPageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string GermanDate = @"\d\d\.\d\d\.\d{4}";

    private const string GermanTime = @"\d\d:\d\d:\d\d";

    /// <summary>Text content that is an ISO date (not in an attribute or a query value).</summary>
    private static readonly Regex IsoDateInText = new(@">[^<]*\b\d{4}-\d\d-\d\d\b[^<]*<");

    [Fact]
    public async Task Dates_of_birth_proof_badges_access_history_and_audit_trail_are_in_the_hospitals_format_and_the_header_names_the_patient()
    {
        await using var w = await LabApiTests.SetUpAsync(PrintoutContentTests.InBerlin);
        (await w.Doctor.GetAsync($"/api/v1/patients/{w.PatientId}", Ct)).EnsureSuccessStatusCode(); // a read the patient sees in the history
        await w.HeightAsync();

        using var patient = await w.Node.CookieLoginAsync(w.PatientId, NodeFixture.ChosenPassword);
        var record = await patient.GetStringAsync($"/patients/{w.PatientId}", Ct);
        Assert.Contains("data-testid=\"user\">Pat Lab<", record); // the header names the patient, not pt-…
        Assert.Contains("05.05.1970", record);
        Assert.DoesNotContain("1970-05-05", record);
        Assert.Matches($@"data-testid=""proof-time"">{GermanDate} {GermanTime} Europe/Berlin<", record);
        Assert.DoesNotMatch(IsoDateInText, record);

        var history = await patient.GetStringAsync($"/patients/{w.PatientId}/access/history", Ct);
        Assert.Matches($@"class=""history-when"">{GermanDate}, {GermanTime}", history);
        Assert.Matches($@"<td>{GermanDate} {GermanTime}</td>", history); // each event's time
        Assert.Contains("Lara Lab", history);
        Assert.DoesNotMatch(IsoDateInText, history);

        var sharing = await patient.GetStringAsync($"/patients/{w.PatientId}/access", Ct);
        Assert.Matches($@"<strong>Lara Lab</strong>[^·]*· {GermanDate} ·", sharing);
        Assert.DoesNotMatch(IsoDateInText, sharing);

        using var admin = await w.Node.CookieLoginAsync("admin", NodeFixture.Password);
        var audit = await admin.GetStringAsync("/audit", Ct);
        Assert.Matches($@"<tr><td>{GermanDate} {GermanTime}</td>", audit);
        Assert.DoesNotMatch(IsoDateInText, audit);
        var printable = await admin.GetStringAsync($"/patients/{w.PatientId}/report", Ct);
        Assert.Contains("05.05.1970", printable);
        Assert.DoesNotContain("1970-05-05", printable);
    }

    [Fact]
    public async Task The_audit_csv_link_keeps_a_filter_with_an_ampersand_and_spaces_as_one_value()
    {
        await using var w = await LabApiTests.SetUpAsync();
        (await w.Doctor.GetAsync($"/api/v1/patients/{w.PatientId}", Ct)).EnsureSuccessStatusCode();
        await w.HeightAsync();
        using var admin = await w.Node.CookieLoginAsync("admin", NodeFixture.Password);
        const string actor = "dr lab & co";

        var page = await admin.GetStringAsync($"/audit?actorId={Uri.EscapeDataString(actor)}&outcome=allowed&from=2026-01-01", Ct);
        var link = Regex.Match(page, @"<a [^>]*data-testid=""audit-csv""[^>]*>").Value;
        var href = WebUtility.HtmlDecode(Regex.Match(link, @"href=""([^""]*)""").Groups[1].Value);
        Assert.StartsWith("/audit?", href);
        var query = QueryHelpers.ParseQuery(href[href.IndexOf('?', StringComparison.Ordinal)..]);
        Assert.Equal(actor, query["actorId"].ToString()); // one value: not cut at the "&", no stray key
        Assert.Equal(("csv", "allowed", "2026-01-01"), (query["handler"].ToString(), query["outcome"].ToString(), query["from"].ToString()));
        Assert.DoesNotContain(query.Keys, k => k.Trim() == "co");

        // The link answers the CSV of that filter: nobody is called "dr lab & co", so the header line only; unfiltered, rows.
        using var csv = await admin.GetAsync(href, Ct);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("at,actorId", Assert.Single(lines));
        var all = (await admin.GetStringAsync("/audit?handler=csv", Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(all.Length > 1, "the unfiltered trail has rows");
    }
}
