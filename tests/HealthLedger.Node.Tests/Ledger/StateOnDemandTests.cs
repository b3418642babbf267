using System.Net.Http.Json;
using HealthLedger.Core.State;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Node.Tests.Encounters;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Ledger;

/// <summary>
/// A started node does not hold the entries' state values (<see cref="LedgerNode.OnDemandPrefixes"/>): it reads them from its
/// store when asked, those loaded at the start and those committed since, and checks each against the state's tree, so a value
/// changed in the store of a running node is refused naming its key, and the node stops and records the damage.
/// </summary>
public class StateOnDemandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_entry_state_changed_in_the_store_of_a_running_node_is_refused_naming_its_key_and_stops_the_node(bool restarted)
    {
        using var folder = new TempDirectory();
        var data = new DataDirectory(folder.Combine("data"));
        string patient = "";
        if (restarted)
        {
            // The entry loaded by a start, not committed since it.
            await using var first = await NodeFixture.StartAsync(folder);
            using var firstAdmin = await first.LoginAsync("admin", NodeFixture.Password);
            patient = await EntryCacheTests.RegisterAsync(firstAdmin, "MRN-D0", "Dana Demand");
            await EntryCacheTests.ChargeAsync(firstAdmin, patient, "X-ray", 10m);
        }
        await using var node = await NodeFixture.StartAsync(folder);
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        if (!restarted)
        {
            patient = await EntryCacheTests.RegisterAsync(admin, "MRN-D1", "Dana Demand");
            await EntryCacheTests.ChargeAsync(admin, patient, "X-ray", 10m);
        }
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        var entry = Assert.Single(ledger.ScanState("entry/"));
        Assert.Equal(entry.Value, ledger.GetState(entry.Key)); // read by its key: not kept (LedgerNode.KeptRecentPrefixes)
        Assert.Null(ledger.StateDamage);

        Tamper(data, entry.Key);

        if (restarted)
        {
            // The patient's entries are not in the read model's memory after a start: the list reads the changed row.
            using var list = await admin.GetAsync($"/api/v1/patients/{patient}/entries", Ct);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, list.StatusCode);
            var problem = await list.Content.ReadAsStringAsync(Ct);
            Assert.Contains("The node has stopped", problem);
            Assert.Contains("does not match the chain", problem);
            Assert.DoesNotContain(entry.Key, problem); // the key is for the log, not for the client
            Assert.Contains(entry.Key, ledger.StateDamage);
        }
        Assert.Equal(entry.Key, Assert.Throws<StateValueMismatchException>(() => ledger.GetState(entry.Key)).Key);
        Assert.Equal(entry.Key, Assert.Throws<StateValueMismatchException>(() => ledger.ScanState("entry/")).Key);
        Assert.Contains(entry.Key, ledger.StateDamage);
        Assert.True(ledger.ScanState("patient/").Count == 1); // held values are read as before
        await StoppedAndRefusedAsync(node, data, entry.Key);
    }

    [Fact]
    public async Task A_correction_of_an_entry_whose_stored_state_was_changed_is_not_committed_and_stops_the_node()
    {
        using var folder = new TempDirectory();
        var data = new DataDirectory(folder.Combine("data"));
        await using var node = await NodeFixture.StartAsync(folder);
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var patient = await EntryCacheTests.RegisterAsync(admin, "MRN-D2", "Dana Demand");
        await EntryCacheTests.ChargeAsync(admin, patient, "X-ray", 10m);
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        var entry = Assert.Single(ledger.ScanState("entry/"));
        var height = ledger.Tip.Height;
        Tamper(data, entry.Key);

        // The block that would correct it reads the entry's state (AddEntry: the corrected entry's patient and type).
        using var correction = await admin.PostAsJsonAsync($"/api/v1/patients/{patient}/account/charges",
            new { occurredAt = "2026-01-02T10:00", service = "X-ray", quantity = 1, unitPrice = 12m, correctsId = entry.Key["entry/".Length..] }, Ct);
        // Answered when the node stops, not at the write's commit timeout (30 s): 503, the node has stopped.
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, correction.StatusCode);
        var answer = await correction.Content.ReadAsStringAsync(Ct);
        Assert.Contains("The node has stopped", answer);
        Assert.Contains("stopped before committing", answer);
        Assert.Contains(entry.Key, ledger.StateDamage);
        Assert.Equal(height, ledger.Tip.Height);
        await StoppedAndRefusedAsync(node, data, entry.Key);
    }

    // Break-it (2026-12-05): a care relationship or a name index row deleted in the store of a running node was left out of a
    // patient's care list and of an emergency search by name (one definite patient where two share the name and birth date),
    // with 200: a read of one patient's or one name's rows counted nothing. It must find the row missing and stop the node.
    [Theory]
    [InlineData("care/")]
    [InlineData("namedob/")]
    public async Task A_row_deleted_in_the_store_of_a_running_node_is_not_left_out_of_a_narrower_read(string prefix)
    {
        using var folder = new TempDirectory();
        var data = new DataDirectory(folder.Combine("data"));
        await using var node = await NodeFixture.StartAsync(folder);
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var doctorCreated = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-a", name = "Ada A", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct);
        var doctor = await node.FirstLoginAsync("dr-a", (await doctorCreated.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.OneTimePassword!);
        var first = await EntryCacheTests.RegisterAsync(admin, "MRN-N1", "Sam Same");
        var second = await EntryCacheTests.RegisterAsync(admin, "MRN-N2", "Sam Same"); // same name and date of birth
        using (var visit = await admin.PostAsJsonAsync($"/api/v1/patients/{first}/entries", new { type = "visit", occurredAt = "2026-01-03T10:00", doctorId = "dr-a", notes = "Seen." }, Ct))
        {
            Assert.True(visit.IsSuccessStatusCode, await visit.Content.ReadAsStringAsync(Ct));
        }
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        var search = $"/api/v1/emergencies/patients?organisationId=fixture-hospital&name={Uri.EscapeDataString("Sam Same")}&dateOfBirth=1970-01-01";
        using (var before = await doctor.GetAsync(search, Ct))
        {
            var found = await before.Content.ReadAsStringAsync(Ct);
            Assert.True(before.IsSuccessStatusCode, found);
            Assert.Contains(first, found);
            Assert.Contains(second, found);
        }
        using (var careBefore = await admin.GetAsync($"/api/v1/patients/{first}/care-relationships", Ct))
        {
            Assert.Contains("dr-a", await careBefore.Content.ReadAsStringAsync(Ct));
        }
        var key = prefix == "care/" ? $"care/{first}/dr-a" : Assert.Single(ledger.ScanState("namedob/"), kv => kv.Key.EndsWith("/" + second, StringComparison.Ordinal)).Key;
        var narrower = key[..(key.LastIndexOf('/') + 1)];
        Delete(data, key);

        using var after = prefix == "care/" ? await admin.GetAsync($"/api/v1/patients/{first}/care-relationships", Ct) : await doctor.GetAsync(search, Ct);
        var answer = await after.Content.ReadAsStringAsync(Ct);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, after.StatusCode);
        Assert.Null(after.Headers.RetryAfter); // waiting will not mend it
        Assert.Contains("The node has stopped", answer);
        Assert.DoesNotContain(first, answer);
        Assert.Contains(narrower, ledger.StateDamage);
        await StoppedAndRefusedAsync(node, data, narrower);
    }

    private static void Delete(DataDirectory data, string key)
    {
        using var connection = new SqliteConnection($"Data Source={data.LedgerPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM state WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    private static void Tamper(DataDirectory data, string key)
    {
        using var connection = new SqliteConnection($"Data Source={data.LedgerPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE state SET value = " + SqlTamper.FlipByte("value", 12) + " WHERE key = $k";
        command.Parameters.AddWithValue("$k", key);
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    private static async Task StoppedAndRefusedAsync(NodeFixture node, DataDirectory data, string key)
    {
        // The consensus loop stops the node; the damage is recorded, and the next start refuses naming it.
        var stopping = new TaskCompletionSource();
        using (node.App.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult())) await stopping.Task.WaitAsync(Ct);
        Assert.Contains("changed outside the node", node.App.Services.GetRequiredService<ConsensusHost>().Halted);
        await node.StopAsync();
        var refused = Assert.Throws<LedgerIntegrityException>(() => NodeHost.Build(new NodeOptions { DataDirectory = data.Root }, "http://127.0.0.1:0"));
        Assert.Contains(LedgerNode.DamageFileName, refused.Message);
        Assert.Contains(key, refused.Message);
    }
}
