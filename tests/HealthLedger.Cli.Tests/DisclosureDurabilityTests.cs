using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// A read of a patient's data is a disclosure that must reach the chain even when the node stops (gracefully, or killed)
/// before the batch carrying it commits: it is stored in the node's <c>ledger.db</c> before the data is served, sent again
/// at the next start, and recorded once, also when the node restarts between the commit and forgetting its copy.
/// </summary>
public sealed class DisclosureDurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_read_whose_disclosure_had_not_committed_is_on_the_chain_once_after_a_restart(bool kill)
    {
        using var dir = new TempDirectory();
        using var net = await LocalCluster.InitAsync(dir, 4);
        string[] all = [net.Folder(1), net.Folder(2), net.Folder(3), net.Folder(4)];
        var one = net.Folder(1);
        var ledger = new DataDirectory(one).LedgerPath;

        // A patient, registered while the whole network runs.
        await net.StartAsync(all);
        var patientId = await RegisterPatientAsync(net.Http(one));
        await net.StopAsync();

        // Two of four validators: nothing commits, so the read's disclosure can only wait.
        await net.StartAsync(one, net.Folder(2));
        var before = Pending(ledger).Select(p => p.Id).ToHashSet();
        var admin = await LoginAsync(net.Http(one));
        using (var read = await admin.GetAsync($"/api/v1/patients/{patientId}", Ct)) read.EnsureSuccessStatusCode();
        // Stored by the time the data was served (read from the file the running node writes).
        var mine = Pending(ledger).Where(p => !before.Contains(p.Id) && p.Event is { ActorId: "admin", Allowed: true } && p.Event.PatientId == patientId).ToList();
        Assert.NotEmpty(mine);
        Assert.DoesNotContain(Recorded(ledger, patientId), e => mine.Any(m => m.Id == e.Id));

        if (kill) await net.KillAsync(one);
        await net.StopAsync(); // a graceful stop waits (boundedly) for a commit that cannot come, and keeps the events
        Assert.All(mine, m => Assert.Contains(Pending(ledger), p => p.Id == m.Id));
        Assert.DoesNotContain(Recorded(ledger, patientId), e => mine.Any(m => m.Id == e.Id));

        // The whole network again: node 1 sends what it kept, the chain records each disclosure once.
        await net.StartAsync(all);
        await net.WaitAsync("node 1 records the disclosures it kept", () => Task.FromResult(
            mine.All(m => Recorded(ledger, patientId).Any(e => e.Id == m.Id)) && !Pending(ledger).Any(p => mine.Any(m => m.Id == p.Id))));
        await net.StopAsync();
        AssertRecordedOnce(ledger, patientId, mine);

        // A restart between the commit and forgetting the copy: the copy is back in the table, the chain already has it.
        using (var store = SqliteLedgerStore.Open(ledger, create: false)) store.SavePendingDisclosures(mine.Select(m => (m.Id, m.Event.Encode())).ToList());
        await net.StartAsync(all);
        await net.WaitAsync("node 1 forgets the copies the chain already holds", () => Task.FromResult(!Pending(ledger).Any(p => mine.Any(m => m.Id == p.Id))));
        // A later read commits after the resubmission was dealt with (batches go in order), so nothing of it is still on the way.
        using (var later = await LoginAsync(net.Http(one)))
        using (var again = await later.GetAsync($"/api/v1/patients/{patientId}", Ct)) again.EnsureSuccessStatusCode();
        await net.WaitAsync("node 1 has nothing pending", () => Task.FromResult(Pending(ledger).Count == 0));
        await net.StopAsync();
        AssertRecordedOnce(ledger, patientId, mine);
        foreach (var folder in all) await LocalCluster.VerifyAsync(folder);
    }

    private static void AssertRecordedOnce(string ledger, string patientId, IReadOnlyList<(Hash256 Id, DisclosureEvent Event)> mine)
    {
        var recorded = Recorded(ledger, patientId);
        Assert.All(mine, m => Assert.Equal(m.Event, Assert.Single(recorded, e => e.Id == m.Id)));
        Assert.Equal(recorded.Count, recorded.Select(e => e.Id).Distinct().Count());
    }

    private static List<(Hash256 Id, DisclosureEvent Event)> Pending(string ledger)
    {
        using var store = SqliteLedgerStore.OpenReadOnly(ledger);
        return store.ReadPendingDisclosures(int.MaxValue).Select(p => (p.Id, DisclosureEvent.TryDecode(p.Event)!)).ToList();
    }

    private static List<DisclosureEvent> Recorded(string ledger, string patientId)
    {
        using var store = SqliteLedgerStore.OpenReadOnly(ledger);
        return store.ReadState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!).ToList();
    }

    private static async Task<HttpClient> LoginAsync(HttpClient node)
    {
        using var response = await node.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = CliProcess.Password }, Ct);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString();
        var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    private static async Task<string> RegisterPatientAsync(HttpClient node)
    {
        using var admin = await LoginAsync(node);
        using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-D1", fullName = "Dora Durable", dateOfBirth = "1970-01-01", gender = "female" }, Ct);
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync(Ct));
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
        Assert.True(Identifiers.IsValid(id));
        return id;
    }
}
