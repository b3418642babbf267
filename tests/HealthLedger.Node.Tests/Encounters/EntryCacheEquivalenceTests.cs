using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Encounters;

/// <summary>
/// The bounded entries read model shows the same thing as the whole one: every page and API that shows entries (a
/// patient's record, lists and their paging, statistics, accounts, FHIR reads and <c>$everything</c>, a grantee's and the
/// patient's own reads) answers the same with a cache of one entry, patients read in turn, as with the default cache, after
/// corrections and a category-key rotation (grant then revoke); and each read is recorded once, as before.
/// </summary>
public partial class EntryCacheEquivalenceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<T> Read<T>(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {text}");
            return JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web)!;
        }
    }

    private sealed record Ids(List<string> Patients, string Grantee, string Corrected);

    // Three patients with every entry type, a correction, a grant then revocation (a new epoch and an entry in it) and an
    // active grant to a doctor.
    private static async Task<Ids> SeedAsync(NodeFixture node)
    {
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-g", name = "Gia Grantee", specialty = "Medicine", department = "Ward", licenceNumber = "LG1" }, Ct));
        using var grantee = await node.FirstLoginAsync("dr-g", doctor.OneTimePassword!);
        var patients = new List<string>();
        string corrected = "";
        for (var i = 0; i < 3; i++)
        {
            var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = $"MRN-E{i}", fullName = $"Eve Equal{i}", dateOfBirth = "1970-01-01", gender = "female" }, Ct));
            patients.Add(p.Id);
            using var patient = await node.FirstLoginAsync(p.Id, p.OneTimePassword!);
            async Task<EntryResponse> Entry(object entry) => await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/entries", entry, Ct));
            await Entry(new { type = "admission", occurredAt = $"2026-01-0{i + 1}T08:00", doctorId = "dr-g", ward = "W1", bed = $"B{i}", reason = $"Reason {i}" });
            var visit = await Entry(new { type = "visit", occurredAt = $"2026-01-0{i + 1}T09:00", doctorId = "dr-g", notes = $"Notes {i}", diagnosis = $"Diagnosis {i}" });
            await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/account/charges", new { occurredAt = $"2026-01-0{i + 1}T10:00", service = $"Service {i}", quantity = 2, unitPrice = 10.5m + i }, Ct));
            await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p.Id}/account/payments", new { occurredAt = $"2026-01-0{i + 1}T11:00", amount = 5m + i, method = new[] { "cash", "card", "insurance" }[i] }, Ct));
            if (i == 0)
            {
                var correction = await Entry(new { type = "visit", occurredAt = "2026-01-01T09:00", doctorId = "dr-g", notes = "Notes corrected", diagnosis = "Diagnosis corrected", correctsId = visit.Id });
                corrected = visit.Id;
                Assert.NotEqual(corrected, correction.Id);
            }
            if (i == 1)
            {
                // Grant then revoke: the category keys rotate; a later entry is sealed under the new epoch.
                var grant = await Read<WriteResponse>(await patient.PostAsJsonAsync($"/api/v1/patients/{p.Id}/grants", new { granteeKind = "doctor", granteeId = "dr-g", categories = new[] { "encounters", "account" } }, Ct));
                using (var revoked = await patient.DeleteAsync($"/api/v1/patients/{p.Id}/grants/{grant.Id}", Ct)) revoked.EnsureSuccessStatusCode();
                await Entry(new { type = "visit", occurredAt = "2026-01-02T12:00", doctorId = "dr-g", notes = "After the rotation", diagnosis = "" });
            }
            if (i == 2)
            {
                await Read<WriteResponse>(await patient.PostAsJsonAsync($"/api/v1/patients/{p.Id}/grants", new { granteeKind = "doctor", granteeId = "dr-g", categories = new[] { "encounters", "account" } }, Ct));
            }
            if (i < 2) await Entry(new { type = "discharge", occurredAt = $"2026-01-0{i + 1}T18:00", doctorId = "dr-g", summary = $"Summary {i}" });
        }
        return new Ids(patients, "dr-g", corrected);
    }

    // Each view that shows entries, by whom: (who, path).
    private static List<(string Who, string Path)> Views(Ids ids, IEnumerable<int> order)
    {
        var views = new List<(string, string)>();
        foreach (var i in order)
        {
            var p = ids.Patients[i];
            views.AddRange([
                ("admin", $"/api/v1/patients/{p}/entries"),
                ("admin", $"/api/v1/patients/{p}/account"),
                ("admin", $"/api/v1/patients/{p}/report"),
                ("admin", $"/fhir/R4/Encounter?patient={p}"),
                ("admin", $"/fhir/R4/Observation?patient={p}"),
                ("admin", $"/fhir/R4/Condition?patient={p}"),
                ("admin", $"/fhir/R4/Patient/{p}/$everything"),
                ("web", $"/patients/{p}"),
                ("web", $"/patients/{p}/account"),
                ("web", $"/patients/{p}/report"),
                ("patient" + i, $"/api/v1/patients/{p}/entries"),
                ("patient" + i, $"/api/v1/patients/{p}/account"),
            ]);
            if (i == 2) views.Add(("dr-g", $"/api/v1/patients/{p}/entries"));
        }
        views.AddRange([
            ("admin", $"/fhir/R4/Encounter/{ids.Corrected}"),
            ("admin", "/api/v1/entries?pageSize=3&page=1"),
            ("admin", "/api/v1/entries?pageSize=3&page=2"),
            ("admin", "/api/v1/entries?pageSize=3&page=4"),
            ("admin", "/api/v1/entries?type=visit"),
            ("admin", "/api/v1/accounts"),
            ("admin", "/api/v1/statistics/admissions?period=day"),
            ("admin", "/api/v1/statistics/occupancy"),
            ("admin", "/api/v1/statistics/revenue?period=day"),
            ("admin", "/api/v1/statistics/outstanding"),
            ("admin", "/api/v1/statistics/income-expenditure?month=2026-01"),
            ("web", "/entries"),
            ("web", "/accounts"),
        ]);
        return views;
    }

    // What does not depend on the read model: a bundle's id and time, the antiforgery token, the page's nonce, the node's address, a form's or a printout's time now.
    // A FHIR bundle's AuditEvents are the disclosures, which every run adds to.
    private static string Normalised(string body)
    {
        if (body.StartsWith("{\"resourceType\":\"Bundle\"", StringComparison.Ordinal) && System.Text.Json.Nodes.JsonNode.Parse(body) is System.Text.Json.Nodes.JsonObject bundle
            && bundle["entry"] is System.Text.Json.Nodes.JsonArray entries)
        {
            foreach (var audit in entries.Where(e => (string?)e?["resource"]?["resourceType"] == "AuditEvent").ToList()) entries.Remove(audit);
            bundle.Remove("total");
            body = bundle.ToJsonString();
        }
        return Volatile().Replace(body, "*");
    }

    [GeneratedRegex("(\"id\":\"[0-9a-f]{32}\"|\"lastUpdated\":\"[^\"]+\"|value=\"CfDJ8[^\"]+\"|nonce=\"[^\"]+\"|value=\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d\"|https?://[^/\"]+/| on \\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d |\"timestamp\":\"[^\"]+\")")]
    private static partial Regex Volatile();

    private static async Task<(Dictionary<string, string> Bodies, Dictionary<string, int> Reads)> CaptureAsync(NodeFixture node, Ids ids, List<(string Who, string Path)> views)
    {
        var clients = new Dictionary<string, HttpClient>(StringComparer.Ordinal)
        {
            ["admin"] = await node.LoginAsync("admin", NodeFixture.Password),
            ["web"] = await node.CookieLoginAsync("admin", NodeFixture.Password),
            ["dr-g"] = await node.LoginAsync("dr-g", NodeFixture.ChosenPassword),
        };
        for (var i = 0; i < ids.Patients.Count; i++) clients["patient" + i] = await node.LoginAsync(ids.Patients[i], NodeFixture.ChosenPassword);
        var recorder = node.App.Services.GetRequiredService<DisclosureRecorder>();
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        await recorder.FlushAsync(Ct);
        int Disclosures() => ids.Patients.Sum(p => ledger.ScanState($"disclosure/{p}/").Count);
        var bodies = new Dictionary<string, string>(StringComparer.Ordinal);
        var reads = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            foreach (var (who, path) in views)
            {
                var before = Disclosures();
                using var response = await clients[who].GetAsync(path, Ct);
                var text = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.IsSuccessStatusCode, $"{who} {path}: {(int)response.StatusCode} {text}");
                await recorder.FlushAsync(Ct);
                bodies[who + " " + path] = Normalised(text);
                reads[who + " " + path] = Disclosures() - before;
            }
        }
        finally
        {
            foreach (var c in clients.Values) c.Dispose();
        }
        return (bodies, reads);
    }

    private static string Difference(string whole, string bounded)
    {
        var at = 0;
        while (at < whole.Length && at < bounded.Length && whole[at] == bounded[at]) at++;
        string Around(string s) => s.Substring(Math.Max(0, at - 300), Math.Min(s.Length, at + 300) - Math.Max(0, at - 300));
        return $"whole:   …{Around(whole)}…\nbounded: …{Around(bounded)}…";
    }

    [Fact]
    public async Task With_a_cache_of_one_entry_every_view_of_entries_shows_the_same_and_records_the_same_reads_as_the_whole_read_model()
    {
        using var folder = new TempDirectory();
        Ids ids;
        (Dictionary<string, string> Bodies, Dictionary<string, int> Reads) whole;
        await using (var first = await NodeFixture.StartAsync(folder))
        {
            ids = await SeedAsync(first);
            whole = await CaptureAsync(first, ids, Views(ids, [0, 1, 2]));
        }
        Assert.Contains("Notes corrected", whole.Bodies[$"admin /api/v1/patients/{ids.Patients[0]}/entries"], StringComparison.Ordinal);
        Assert.Contains("After the rotation", whole.Bodies[$"admin /api/v1/patients/{ids.Patients[1]}/entries"], StringComparison.Ordinal);
        Assert.Contains("Diagnosis 2", whole.Bodies[$"dr-g /api/v1/patients/{ids.Patients[2]}/entries"], StringComparison.Ordinal);

        foreach (var order in new[] { new[] { 0, 1, 2 }, [2, 1, 0], [1, 2, 0] })
        {
            await using var node = await NodeFixture.StartAsync(folder, configure: o => o with { EntryCacheEntries = 1 });
            var bounded = await CaptureAsync(node, ids, Views(ids, order));
            foreach (var (view, body) in whole.Bodies)
            {
                Assert.True(body == bounded.Bodies[view], $"{view} differs with a cache of one entry (order {string.Join(",", order)}):\n{Difference(body, bounded.Bodies[view])}");
                Assert.True(whole.Reads[view] == bounded.Reads[view], $"{view}: {whole.Reads[view]} reads recorded with the whole model, {bounded.Reads[view]} with a cache of one entry");
            }
            Assert.True(node.App.Services.GetRequiredService<EntryStore>().HeldDetails <= 1, "more than one entry held");
        }

        // A correction of an entry that is not held (its patient read before others): the corrected entry opens again whole,
        // linked to its correction, and the account counts the correction only.
        await using (var node = await NodeFixture.StartAsync(folder, configure: o => o with { EntryCacheEntries = 1 }))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            var p = ids.Patients[0];
            var charge = (await admin.GetFromJsonAsync<List<EntryResponse>>($"/api/v1/patients/{p}/entries", Ct))!.Single(e => e.Type == "charge");
            foreach (var other in ids.Patients.Skip(1)) (await admin.GetAsync($"/api/v1/patients/{other}/entries", Ct)).Dispose();
            var correction = await Read<EntryResponse>(await admin.PostAsJsonAsync($"/api/v1/patients/{p}/account/charges",
                new { occurredAt = "2026-01-01T10:00", service = "Service corrected", quantity = 1, unitPrice = 4m, correctsId = charge.Id }, Ct));
            (await admin.GetAsync($"/api/v1/patients/{ids.Patients[1]}/entries", Ct)).Dispose();
            var entries = (await admin.GetFromJsonAsync<List<EntryResponse>>($"/api/v1/patients/{p}/entries", Ct))!;
            var old = entries.Single(e => e.Id == charge.Id);
            Assert.Equal(("Service 0", correction.Id), (old.Service, old.CorrectedBy));
            Assert.Equal("Service corrected", entries.Single(e => e.Id == correction.Id).Service);
            var account = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{p}/account", Ct);
            Assert.Equal(4m - 5m, account.GetProperty("balance").GetDecimal());
        }
    }
}
