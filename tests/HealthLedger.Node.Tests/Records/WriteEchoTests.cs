using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>
/// A write is not a disclosure: answering a write with the record just written adds no transaction of its own, while a
/// later read by someone other than the patient is still recorded.
/// </summary>
public class WriteEchoTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Doctor, string PatientId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Node.DisposeAsync();
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-e", name = "Eve E", specialty = "Pathology", department = "Lab", licenceNumber = "L1" }, Ct));
        var patient = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-E1", fullName = "Pat E", dateOfBirth = "1970-01-01", gender = "male" }, Ct));
        (await admin.PostAsJsonAsync($"/api/v1/patients/{patient.Id}/entries", new { type = "visit", occurredAt = "2026-01-02T10:00", doctorId = "dr-e", notes = "Seen." }, Ct)).EnsureSuccessStatusCode();
        return new World(node, admin, await node.FirstLoginAsync("dr-e", doctor.OneTimePassword!), patient.Id);
    }

    /// <summary>Runs <paramref name="act"/> with every queued disclosure committed before and after; returns the transactions of the blocks it added.</summary>
    private static async Task<IReadOnlyList<BlockTransactionResponse>> TransactionsOf(World world, Func<Task> act)
    {
        var recorder = world.Node.App.Services.GetRequiredService<DisclosureRecorder>();
        var ledger = world.Node.App.Services.GetRequiredService<LedgerNode>();
        var browser = world.Node.App.Services.GetRequiredService<LedgerBrowser>();
        await recorder.FlushAsync(Ct);
        var before = ledger.Tip.Height;
        await act();
        await recorder.FlushAsync(Ct);
        var after = ledger.Tip.Height;
        var txs = new List<BlockTransactionResponse>();
        for (var h = before + 1; h <= after; h++) txs.AddRange(browser.Block(h)!.Transactions);
        return txs;
    }

    public static TheoryData<string, string, string> EntryWrites => new()
    {
        { "/entries", """{"type":"admission","occurredAt":"2026-01-03T09:00","doctorId":"dr-e","ward":"W1","bed":"1","reason":"Fever"}""", "admission" },
        { "/entries", """{"type":"visit","occurredAt":"2026-01-03T09:00","doctorId":"dr-e","notes":"Review"}""", "visit" },
        { "/account/charges", """{"occurredAt":"2026-01-03T09:00","service":"X-ray","quantity":1,"unitPrice":80}""", "charge" },
        { "/account/payments", """{"occurredAt":"2026-01-03T09:00","amount":20,"method":"cash","deposit":true}""", "payment" },
    };

    [Theory]
    [MemberData(nameof(EntryWrites))]
    public async Task An_entry_added_through_the_API_adds_its_own_transaction_and_no_disclosure(string path, string body, string type)
    {
        await using var world = await SetUpAsync();
        EntryResponse? entry = null;
        var txs = await TransactionsOf(world, async () =>
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await world.Admin.PostAsync($"/api/v1/patients/{world.PatientId}{path}", content, Ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            entry = await response.Content.ReadFromJsonAsync<EntryResponse>(Ct);
        });
        Assert.Equal(type, entry!.Type);
        var tx = Assert.Single(txs);
        Assert.Equal("AddEntry", tx.Kind);
        Assert.Equal(entry.Proof.TransactionId, tx.Id);
    }

    [Fact]
    public async Task A_report_added_through_the_API_adds_its_own_transaction_and_no_disclosure()
    {
        await using var world = await SetUpAsync();
        ReportsApi.ReportCreatedResponse? created = null;
        var txs = await TransactionsOf(world, async () =>
        {
            using var form = new MultipartFormDataContent { { new StringContent(JsonSerializer.Serialize(new { type = "lab", title = "CBC", labResults = new[] { new { test = "Hb", value = "13", unit = "g/dL", referenceRange = "12-16", flag = "" } } })), "metadata" } };
            created = await Read<ReportsApi.ReportCreatedResponse>(await world.Doctor.PostAsync($"/api/v1/patients/{world.PatientId}/reports", form, Ct));
        });
        var tx = Assert.Single(txs);
        Assert.Equal("AddReport", tx.Kind);
        Assert.Equal(created!.TransactionId, tx.Id);
        Assert.Equal(1, created.Version);
    }

    [Fact]
    public async Task A_later_read_by_someone_other_than_the_patient_is_still_a_disclosure()
    {
        await using var world = await SetUpAsync();
        var entry = await Read<EntryResponse>(await world.Admin.PostAsJsonAsync($"/api/v1/patients/{world.PatientId}/entries",
            new { type = "visit", occurredAt = "2026-01-04T09:00", doctorId = "dr-e", notes = "Again" }, Ct));
        var txs = await TransactionsOf(world, async () =>
        {
            var entries = await Read<List<EntryResponse>>(await world.Doctor.GetAsync($"/api/v1/patients/{world.PatientId}/entries", Ct));
            Assert.Contains(entries, e => e.Id == entry.Id);
        });
        Assert.Contains(txs, t => t.Kind == "RecordDisclosures");
        Assert.DoesNotContain(txs, t => t.Kind == "AddEntry");
    }
}
