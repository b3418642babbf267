using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>
/// Issue 12 item 13: a read of many patients' data at once (a list, a report naming patients, the audit trail) is a
/// disclosure of each patient in the answer, API and UI alike, recorded once per patient per read.
/// </summary>
public class BulkReadDisclosureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Admin, string[] PatientIds) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        (await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-b", name = "Bea B", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct)).EnsureSuccessStatusCode();
        var ids = new List<string>();
        for (var i = 1; i <= 2; i++)
        {
            using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = $"MRN-B{i}", fullName = $"Pat B{i}", dateOfBirth = "1970-01-01", gender = "female" }, Ct);
            var id = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
            ids.Add(id);
            (await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries", new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = "dr-b", ward = "W", bed = $"{i}", reason = "Fever" }, Ct)).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync($"/api/v1/patients/{id}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Bed", quantity = 1, unitPrice = 100 }, Ct)).EnsureSuccessStatusCode();
        }
        return new World(node, admin, [.. ids]);
    }

    /// <summary>The disclosures of <paramref name="resource"/> recorded for each patient while <paramref name="read"/> ran.</summary>
    private static async Task<int[]> DisclosuresDuring(World world, string resource, Func<Task> read)
    {
        var recorder = world.Node.App.Services.GetRequiredService<DisclosureRecorder>();
        var ledger = world.Node.App.Services.GetRequiredService<LedgerNode>();
        int Count(string patientId) => ledger.ScanState($"disclosure/{patientId}/")
            .Select(e => DisclosureEvent.TryDecode(e.Value)).Count(e => e is { ActorId: "admin", Allowed: true } && e.Resource == resource);
        await recorder.FlushAsync(Ct);
        var before = world.PatientIds.Select(Count).ToArray();
        await read();
        await recorder.FlushAsync(Ct);
        return world.PatientIds.Select((p, i) => Count(p) - before[i]).ToArray();
    }

    public static TheoryData<string, string> ApiReads => new()
    {
        { "/api/v1/entries", "entry list" },
        { "/api/v1/accounts", "account list" },
        { "/api/v1/statistics/outstanding", "outstanding balances" },
        { "/api/v1/statistics/occupancy", "bed occupancy" },
        { "/api/v1/statistics/outstanding?format=csv", "outstanding balances" },
        { "/api/v1/audit", "audit trail" },
        { "/api/v1/audit?format=csv", "audit trail" },
        { "/api/v1/patients", "patient list" },
    };

    [Theory]
    [MemberData(nameof(ApiReads))]
    public async Task A_bulk_read_through_the_API_records_one_disclosure_per_patient(string path, string resource)
    {
        await using var world = await SetUpAsync();
        // The audit trail lists patients with a disclosure: read each one once so both are in it.
        if (resource == "audit trail")
        {
            foreach (var id in world.PatientIds) (await world.Admin.GetAsync($"/api/v1/patients/{id}", Ct)).EnsureSuccessStatusCode();
        }
        var counts = await DisclosuresDuring(world, resource, async () =>
        {
            using var response = await world.Admin.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        Assert.Equal([1, 1], counts);
    }

    [Fact]
    public async Task Totals_on_the_home_page_disclose_nobody()
    {
        await using var world = await SetUpAsync();
        var web = await world.Node.CookieLoginAsync("admin", NodeFixture.Password);
        var counts = await DisclosuresDuring(world, "bed occupancy", async () => (await web.GetAsync("/", Ct)).EnsureSuccessStatusCode());
        Assert.Equal([0, 0], counts);
    }

    [Fact]
    public async Task The_home_page_names_the_largest_balances_and_records_a_disclosure_for_each_patient_it_names()
    {
        await using var world = await SetUpAsync();
        var web = await world.Node.CookieLoginAsync("admin", NodeFixture.Password);
        var html = "";
        var counts = await DisclosuresDuring(world, "home page: outstanding balances", async () => html = await web.GetStringAsync("/", Ct));
        Assert.Equal([1, 1], counts);
        Assert.Contains(">Pat B1</a>: EUR 100.00", html);
        Assert.Contains(">Pat B2</a>: EUR 100.00", html);
    }

    public static TheoryData<string, string> PageReads => new()
    {
        { "/entries", "entry list" },
        { "/accounts", "account list" },
        { "/statistics", "bed occupancy" },
        { "/statistics", "outstanding balances" },
        { "/audit", "audit trail" },
    };

    [Theory]
    [MemberData(nameof(PageReads))]
    public async Task A_bulk_read_through_the_UI_records_one_disclosure_per_patient(string path, string resource)
    {
        await using var world = await SetUpAsync();
        foreach (var id in world.PatientIds) (await world.Admin.GetAsync($"/api/v1/patients/{id}", Ct)).EnsureSuccessStatusCode();
        var web = await world.Node.CookieLoginAsync("admin", NodeFixture.Password);
        var counts = await DisclosuresDuring(world, resource, async () =>
        {
            using var response = await web.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        Assert.Equal([1, 1], counts);
    }
}
