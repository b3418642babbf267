using System.Net.Http.Json;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>
/// Many requests for one patient at once (issue 17): writes that no door check orders share blocks instead of committing one
/// per block, and concurrent reads, whose disclosures are stored together (group commit), are each recorded exactly once.
/// </summary>
public class ConcurrentWriteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> RegisterAsync(HttpClient admin, string mrn)
    {
        using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn, fullName = "Cora Current", dateOfBirth = "1970-01-01", gender = "female" }, Ct);
        return (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
    }

    [Fact]
    public async Task Concurrent_charges_and_deposits_of_one_patient_share_blocks_and_all_commit()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patientId = await RegisterAsync(admin, "MRN-C1");
        const int count = 12;
        var heights = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            using var response = i % 2 == 0
                ? await admin.PostAsJsonAsync($"/api/v1/patients/{patientId}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Consultation", quantity = 1, unitPrice = 40 }, Ct)
                : await admin.PostAsJsonAsync($"/api/v1/patients/{patientId}/account/payments", new { occurredAt = "2026-01-02T10:00", amount = 20, method = "card", deposit = true }, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
            var entry = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct);
            return entry.GetProperty("proof").GetProperty("height").GetUInt64();
        }));
        // One at a time (the per-patient gate held to the commit) they would take 12 blocks.
        Assert.True(heights.Distinct().Count() < count, $"the {count} entries took {heights.Distinct().Count()} blocks");
        Assert.Equal(count, node.App.Services.GetRequiredService<HealthLedger.Node.Encounters.EntryStore>().Entries(patientId).Count);
    }

    [Fact]
    public async Task Concurrent_reads_are_each_stored_before_their_answer_and_recorded_once()
    {
        await using var node = await NodeFixture.StartAsync();
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        var recorder = node.App.Services.GetRequiredService<DisclosureRecorder>();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patientId = await RegisterAsync(admin, "MRN-C2");
        await recorder.FlushAsync(Ct);
        int AdminReads() => ledger.ScanState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!).Count(e => e is { ActorId: "admin", Allowed: true });
        var before = AdminReads();
        var beforeAll = ledger.ScanState($"disclosure/{patientId}/").Count;
        const int reads = 32;
        await Task.WhenAll(Enumerable.Range(0, reads).Select(async _ =>
        {
            using var read = await admin.GetAsync($"/api/v1/patients/{patientId}", Ct);
            read.EnsureSuccessStatusCode();
        }));
        // Every answered read is in the store (pending) or already on the chain.
        var pending = ledger.Store.ReadPendingDisclosures(int.MaxValue).Select(p => DisclosureEvent.TryDecode(p.Event)!).Count(e => e.PatientId == patientId);
        var onChain = ledger.ScanState($"disclosure/{patientId}/").Count - beforeAll;
        Assert.True(pending + onChain >= reads, $"{pending} pending + {onChain} on the chain after {reads} answered reads");

        await recorder.FlushAsync(Ct);
        Assert.Equal(before + reads, AdminReads());
        Assert.Equal(0, ledger.Store.CountPendingDisclosures());
    }
}
