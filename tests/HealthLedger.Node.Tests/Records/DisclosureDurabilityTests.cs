using System.Net.Http.Json;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>
/// Disclosures are durable from the moment of the read: stored in the node's ledger.db before the data is served, on the
/// chain once after a stop, and never twice after a restart (the real-process kill and no-quorum cases are in
/// HealthLedger.Cli.Tests' DisclosureDurabilityTests).
/// </summary>
public class DisclosureDurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_read_is_stored_before_it_is_answered_and_is_on_the_chain_once_after_a_stop_right_after_it()
    {
        using var folder = new TempDirectory();
        string patientId;
        List<Hash256> ids;
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            var ledger = node.App.Services.GetRequiredService<LedgerNode>();
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            using (var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S1", fullName = "Sam Stop", dateOfBirth = "1970-01-01", gender = "male" }, Ct))
            {
                patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
            }
            await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            var earlier = ledger.ScanState($"disclosure/{patientId}/").Count;
            using (var read = await admin.GetAsync($"/api/v1/patients/{patientId}", Ct)) read.EnsureSuccessStatusCode();
            // Right after the answer the read is in the node's store (pending) or already on the chain: never only in memory.
            var pending = ledger.Store.ReadPendingDisclosures(int.MaxValue).Select(p => DisclosureEvent.TryDecode(p.Event)!);
            var recorded = ledger.ScanState($"disclosure/{patientId}/").Skip(earlier).Select(e => DisclosureEvent.TryDecode(e.Value)!);
            ids = pending.Concat(recorded).Where(e => e is { ActorId: "admin", Allowed: true } && e.PatientId == patientId).Select(e => e.Id).ToList();
            Assert.NotEmpty(ids);
        } // a graceful stop at once

        await using (var node = await NodeFixture.StartAsync(folder))
        {
            var ledger = node.App.Services.GetRequiredService<LedgerNode>();
            await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            var recorded = ledger.ScanState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!.Id).ToList();
            Assert.All(ids, id => Assert.Single(recorded, r => r == id));
            Assert.Equal(0, ledger.Store.CountPendingDisclosures());
            Assert.NotNull(ledger.GetState(StateKeys.DisclosureId(ids[0])));
        }
    }

    [Fact]
    public async Task A_disclosure_kept_from_an_earlier_run_is_recorded_at_start_and_not_again_when_its_copy_comes_back()
    {
        using var folder = new TempDirectory();
        string patientId;
        await using (var node = await NodeFixture.StartAsync(folder))
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-S2", fullName = "Kim Kept", dateOfBirth = "1980-05-05", gender = "female" }, Ct);
            patientId = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
        }
        // What a node killed before its batch was sent leaves behind: the event, in its store only.
        var kept = new DisclosureEvent(new Hash256(Enumerable.Repeat((byte)7, 32).ToArray()), "dr-gone", "doctor", patientId, "demographics", "treatment", true, 1_800_000_000_000);
        var path = Path.Combine(folder.Combine("data"), Storage.SqliteLedgerStore.FileName);
        using (var store = Storage.SqliteLedgerStore.Open(path, create: false)) store.SavePendingDisclosures([(kept.Id, kept.Encode())]);

        for (var run = 0; run < 2; run++)
        {
            await using var node = await NodeFixture.StartAsync(folder);
            var ledger = node.App.Services.GetRequiredService<LedgerNode>();
            await node.App.Services.GetRequiredService<DisclosureRecorder>().FlushAsync(Ct);
            Assert.Equal(kept, Assert.Single(ledger.ScanState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!), e => e.Id == kept.Id));
            Assert.Equal(0, ledger.Store.CountPendingDisclosures());
            // Then as if the node had stopped between that commit and forgetting its copy.
            if (run == 0) ledger.Store.SavePendingDisclosures([(kept.Id, kept.Encode())]);
        }
    }
}
