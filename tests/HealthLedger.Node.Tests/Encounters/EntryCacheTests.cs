using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Encounters;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Encounters;

/// <summary>
/// The bounded entries read model (issue 17): every entry's summary is held, the whole content only for the patients read
/// most recently (<c>EntryCacheEntries</c>); a patient not held is opened again from the ciphertext store, with the same
/// content, and the read is recorded as a disclosure exactly as before.
/// </summary>
public class EntryCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Registers a patient through the API as the admin; returns the patient's id (also used by <see cref="EntrySummaryFileTests"/>).</summary>
    internal static async Task<string> RegisterAsync(HttpClient admin, string mrn, string name)
    {
        using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn, fullName = name, dateOfBirth = "1970-01-01", gender = "female" }, Ct);
        registered.EnsureSuccessStatusCode();
        return (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
    }

    /// <summary>Posts a charge for the patient as the admin (also used by <see cref="Ledger.StateOnDemandTests"/>).</summary>
    internal static async Task ChargeAsync(HttpClient admin, string patientId, string service, decimal price)
    {
        using var response = await admin.PostAsJsonAsync($"/api/v1/patients/{patientId}/account/charges",
            new { occurredAt = "2026-01-02T10:00", service, quantity = 2, unitPrice = price }, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<List<string>> ServicesAsync(HttpClient admin, string patientId)
    {
        var entries = await admin.GetFromJsonAsync<List<JsonElement>>($"/api/v1/patients/{patientId}/entries", Ct);
        return entries!.Select(e => e.GetProperty("service").GetString()!).ToList();
    }

    [Fact]
    public async Task After_a_restart_patients_are_opened_on_demand_within_the_bound_with_the_same_content_and_their_reads_recorded()
    {
        using var folder = new TempDirectory();
        string a, b;
        await using (var first = await NodeFixture.StartAsync(folder))
        {
            using var admin = await first.LoginAsync("admin", NodeFixture.Password);
            a = await RegisterAsync(admin, "MRN-L1", "Lena Lazy");
            b = await RegisterAsync(admin, "MRN-L2", "Bo Bounded");
            foreach (var s in new[] { "X-ray", "Bloods", "Dressing" }) await ChargeAsync(admin, a, s, 10m);
            foreach (var s in new[] { "Consultation", "Plaster" }) await ChargeAsync(admin, b, s, 7.5m);
        }

        await using var node = await NodeFixture.StartAsync(folder, configure: o => o with { EntryCacheEntries = 3 });
        var store = node.App.Services.GetRequiredService<EntryStore>();
        var ledger = node.App.Services.GetRequiredService<LedgerNode>();
        var recorder = node.App.Services.GetRequiredService<DisclosureRecorder>();
        using var client = await node.LoginAsync("admin", NodeFixture.Password);
        Assert.Equal(0, store.HeldDetails); // the start-up load keeps summaries only
        async Task<int> AdminReadsAsync(string patientId)
        {
            await recorder.FlushAsync(Ct);
            return ledger.ScanState($"disclosure/{patientId}/").Select(e => DisclosureEvent.TryDecode(e.Value)!).Count(e => e is { ActorId: "admin", Allowed: true });
        }

        var readsA = await AdminReadsAsync(a);
        var reopened = store.Reopenings;
        Assert.Equal(["X-ray", "Bloods", "Dressing"], await ServicesAsync(client, a)); // cold: opened from the store
        Assert.Equal(reopened + 1, store.Reopenings);
        Assert.Equal(readsA + 1, await AdminReadsAsync(a)); // recorded as any read
        Assert.Equal(["X-ray", "Bloods", "Dressing"], await ServicesAsync(client, a)); // held: not opened again
        Assert.Equal(reopened + 1, store.Reopenings);
        Assert.Equal(readsA + 2, await AdminReadsAsync(a));

        Assert.Equal(["Consultation", "Plaster"], await ServicesAsync(client, b)); // b in, a out (5 > 3 entries)
        Assert.Equal(reopened + 2, store.Reopenings);
        Assert.True(store.HeldDetails <= 3, $"{store.HeldDetails} entries held");
        Assert.Equal(["X-ray", "Bloods", "Dressing"], await ServicesAsync(client, a)); // a again: opened again, the same
        Assert.Equal(reopened + 3, store.Reopenings);
        Assert.Equal(readsA + 3, await AdminReadsAsync(a));

        // A new entry of a held patient joins it without an opening; the organisation's lists use summaries only.
        await ChargeAsync(client, a, "Splint", 1m);
        Assert.Equal(["X-ray", "Bloods", "Dressing", "Splint"], await ServicesAsync(client, a));
        var summaries = store.Summaries(new HashSet<string>([a, b], StringComparer.Ordinal));
        Assert.Equal(6, summaries.Count);
        Assert.All(summaries, e => Assert.Equal("", e.Details.Service));
        Assert.Equal(2 * 10m * 3 + 2 * 1m + 2 * 7.5m * 2, summaries.Sum(e => e.Details.AccountEffect(e.Type)));
    }

    [Fact]
    public async Task The_organisation_entry_list_filters_summaries_and_shows_its_page_whole()
    {
        using var folder = new TempDirectory();
        string a;
        await using (var first = await NodeFixture.StartAsync(folder))
        {
            using var admin = await first.LoginAsync("admin", NodeFixture.Password);
            a = await RegisterAsync(admin, "MRN-L3", "Pat Paged");
            foreach (var s in new[] { "Cast", "Sling" }) await ChargeAsync(admin, a, s, 3m);
        }
        await using var node = await NodeFixture.StartAsync(folder, configure: o => o with { EntryCacheEntries = 0 });
        var store = node.App.Services.GetRequiredService<EntryStore>();
        using var client = await node.LoginAsync("admin", NodeFixture.Password);
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/entries?type=charge&patientId={a}", Ct);
        var services = page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("service").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["Cast", "Sling"], services);
        Assert.Equal(0, store.HeldDetails); // capacity 0: nothing kept
        var account = await client.GetFromJsonAsync<JsonElement>($"/api/v1/patients/{a}/account", Ct);
        Assert.Equal(12m, account.GetProperty("balance").GetDecimal());
    }

    [Fact]
    public async Task A_start_that_reads_the_ciphertexts_in_one_pass_opens_the_same_patients_and_entries_as_one_lookup_each()
    {
        using var folder = new TempDirectory();
        var patients = new List<string>();
        await using (var first = await NodeFixture.StartAsync(folder))
        {
            using var admin = await first.LoginAsync("admin", NodeFixture.Password);
            patients.Add(await RegisterAsync(admin, "MRN-P1", "Petra Pass"));
            patients.Add(await RegisterAsync(admin, "MRN-P2", "Sami Scan"));
            patients.Add(await RegisterAsync(admin, "MRN-P3", "Olu Once"));
            foreach (var s in new[] { "X-ray", "Bloods" }) await ChargeAsync(admin, patients[0], s, 10m);
            await ChargeAsync(admin, patients[1], "Plaster", 7.5m);
        }

        // Each start opens the patients and entries at its load; with a cache of 0 every read below opens them again the same way.
        async Task<(long Passes, List<string> Read)> StartAndReadAsync(int scanFrom)
        {
            File.Delete(new DataDirectory(folder.Combine("data")).EntrySummaryCachePath); // every entry opened at the load, none from kept summaries
            var before = RecordOpener.Passes;
            await using var node = await NodeFixture.StartAsync(folder, configure: o => o with { ScanCiphertextsFrom = scanFrom, EntryCacheEntries = 0 });
            var passes = RecordOpener.Passes - before;
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            var read = new List<string> { await admin.GetStringAsync("/api/v1/patients?pageSize=50", Ct) };
            foreach (var id in patients) read.Add(string.Join("|", await ServicesAsync(admin, id)));
            return (passes, read);
        }

        var byLookup = await StartAndReadAsync(int.MaxValue);
        var byPass = await StartAndReadAsync(1);
        Assert.Equal(0, byLookup.Passes);
        Assert.True(byPass.Passes >= 2, $"{byPass.Passes} passes"); // patients and entries each found by a pass over the store
        Assert.Equal(byLookup.Read, byPass.Read);
        Assert.Equal(["X-ray|Bloods", "Plaster", ""], byPass.Read.Skip(1));
        foreach (var name in new[] { "Petra Pass", "Sami Scan", "Olu Once" }) Assert.Contains(name, byPass.Read[0]);
    }
}
