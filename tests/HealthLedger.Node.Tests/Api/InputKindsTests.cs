using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HealthLedger.Node.Emergencies;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// Kinds of bad input across the API (break-it 14): null list items, malformed break-glass bodies, the wrong JSON shape,
/// attacker text in ids, MRN lookups, format values and the break-glass rate limit — each a 4xx naming the field, never a
/// 500, and nothing written but the refused attempts break-glass records.
/// </summary>
public class InputKindsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static string[] Fields(JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray() : [];

    private static async Task<ulong> Height(NodeFixture node) => (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64();

    [Fact]
    public async Task Null_list_items_are_400_naming_each_item_in_every_module_and_write_nothing()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = (await (await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-K1", fullName = "Pat K", dateOfBirth = "1970-01-01", gender = "male" }, Ct)).Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        var height = await Height(node);
        var ends = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        var cases = new (string Path, string Body, string[] Fields)[]
        {
            ("/api/v1/emergencies", $$"""{"title":"Quake","scope":[null],"rescuers":["fixture-hospital"],"endsAt":"{{ends}}"}""", ["scope[0]"]),
            ("/api/v1/emergencies", $$"""{"title":"Quake","scope":["fixture-hospital"],"rescuers":[null],"endsAt":"{{ends}}"}""", ["rescuers[0]"]),
            ("/api/v1/emergencies", $$"""{"title":"Quake","scope":["fixture-hospital"],"rescuers":["x-org"],"newRescuers":[null],"categories":["demographics",null],"endsAt":"{{ends}}"}""", ["categories[1]", "newRescuers[0]"]),
            ("/api/v1/consortium/proposals", """{"action":"change-policy","policy":{"rules":[null]}}""", ["policy.rules[0]"]),
            ($"/api/v1/patients/{patient.Id}/grants", """{"granteeId":"dr-x","categories":[null]}""", ["categories[0]"]),
            ("/api/v1/lab/orders", $$"""{"patientId":"{{patient.Id}}","tests":["HB",null],"priority":"routine","clinicalNote":"x"}""", ["tests[1]"]),
        };
        foreach (var (path, body, fields) in cases)
        {
            using var content = Json(body);
            var problem = await Problem(await admin.PostAsync(path, content, Ct), HttpStatusCode.BadRequest);
            Assert.Equal(fields, Fields(problem));
            Assert.Equal(NullElements.Message, problem.GetProperty("errors").GetProperty(fields[0])[0].GetString());
        }
        Assert.Equal(height, await Height(node));
    }

    [Fact]
    public async Task Malformed_break_glass_bodies_are_400_and_recorded_as_refused_attempts_until_the_rate_limit()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = (await (await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "GH-7001", fullName = "Pat G", dateOfBirth = "1970-01-01", gender = "female" }, Ct)).Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        var doctor = (await (await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-k", name = "K K", specialty = "ER", department = "ER", licenceNumber = "L1" }, Ct)).Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        var medic = await node.FirstLoginAsync("dr-k", doctor.OneTimePassword!);
        var url = $"/api/v1/patients/{patient.Id}/break-glass";

        var cases = new (HttpContent Body, string Field, string? Message)[]
        {
            (Json("""{"reason":3,"justification":"unconscious at the door"}"""), "reason", "Not text."),
            (Json("""{"reason":"unconscious","justification":"unconscious at the door","categories":"demographics"}"""), "categories", "Not a list."),
            (Json("""{"emergencyId":123,"reason":"unconscious","justification":"unconscious at the door"}"""), "emergencyId", null),
            (Json("""{"reason":"unconscious","justification":"unconscious at the door","categories":[null]}"""), "categories[0]", NullElements.Message),
            (Json("not json"), "body", null),
            (Json("[1,2]"), "body", "The body must be a JSON object."),
            (new StringContent("reason=other", Encoding.UTF8, "text/plain"), "body", null),
            (Json("""{"reason":"unconscious","justification":"{{new string('a', 1001)}}"}""".Replace("{{new string('a', 1001)}}", new string('a', 1001), StringComparison.Ordinal)), "justification", "A justification of 10 to 1000 bytes is required."),
        };
        foreach (var (body, field, message) in cases)
        {
            using (body)
            {
                var problem = await Problem(await medic.PostAsync(url, body, Ct), HttpStatusCode.BadRequest);
                Assert.Equal([field], Fields(problem));
                if (message is not null) Assert.Equal(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
            }
        }
        await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        var trail = (await admin.GetFromJsonAsync<List<JsonElement>>($"/api/v1/patients/{patient.Id}/disclosures", Ct))!;
        var refused = trail.Where(d => d.GetProperty("actorId").GetString() == "dr-k" && d.GetProperty("outcome").GetString() == "denied").ToList();
        Assert.Equal(cases.Length, refused.Count);
        Assert.Contains(refused, d => d.GetProperty("purpose").GetString() == "break-glass refused: body");
        Assert.Empty((await admin.GetFromJsonAsync<List<JsonElement>>(url, Ct))!);

        // Every attempt counts, granted or refused: past 20 an hour the user is told so (429, Retry-After) and nothing is recorded.
        for (var i = cases.Length; i < BreakGlassLimits.PermitsPerWindow; i++)
        {
            using var body = Json("""{"reason":"nope","justification":"unconscious at the door"}""");
            using var response = await medic.PostAsync(url, body, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        using (var body = Json("""{"reason":"unconscious","justification":"unconscious at the door"}"""))
        {
            using var limited = await medic.PostAsync(url, body, Ct);
            var text = await limited.Content.ReadAsStringAsync(Ct);
            Assert.True(limited.StatusCode == HttpStatusCode.TooManyRequests, text);
            Assert.NotNull(limited.Headers.RetryAfter);
            Assert.Contains("Too many break-glass attempts", text, StringComparison.Ordinal);
            Assert.DoesNotContain("login", text, StringComparison.OrdinalIgnoreCase);
        }
        await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
        var after = (await admin.GetFromJsonAsync<List<JsonElement>>($"/api/v1/patients/{patient.Id}/disclosures", Ct))!;
        Assert.Equal(BreakGlassLimits.PermitsPerWindow, after.Count(d => d.GetProperty("actorId").GetString() == "dr-k"));
        // The emergency summary has its own, larger budget (its refused reads are recorded too): dr-k may still ask, refused (403).
        using (var summary = await medic.GetAsync($"/api/v1/patients/{patient.Id}/emergency-summary", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, summary.StatusCode);
        }
        // Another user is not limited by dr-k's attempts.
        using (var body = Json("""{"reason":"unconscious","justification":"unconscious at the door"}"""))
        {
            using var other = await admin.PostAsync(url, body, Ct);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, other.StatusCode);
        }
    }

    [Fact]
    public async Task Ids_that_are_not_ids_are_never_echoed_and_lookups_and_formats_are_checked()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = (await (await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "GH-7001", fullName = "Pat E", dateOfBirth = "1970-01-01", gender = "female" }, Ct)).Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        var doctor = (await (await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-e", name = "E E", specialty = "ER", department = "ER", licenceNumber = "L2" }, Ct)).Content.ReadFromJsonAsync<WriteResponse>(Ct))!;
        var medic = await node.FirstLoginAsync("dr-e", doctor.OneTimePassword!);
        var height = await Height(node);

        foreach (var path in new[] { "/api/v1/patients/%E2%80%AE..%2F", "/api/v1/doctors/%E2%80%AEevil", "/api/v1/consortium/proposals/%E2%80%AEp", "/api/v1/emergencies/%E2%80%AEe" })
        {
            var problem = await Problem(await admin.GetAsync(path, Ct), HttpStatusCode.NotFound);
            Assert.DoesNotContain("\u202E", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using (var body = Json("""{"reason":"unconscious","justification":"unconscious at the door"}"""))
        {
            var problem = await Problem(await medic.PostAsync("/api/v1/patients/%E2%80%AE..%2F/break-glass", body, Ct), HttpStatusCode.NotFound);
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.DoesNotContain("\u202E", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("%2F", detail, StringComparison.Ordinal);
        }

        // MRN lookup: control characters are a 400, an unknown organisation a 404 naming it; letter case does not matter.
        var bad = await Problem(await medic.GetAsync("/api/v1/emergencies/patients?mrn=GH%00-7001&organisationId=fixture-hospital", Ct), HttpStatusCode.BadRequest);
        Assert.Equal(["mrn"], Fields(bad));
        var unknown = await Problem(await medic.GetAsync("/api/v1/emergencies/patients?mrn=GH-7001&organisationId=nope", Ct), HttpStatusCode.NotFound);
        Assert.Contains("'nope'", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var found = await medic.GetFromJsonAsync<JsonElement>("/api/v1/emergencies/patients?mrn=gh-7001&organisationId=fixture-hospital", Ct);
        Assert.Equal(patient.Id, found.GetProperty("patientId").GetString());

        // format: json or csv only.
        foreach (var path in new[] { "/api/v1/emergencies/none-such/accesses?format=xml", "/api/v1/audit?format=xml", "/api/v1/statistics/conditions?format=pdf" })
        {
            Assert.Equal(["format"], Fields(await Problem(await admin.GetAsync(path, Ct), HttpStatusCode.BadRequest)));
        }

        // An emergency ending in the past (no start given) is already past, not "before the start".
        using (var body = Json($$"""{"title":"Quake","scope":["fixture-hospital"],"rescuers":["fixture-hospital"],"endsAt":"{{DateTimeOffset.UtcNow.AddHours(-1):O}}"}"""))
        {
            var problem = await Problem(await admin.PostAsync("/api/v1/emergencies", body, Ct), HttpStatusCode.BadRequest);
            Assert.Equal("The end is already past.", problem.GetProperty("errors").GetProperty("endsAt")[0].GetString());
        }
        using (var body = Json("[1,2]"))
        {
            var problem = await Problem(await admin.PostAsync("/api/v1/patients", body, Ct), HttpStatusCode.BadRequest);
            Assert.Equal("The body must be a JSON object.", problem.GetProperty("errors").GetProperty("body")[0].GetString());
        }
        Assert.Equal(height, await Height(node));
    }
}
