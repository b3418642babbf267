using System.Net.Http.Json;
using HealthLedger.Core.Records;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Records;

/// <summary>
/// Issue 17: the organisation's opened category keys are kept across restarts in a sealed file beside the keystore
/// (<see cref="CategoryKeyCache"/>), so that a start does not redo one X25519 agreement per patient and category. The file is
/// only a cache: a damaged one, or one of another organisation, is ignored and rebuilt, and a kept key is used only while
/// the chain still holds the envelope it was opened from.
/// </summary>
public class CategoryKeyCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts a network in <paramref name="folder"/>, registers two patients with an entry and a charge each, stops it.</summary>
    private static async Task<(string[] Patients, string[] Entries)> MakeNetworkAsync(TempDirectory folder, string prefix)
    {
        await using var node = await NodeFixture.StartAsync(folder);
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        (await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = $"dr-{prefix}", name = "Bea B", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct)).EnsureSuccessStatusCode();
        var ids = new List<string>();
        for (var i = 1; i <= 2; i++)
        {
            using var registered = await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = $"MRN-{prefix}{i}", fullName = $"Pat {prefix}{i}", dateOfBirth = "1970-01-01", gender = "female" }, Ct);
            registered.EnsureSuccessStatusCode();
            var id = (await registered.Content.ReadFromJsonAsync<WriteResponse>(Ct))!.Id;
            ids.Add(id);
            (await admin.PostAsJsonAsync($"/api/v1/patients/{id}/entries", new { type = "admission", occurredAt = "2026-01-02T10:00", doctorId = $"dr-{prefix}", ward = "W", bed = $"{i}", reason = "Fever" }, Ct)).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync($"/api/v1/patients/{id}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Bed", quantity = 1, unitPrice = 100 }, Ct)).EnsureSuccessStatusCode();
        }
        var entries = await ReadEntriesAsync(admin, ids);
        await node.StopAsync();
        // Without the entries' kept summaries, so that the next start's load opens every record (and needs every key).
        File.Delete(new DataDirectory(folder.Combine("data")).EntrySummaryCachePath);
        return ([.. ids], entries);
    }

    private static async Task<string[]> ReadEntriesAsync(HttpClient admin, IEnumerable<string> patients)
    {
        var read = new List<string>();
        foreach (var id in patients) read.Add(await admin.GetStringAsync($"/api/v1/patients/{id}/entries", Ct));
        return [.. read];
    }

    private static string CachePath(TempDirectory folder) => new DataDirectory(folder.Combine("data")).CategoryKeyCachePath;

    // A keyring of the running node's organisation over another cache file (as a start would read it).
    private static CategoryKeyring Keyring(IServiceProvider services, CategoryKeyCache cache) =>
        new(services.GetRequiredService<LedgerNode>(), services.GetRequiredService<OrganisationKeys>(), services.GetRequiredService<AccessPolicy>(), TimeProvider.System, cache);

    [Fact]
    public async Task A_restart_opens_no_envelope_for_the_keys_kept_in_the_cache_and_reads_the_same_records()
    {
        using var folder = new TempDirectory();
        var (patients, entries) = await MakeNetworkAsync(folder, "a");
        Assert.True(File.Exists(CachePath(folder)));
        var onDisk = await File.ReadAllBytesAsync(CachePath(folder), Ct);

        await using var again = await NodeFixture.StartAsync(folder);
        var keyring = again.App.Services.GetRequiredService<CategoryKeyring>();
        Assert.Equal(CategoryKeyCache.LoadResult.Loaded, keyring.CacheLoad);
        Assert.Equal(0, keyring.Agreements); // the whole read model loaded without one X25519 agreement
        Assert.True(keyring.KeysFromCache >= 4, $"{keyring.KeysFromCache} keys came from the cache"); // demographics, encounters, account of 2 patients
        Assert.Equal(entries, await ReadEntriesAsync(await again.LoginAsync("admin", NodeFixture.Password), patients));
        Assert.Equal(0, keyring.Agreements);
        Assert.Equal(onDisk, await File.ReadAllBytesAsync(CachePath(folder), Ct)); // nothing new opened: not rewritten
        // No key in clear in the file: none of the organisation's keys in memory appears in its bytes.
        foreach (var patient in patients)
        {
            var key = keyring.OpenCategoryKey(patient, ConsentCategories.Encounters, 1, again.App.Services.GetRequiredService<OrganisationKeys>().Keys.Encryption)!;
            Assert.False(onDisk.AsSpan().IndexOf(key) >= 0);
        }
    }

    [Fact]
    public async Task A_corrupted_cache_is_ignored_and_rebuilt_and_the_node_reads_the_same_records()
    {
        using var folder = new TempDirectory();
        var (patients, entries) = await MakeNetworkAsync(folder, "c");
        var bytes = await File.ReadAllBytesAsync(CachePath(folder), Ct);
        bytes[bytes.Length / 2] ^= 0x40; // one bit inside the sealed keys
        await File.WriteAllBytesAsync(CachePath(folder), bytes, Ct);

        await using (var damaged = await NodeFixture.StartAsync(folder))
        {
            var keyring = damaged.App.Services.GetRequiredService<CategoryKeyring>();
            Assert.Equal(CategoryKeyCache.LoadResult.Rejected, keyring.CacheLoad);
            Assert.Equal(0, keyring.KeysFromCache);
            Assert.True(keyring.Agreements >= 4, $"{keyring.Agreements} agreements");
            Assert.Equal(entries, await ReadEntriesAsync(await damaged.LoginAsync("admin", NodeFixture.Password), patients));
            Assert.NotEqual(bytes, await File.ReadAllBytesAsync(CachePath(folder), Ct)); // rebuilt at the end of the start-up load
            await damaged.StopAsync();
        }

        await using var rebuilt = await NodeFixture.StartAsync(folder);
        var again = rebuilt.App.Services.GetRequiredService<CategoryKeyring>();
        Assert.Equal(CategoryKeyCache.LoadResult.Loaded, again.CacheLoad);
        Assert.Equal(0, again.Agreements);
    }

    [Fact]
    public async Task A_truncated_cache_is_ignored()
    {
        using var folder = new TempDirectory();
        var (patients, entries) = await MakeNetworkAsync(folder, "t");
        var bytes = await File.ReadAllBytesAsync(CachePath(folder), Ct);
        await File.WriteAllBytesAsync(CachePath(folder), bytes[..^1], Ct);

        await using var node = await NodeFixture.StartAsync(folder);
        var keyring = node.App.Services.GetRequiredService<CategoryKeyring>();
        Assert.Equal(CategoryKeyCache.LoadResult.Rejected, keyring.CacheLoad);
        Assert.True(keyring.Agreements >= 4);
        Assert.Equal(entries, await ReadEntriesAsync(await node.LoginAsync("admin", NodeFixture.Password), patients));
    }

    [Fact]
    public async Task A_cache_of_another_organisation_is_rejected()
    {
        using var mine = new TempDirectory();
        using var other = new TempDirectory();
        var (patients, entries) = await MakeNetworkAsync(mine, "m");
        await MakeNetworkAsync(other, "o");
        File.Copy(CachePath(other), CachePath(mine), overwrite: true);

        await using var node = await NodeFixture.StartAsync(mine);
        var keyring = node.App.Services.GetRequiredService<CategoryKeyring>();
        Assert.Equal(CategoryKeyCache.LoadResult.Rejected, keyring.CacheLoad);
        Assert.Equal(0, keyring.KeysFromCache);
        Assert.Equal(entries, await ReadEntriesAsync(await node.LoginAsync("admin", NodeFixture.Password), patients));
    }

    [Fact]
    public async Task A_kept_key_is_used_only_while_the_chain_holds_the_envelope_it_was_opened_from()
    {
        using var folder = new TempDirectory();
        var (patients, _) = await MakeNetworkAsync(folder, "e");
        await using var node = await NodeFixture.StartAsync(folder);
        var services = node.App.Services;
        var organisation = services.GetRequiredService<OrganisationKeys>();
        var running = services.GetRequiredService<CategoryKeyring>();
        var real = running.OpenCategoryKey(patients[0], ConsentCategories.Encounters, 1, organisation.Keys.Encryption)!.ToArray();
        var file = CachePath(folder);
        var scratch = new CategoryKeyCache(Path.Combine(folder.Path, "scratch.sealed"));
        CategoryKeyring Fresh() => Keyring(services, scratch);

        // The file as written: the key comes from it, no agreement.
        File.Copy(file, scratch.Path!, overwrite: true);
        var fromFile = Fresh();
        Assert.Equal(real, fromFile.OpenCategoryKey(patients[0], ConsentCategories.Encounters, 1, organisation.Keys.Encryption));
        Assert.Equal((0L, 1L), (fromFile.Agreements, fromFile.KeysFromCache));

        // The same file, but each kept key named for another envelope (and a wrong key): ignored, the envelope on the chain is opened.
        var entries = scratch.Load(organisation, out var loaded);
        Assert.Equal(CategoryKeyCache.LoadResult.Loaded, loaded);
        scratch.Save(organisation, [.. entries.Select(e => e with { Envelope = Core.Crypto.Hashing.Sha256(e.Envelope.ToArray()), Key = new byte[32] })]);
        var stale = Fresh();
        Assert.Equal(CategoryKeyCache.LoadResult.Loaded, stale.CacheLoad);
        Assert.Equal(real, stale.OpenCategoryKey(patients[0], ConsentCategories.Encounters, 1, organisation.Keys.Encryption));
        Assert.Equal((1L, 0L), (stale.Agreements, stale.KeysFromCache));

        // An epoch the chain does not hold is not served from the file, whatever it says.
        Assert.Null(stale.OpenCategoryKey(patients[0], ConsentCategories.Encounters, 2, organisation.Keys.Encryption));
    }

    // Issue 17 (2026-12-06): writing the file read the chain's state of every key of the file not used yet (~3 s at 100,000
    // patients, in each start after a crash). They are written again as they were read, and still checked when used.
    [Fact]
    public async Task Keys_of_the_file_not_used_yet_are_written_again_as_they_were_and_checked_only_when_used()
    {
        using var folder = new TempDirectory();
        var (patients, _) = await MakeNetworkAsync(folder, "g");
        await using var node = await NodeFixture.StartAsync(folder);
        var services = node.App.Services;
        var organisation = services.GetRequiredService<OrganisationKeys>();
        var scratch = new CategoryKeyCache(Path.Combine(folder.Path, "scratch.sealed"));
        CategoryKeyring Fresh() => Keyring(services, scratch);
        File.Copy(CachePath(folder), scratch.Path!, overwrite: true);
        var entries = scratch.Load(organisation, out _);
        Assert.True(entries.Count >= 3, $"{entries.Count} keys kept");
        // The first two named for another envelope (as if the chain's had changed since they were opened), with a wrong key.
        var changed = entries.Take(2).Select(e => e with { Envelope = Core.Crypto.Hashing.Sha256(e.Envelope.ToArray()), Key = new byte[32] }).ToList();
        scratch.Save(organisation, [.. changed, .. entries.Skip(2)]);

        // The first is used: opened from the chain (the file is then written again); the others are not used.
        var first = Fresh();
        var real = first.OpenCategoryKey(changed[0].PatientId, changed[0].Category, changed[0].Epoch, organisation.Keys.Encryption)!.ToArray();
        Assert.Equal((1L, 0L), (first.Agreements, first.KeysFromCache));
        first.SaveCache();
        var written = scratch.Load(organisation, out var result);
        Assert.Equal(CategoryKeyCache.LoadResult.Loaded, result);
        var opened = Assert.Single(written, e => (e.PatientId, e.Category, e.Epoch) == (changed[0].PatientId, changed[0].Category, changed[0].Epoch));
        Assert.Equal(entries[0].Envelope, opened.Envelope);
        Assert.Equal(real, opened.Key);
        static List<CategoryKeyCache.Entry> Ordered(IEnumerable<CategoryKeyCache.Entry> list) =>
            [.. list.OrderBy(e => e.PatientId, StringComparer.Ordinal).ThenBy(e => e.Category).ThenBy(e => e.Epoch)];
        Assert.Equal(Ordered([.. changed.Skip(1), .. entries.Skip(2)]), Ordered(written.Where(e => e != opened)), new EntryComparer());

        // The second, carried as it was, is still not used: its envelope is not the chain's.
        var second = Fresh();
        var key = second.OpenCategoryKey(changed[1].PatientId, changed[1].Category, changed[1].Epoch, organisation.Keys.Encryption)!;
        Assert.Equal((1L, 0L), (second.Agreements, second.KeysFromCache));
        Assert.Equal(entries[1].Key, key);
        Assert.NotEqual(new byte[32], key);
        Assert.Contains(patients[0], written.Select(e => e.PatientId));
    }

    private sealed class EntryComparer : IEqualityComparer<CategoryKeyCache.Entry>
    {
        public bool Equals(CategoryKeyCache.Entry x, CategoryKeyCache.Entry y) =>
            (x.PatientId, x.Category, x.Epoch, x.Envelope) == (y.PatientId, y.Category, y.Epoch, y.Envelope) && x.Key.AsSpan().SequenceEqual(y.Key);

        public int GetHashCode(CategoryKeyCache.Entry obj) => HashCode.Combine(obj.PatientId, obj.Category, obj.Epoch);
    }
}

