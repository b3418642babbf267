using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Web;

/// <summary>
/// Query values the lists do not understand are never dropped silently: every list page that reads its query names the
/// parameter's value and what it shows instead (status 200, as /expenses does for ?month=), a page past the last shows the
/// last with a note, downloads answer 400 problem details naming the parameter, and every list endpoint answers 400
/// validation problems with the parameter in <c>errors</c>. Good values still work.
/// </summary>
public class QueryValuesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Api, HttpClient Web, HttpClient DoctorWeb, HttpClient PharmacistWeb, string PatientId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Api.Dispose();
            Web.Dispose();
            DoctorWeb.Dispose();
            PharmacistWeb.Dispose();
            await Node.DisposeAsync();
        }
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var api = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Created(await api.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-one", name = "Alice Smith", specialty = "Cardiology", department = "Cardiology", licenceNumber = "L-1", phone = "+44 20 1234 5678", onCall = true }, Ct));
        var patient = await Created(await api.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-1", fullName = "Jane Roe", dateOfBirth = "1980-02-29", gender = "female", phone = "+1 555 0100", email = "x@example.org", conditions = new[] { "Asthma" } }, Ct));
        var patientId = patient.GetProperty("id").GetString()!;
        using (var admission = await api.PostAsJsonAsync($"/api/v1/patients/{patientId}/entries",
            new { type = "admission", occurredAt = "2026-01-05T10:00", doctorId = "dr-one", ward = "W1", bed = "3", reason = "Chest pain" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, admission.StatusCode);
        }
        var pharmacist = await Created(await api.PostAsJsonAsync("/api/v1/staff", new { userId = "ph-one", role = "pharmacist" }, Ct));
        (await node.FirstLoginAsync("dr-one", doctor.GetProperty("oneTimePassword").GetString()!)).Dispose();
        (await node.FirstLoginAsync("ph-one", pharmacist.GetProperty("oneTimePassword").GetString()!)).Dispose();
        return new World(node, api, await node.CookieLoginAsync("admin", NodeFixture.Password),
            await node.CookieLoginAsync("dr-one", NodeFixture.ChosenPassword), await node.CookieLoginAsync("ph-one", NodeFixture.ChosenPassword), patientId);
    }

    private static async Task<JsonElement> Created(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, body);
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    [Fact]
    public async Task Pages_name_a_query_value_they_do_not_understand_and_what_they_show_instead()
    {
        await using var w = await SetUpAsync();
        var p = w.PatientId;
        foreach (var (web, path, says) in new (HttpClient, string, string)[]
        {
            (w.Web, "/patients?page=-1", "\"-1\" is not a page (page: a whole number from 1): page 1 is shown."),
            (w.Web, "/patients?page=abc", "\"abc\" is not a page (page: a whole number from 1): page 1 is shown."),
            (w.Web, "/patients?sort=zzz", "\"zzz\" is not a sort order (sort: name, age, mrn or registered): the list is sorted by name."),
            (w.Web, "/patients?desc=zzz", "\"zzz\" is not true or false (desc): ascending order is shown."),
            (w.Web, "/entries?from=zzz", "\"zzz\" is not a date (from: yyyy-MM-dd): entries are shown without a first day."),
            (w.Web, "/entries?to=2026-13-40", "\"2026-13-40\" is not a date (to: yyyy-MM-dd): entries are shown without a last day."),
            (w.Web, "/entries?type=zzz", "\"zzz\" is not an entry type (type: admission, visit, transfer, discharge, charge or payment): entries of every type are shown."),
            (w.Web, "/entries?page=0", "\"0\" is not a page (page: a whole number from 1): page 1 is shown."),
            (w.Web, "/entries?from=2026-12-01&to=2026-01-01", "Please correct the filters."),
            (w.Web, "/doctors?page=-5", "\"-5\" is not a page (page: a whole number from 1): page 1 is shown."),
            (w.Web, "/doctors?onCall=zzz", "\"zzz\" is not true or false (onCall): doctors on call or not are shown."),
            (w.Web, "/accounts?page=-1", "\"-1\" is not a page (page: a whole number from 1): page 1 is shown."),
            (w.Web, "/accounts?sort=zzz", "\"zzz\" is not a sort order (sort: balance, charges, payments or name): the list is sorted by balance."),
            (w.Web, "/accounts?desc=zzz", "\"zzz\" is not true or false (desc): descending order is shown."),
            (w.Web, "/accounts?outstanding=zzz", "\"zzz\" is not true or false (outstanding): every account is shown."),
            (w.Web, "/lab?status=zzz", "\"zzz\" is not a status (status: ordered, collected, received, resulted or validated): all statuses are shown."),
            (w.Web, "/directory?organisation=nowhere", "\"nowhere\" is not a member organisation (organisation: an organisation id): every organisation's doctors are shown."),
            (w.Web, $"/patients/{p}/entries/new?type=zzz", "\"zzz\" is not an entry type (type: admission, visit, transfer or discharge): a new admission is shown."),
            (w.Web, $"/patients/{p}/entries/new?corrects=zzz", "\"zzz\" is not an entry of this patient (corrects: an entry id): a new entry is shown."),
            (w.Web, $"/patients/{p}/account?corrects=zzz", "\"zzz\" is not a line of this account (corrects: a charge or payment id): new charge and payment forms are shown."),
            (w.DoctorWeb, $"/patients/{p}/lab-orders/new?laboratory=zzz", "\"zzz\" is not a laboratory this patient's data may go to (laboratory: an organisation id):"),
            (w.PharmacistWeb, "/pharmacy?all=zzz", "\"zzz\" is not true or false (all): only open prescriptions are shown."),
            (w.Web, "/expenses?month=garbage", "\"garbage\" is not a month"),
            (w.Web, "/statistics?month=2026-13", "\"2026-13\" is not a month"),
            (w.Web, "/statistics?period=fortnight", "The period is day, week or month: month is shown."),
        })
        {
            using var page = await web.GetAsync(path, Ct);
            var html = await page.Content.ReadAsStringAsync(Ct);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{path}: {(int)page.StatusCode}");
            Assert.True(html.Contains("class=\"alert error\" role=\"alert\"", StringComparison.Ordinal), $"{path} shows no message");
            Assert.True(WebUtility.HtmlDecode(html).Contains(says, StringComparison.Ordinal), $"{path} does not say: {says}");
        }

        // Good values: no message, and the value is applied (page 1 of the sorted list; the lab filter's button is current).
        foreach (var (web, path) in new (HttpClient, string)[]
        {
            (w.Web, "/patients?page=1&sort=age&desc=true"), (w.Web, "/entries?from=2026-01-01&to=2026-12-31&type=admission&page=1"),
            (w.Web, "/doctors?page=1&onCall=true"), (w.Web, "/accounts?page=1&sort=name&desc=false&outstanding=true"), (w.Web, "/lab?status=validated"),
            (w.Web, "/directory"), (w.Web, $"/patients/{p}/entries/new?type=discharge"), (w.Web, $"/patients/{p}/account"),
            (w.DoctorWeb, $"/patients/{p}/lab-orders/new"), (w.PharmacistWeb, "/pharmacy?all=true"),
        })
        {
            using var page = await web.GetAsync(path, Ct);
            var html = await page.Content.ReadAsStringAsync(Ct);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{path}: {(int)page.StatusCode}");
            Assert.False(html.Contains("class=\"alert error\" role=\"alert\"", StringComparison.Ordinal), $"{path} shows a message: {html}");
            Assert.DoesNotContain("data-testid=\"query-note\"", html, StringComparison.Ordinal);
        }
        using (var sorted = await w.Web.GetAsync("/entries?type=admission", Ct))
        {
            var html = await sorted.Content.ReadAsStringAsync(Ct);
            Assert.Contains("<option value=\"admission\" selected=\"selected\">", html, StringComparison.Ordinal);
        }
        using (var entries = await w.Web.GetAsync("/entries?type=discharge", Ct))
        {
            Assert.DoesNotContain("Chest pain", await entries.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // A page past the last is not an error: the last page is shown, with a note.
        foreach (var path in new[] { "/patients?page=9", "/entries?page=9", "/doctors?page=9", "/accounts?page=9" })
        {
            using var page = await w.Web.GetAsync(path, Ct);
            var html = await page.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.DoesNotContain("data-testid=\"form-error\"", html, StringComparison.Ordinal);
            Assert.True(html.Contains("There is no page 9: the last page, 1 of 1, is shown.", StringComparison.Ordinal), path);
        }
        using (var patients = await w.Web.GetAsync("/patients?page=9", Ct))
        {
            Assert.Contains("Jane Roe", await patients.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Downloads_with_a_filter_they_do_not_understand_answer_400_problem_details_naming_it()
    {
        await using var w = await SetUpAsync();
        foreach (var (path, field) in new[]
        {
            ("/statistics?handler=csv&report=zzz", "report"),
            ("/statistics?handler=csv&report=revenue&period=year", "period"),
            ("/statistics?handler=incomeExpenditureCsv&month=2026-13", "month"),
            ("/statistics?handler=chart&month=x", "month"),
            ("/audit?handler=csv&outcome=maybe", "outcome"),
            ("/audit?handler=csv&from=zzz", "from"),
        })
        {
            var problem = await Problem(await w.Web.GetAsync(path, Ct), path);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{path}: {problem}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        }
        foreach (var path in new[] { "/statistics?handler=csv&report=revenue&period=week", "/statistics?handler=csv&report=conditions", "/audit?handler=csv&outcome=allowed" })
        {
            using var download = await w.Web.GetAsync(path, Ct);
            Assert.True(download.StatusCode == HttpStatusCode.OK, $"{path}: {(int)download.StatusCode}");
            Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task List_endpoints_answer_a_query_value_they_do_not_understand_with_400_naming_the_parameter()
    {
        await using var w = await SetUpAsync();
        foreach (var (path, field) in new[]
        {
            ("/api/v1/patients?page=-1", "page"), ("/api/v1/patients?page=abc", "page"), ("/api/v1/patients?pageSize=0", "pageSize"),
            ("/api/v1/patients?pageSize=201", "pageSize"), ("/api/v1/patients?sort=zzz", "sort"), ("/api/v1/patients?desc=zzz", "desc"),
            ("/api/v1/accounts?page=-1", "page"), ("/api/v1/accounts?pageSize=500", "pageSize"), ("/api/v1/accounts?sort=zzz", "sort"),
            ("/api/v1/accounts?outstanding=zzz", "outstanding"),
            ("/api/v1/doctors?page=-5", "page"), ("/api/v1/doctors?pageSize=0", "pageSize"), ("/api/v1/doctors?organisation=nowhere", "organisation"),
            ("/api/v1/doctors?onCall=zzz", "onCall"),
            ("/api/v1/entries?page=0", "page"), ("/api/v1/entries?pageSize=1000", "pageSize"), ("/api/v1/entries?from=zzz", "from"), ("/api/v1/entries?type=zzz", "type"),
            ("/api/v1/entries?from=2026-12-01&to=2026-01-01", "to"),
            ("/api/v1/audit?outcome=maybe", "outcome"), ("/api/v1/audit?from=2026-12-01&to=2026-01-01", "to"), ("/api/v1/audit?from=zzz", "from"),
            ("/api/v1/lab/worklist?status=zzz", "status"), ("/api/v1/lab/turnaround?from=2026-12-01&to=2026-01-01", "to"), ("/api/v1/lab/turnaround?from=zzz", "from"),
            ("/api/v1/expenses?month=garbage", "month"), ("/api/v1/expenses?status=zzz", "status"), ("/api/v1/statistics/admissions?period=fortnight", "period"),
            ("/api/v1/statistics/conditions?format=xml", "format"),
        })
        {
            var problem = await Problem(await w.Api.GetAsync(path, Ct), path);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{path}: {problem}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()), path);
        }

        foreach (var path in new[]
        {
            "/api/v1/patients?page=1&pageSize=200&sort=registered&desc=true", "/api/v1/accounts?page=1&pageSize=1&sort=charges&outstanding=false",
            "/api/v1/doctors?page=1&pageSize=1&organisation=all&onCall=true", "/api/v1/entries?page=1&pageSize=1&from=2026-01-01&to=2026-12-31&type=admission",
            "/api/v1/audit?outcome=denied&from=2026-01-01&to=2026-12-31", "/api/v1/lab/worklist?status=ordered", "/api/v1/lab/turnaround?from=2026-01-01&to=2026-12-31",
        })
        {
            using var ok = await w.Api.GetAsync(path, Ct);
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"{path}: {(int)ok.StatusCode} {await ok.Content.ReadAsStringAsync(Ct)}");
        }

        // A page past the last is not an error: the last page, and the response says which.
        foreach (var path in new[] { "/api/v1/patients?page=9", "/api/v1/accounts?page=9", "/api/v1/doctors?page=9", "/api/v1/entries?page=9" })
        {
            var page = await w.Api.GetFromJsonAsync<JsonElement>(path, Ct);
            Assert.Equal(1, page.GetProperty("page").GetInt32());
            Assert.Equal(1, page.GetProperty("pageCount").GetInt32());
            Assert.Equal(1, page.GetProperty("items").GetArrayLength());
        }
        var own = await w.Api.GetFromJsonAsync<PageResponse<JsonElement>>("/api/v1/doctors?organisation=" + w.Node.Init.OrganisationId, Ct);
        Assert.Equal(1, own!.Total);
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, string path)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}
