using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Consent;

/// <summary>
/// Issue 13 item 6 through the node: records are sealed under the patient's category keys; a grant carries one key per
/// category epoch whatever the number of records; revocation rotates the key for later records; the organisation reads
/// with the category keys it opens once.
/// </summary>
public class CategoryKeyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly object VitalSigns = new { takenAt = "2026-01-02T11:30", temperatureCelsius = 37.0m, heartRate = 80, systolicMmHg = 118, diastolicMmHg = 76, respiratoryRate = 16, oxygenSaturation = 97, notes = "" };

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Grantee, HttpClient Patient, string PatientId) : IAsyncDisposable
    {
        public LedgerNode Ledger => Node.App.Services.GetRequiredService<LedgerNode>();

        public ValueTask DisposeAsync() => Node.DisposeAsync();

        public async Task<WriteResponse> GrantAsync(params string[] categories) =>
            await Read<WriteResponse>(await Patient.PostAsJsonAsync($"/api/v1/patients/{PatientId}/grants", new { granteeKind = "doctor", granteeId = "dr-g", categories }, Ct));

        public async Task RecordVitalSignsAsync(int count, int parallel = 1)
        {
            using var gate = new SemaphoreSlim(parallel);
            await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                await gate.WaitAsync(Ct);
                try
                {
                    using var response = await Admin.PostAsJsonAsync($"/api/v1/patients/{PatientId}/vital-signs", VitalSigns, Ct);
                    Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        public async Task<(HttpStatusCode Status, int Count)> VitalSignsAsync(HttpClient client)
        {
            using var response = await client.GetAsync($"/api/v1/patients/{PatientId}/vital-signs", Ct);
            if (!response.IsSuccessStatusCode) return (response.StatusCode, 0);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<List<System.Text.Json.JsonElement>>(Ct))!.Count);
        }

        public GrantAccessPayload GrantTransaction(WriteResponse written)
        {
            var id = Hash256.Parse(written.TransactionId);
            var stored = Ledger.Store.ReadBlock(written.Height)!.Transactions.Single(t => new Hash256(t.Id) == id);
            Assert.True(Core.Transactions.Transaction.TryDecode(stored.Body, 1 << 20, out var tx).IsOk);
            return Assert.IsType<GrantAccessPayload>(tx!.Payload);
        }

        /// <summary>The admin's session, for submitting through the record writer directly.</summary>
        public Security.UserSession AdminSession =>
            Node.App.Services.GetRequiredService<Security.SessionStore>().Find(Admin.DefaultRequestHeaders.Authorization!.Parameter)!;

        /// <summary>A charge sealed now under the patient's account key, as the record writer's seal callback makes it.</summary>
        public (Core.Transactions.TxPayload Payload, IReadOnlyDictionary<Hash256, byte[]> Blobs) SealCharge(string id)
        {
            var charge = new HealthLedger.Node.Encounters.EntryDetails { OccurredAt = DateTimeOffset.UtcNow, Service = "Consultation", Quantity = 1, UnitPrice = 40 };
            var (reference, ciphertext) = Node.App.Services.GetRequiredService<CategoryKeyring>().Seal(PatientId, ConsentCategories.Account, id, 1, charge);
            return (new AddEntryPayload(id, PatientId, EntryType.Charge, "", "", reference, Hash256.Zero), RecordWriter.Blobs(reference, ciphertext));
        }

        public CategoryKeyState Epoch(ConsentCategories category, int epoch) =>
            CategoryKeyState.TryDecode(Ledger.GetState(CategoryKeyState.Key(PatientId, category, epoch))!)!;

        public int CurrentEpoch(ConsentCategories category) =>
            CategoryKeyState.CurrentEpoch(Node.App.Services.GetRequiredService<AccessPolicy>().State, PatientId, category);
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var g = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-g", name = "Gus G", specialty = "Cardiology", department = "Heart", licenceNumber = "L2" }, Ct));
        var p = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-K1", fullName = "Kim Key", dateOfBirth = "1970-01-01", gender = "female" }, Ct));
        return new World(node, admin, await node.FirstLoginAsync("dr-g", g.OneTimePassword!), await node.FirstLoginAsync(p.Id, p.OneTimePassword!), p.Id);
    }

    [Fact]
    public async Task A_grant_over_1000_records_carries_one_key_per_category_and_the_grantee_reads_all_of_them()
    {
        await using var w = await SetUpAsync();
        await w.RecordVitalSignsAsync(1000, parallel: 16);
        // Written concurrently, they share one key epoch (writers racing to open it carry the same announcement).
        Assert.Equal(1, w.CurrentEpoch(ConsentCategories.Encounters));

        var clock = Stopwatch.StartNew();
        var written = await w.GrantAsync("encounters", "demographics");
        TestContext.Current.TestOutputHelper?.WriteLine($"grant over 1000 records: {clock.ElapsedMilliseconds} ms");
        var grant = w.GrantTransaction(written);
        Assert.Empty(grant.Keys);
        Assert.Equal([(ConsentCategories.Demographics, 1), (ConsentCategories.Encounters, 1)], grant.CategoryKeys.Select(k => (k.Category, k.Epoch)).Order());

        Assert.Equal((HttpStatusCode.OK, 1000), await w.VitalSignsAsync(w.Grantee));
        Assert.NotNull(w.Epoch(ConsentCategories.Encounters, 1).Reader(KeyReaderKind.Doctor, "dr-g"));
        // The organisation opened each category key once, not each record's envelope.
        Assert.InRange(w.Node.App.Services.GetRequiredService<CategoryKeyring>().CachedKeys, 1, 4);
    }

    [Fact]
    public async Task A_record_sealed_under_the_key_a_revocation_retired_is_refused_once_and_sealed_again_under_the_new_key()
    {
        await using var w = await SetUpAsync();
        var services = w.Node.App.Services;
        var writer = services.GetRequiredService<RecordWriter>();
        var admin = w.AdminSession;
        using (var first = await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Consultation", quantity = 1, unitPrice = 40 }, Ct))
        {
            first.EnsureSuccessStatusCode();
        }
        var grant = await w.GrantAsync("account");
        // Two charges sealed while dr-g reads the account (epoch 1), then the revocation commits before they are submitted:
        // what a write racing a revocation meets.
        var (idA, idB) = (RecordIds.New("en"), RecordIds.New("en"));
        var (staleA, staleB) = (w.SealCharge(idA), w.SealCharge(idB));
        using (var revoked = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/{grant.Id}", Ct)) revoked.EnsureSuccessStatusCode();

        var once = await writer.SubmitAsync(admin, staleA.Item1, staleA.Item2, idA, Ct);
        Assert.Equal(OutcomeKind.Conflict, once.Kind);

        var seals = 0;
        var again = await writer.SubmitSealedAsync(admin, () => ++seals == 1 ? staleB : w.SealCharge(idB), idB, Ct);
        Assert.True(again.IsOk, again.Message);
        Assert.Equal(2, seals);
        Assert.NotNull(services.GetRequiredService<HealthLedger.Node.Encounters.EntryStore>().Entry(idB));
        Assert.Equal(2, w.CurrentEpoch(ConsentCategories.Account));
        Assert.Null(w.Epoch(ConsentCategories.Account, 2).Reader(KeyReaderKind.Doctor, "dr-g"));
    }

    [Fact]
    public async Task A_record_opening_a_key_epoch_for_a_grantee_revoked_before_it_is_ordered_is_sealed_again_without_them()
    {
        await using var w = await SetUpAsync();
        var services = w.Node.App.Services;
        var writer = services.GetRequiredService<RecordWriter>();
        var admin = w.AdminSession;
        // dr-g is granted the account before it has a key: the first charge opens epoch 1 with dr-g among its readers.
        var grant = await w.GrantAsync("account");
        Assert.Equal(0, w.CurrentEpoch(ConsentCategories.Account));
        // Sealed while dr-g is a grantee; the revocation commits before they are submitted (the benchmark's grant and
        // revoke racing a lab report: 239 of ~30,000 operations refused "doctor may not read the patient's Reports records").
        var (idA, idB) = (RecordIds.New("en"), RecordIds.New("en"));
        var (staleA, staleB) = (w.SealCharge(idA), w.SealCharge(idB));
        using (var revoked = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/{grant.Id}", Ct)) revoked.EnsureSuccessStatusCode();

        var once = await writer.SubmitAsync(admin, staleA.Item1, staleA.Item2, idA, Ct);
        Assert.False(once.IsOk);
        Assert.Contains("doctor 'dr-g' may not read the patient's", once.Message, StringComparison.Ordinal);
        Assert.Equal(0, w.CurrentEpoch(ConsentCategories.Account));

        var seals = 0;
        var again = await writer.SubmitSealedAsync(admin, () => ++seals == 1 ? staleB : w.SealCharge(idB), idB, Ct);
        Assert.True(again.IsOk, again.Message);
        Assert.Equal(2, seals);
        Assert.NotNull(services.GetRequiredService<HealthLedger.Node.Encounters.EntryStore>().Entry(idB));
        Assert.Equal(1, w.CurrentEpoch(ConsentCategories.Account));
        Assert.Null(w.Epoch(ConsentCategories.Account, 1).Reader(KeyReaderKind.Doctor, "dr-g"));
    }

    [Fact]
    public async Task Revocation_rotates_the_category_key_for_later_records_which_the_revoked_grantee_cannot_open_and_is_refused()
    {
        await using var w = await SetUpAsync();
        await w.RecordVitalSignsAsync(3);
        var written = await w.GrantAsync("encounters");
        Assert.Equal((HttpStatusCode.OK, 3), await w.VitalSignsAsync(w.Grantee));
        using (var revoked = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/{written.Id}", Ct)) revoked.EnsureSuccessStatusCode();

        await w.RecordVitalSignsAsync(1);
        Assert.Equal(2, w.CurrentEpoch(ConsentCategories.Encounters));
        var rotated = w.Epoch(ConsentCategories.Encounters, 2);
        Assert.Null(rotated.Reader(KeyReaderKind.Doctor, "dr-g"));
        Assert.NotNull(rotated.Reader(KeyReaderKind.Patient, w.PatientId));
        Assert.NotNull(rotated.Reader(KeyReaderKind.Organisation, "fixture-hospital"));
        Assert.NotNull(w.Epoch(ConsentCategories.Encounters, 1).Reader(KeyReaderKind.Doctor, "dr-g")); // the old epoch: what they had, they keep
        Assert.Equal(HttpStatusCode.Forbidden, (await w.VitalSignsAsync(w.Grantee)).Status);
        Assert.Equal((HttpStatusCode.OK, 4), await w.VitalSignsAsync(w.Admin));
        Assert.Equal((HttpStatusCode.OK, 4), await w.VitalSignsAsync(w.Patient));

        // Epoch 2 carries epoch 1's key sealed under it (the key chain): a new grant carries epoch 2's key alone, and the
        // grantee opens the three records of epoch 1 through the chain.
        Assert.NotNull(rotated.PreviousKey);
        var again = w.GrantTransaction(await w.GrantAsync("encounters"));
        Assert.Empty(again.Keys);
        Assert.Equal([2], again.CategoryKeys.Select(k => k.Epoch));
        Assert.Equal((HttpStatusCode.OK, 4), await w.VitalSignsAsync(w.Grantee));
    }

    [Fact]
    public async Task After_many_revocations_a_grant_carries_one_key_per_category_and_the_grantee_opens_every_earlier_epoch_down_the_key_chain()
    {
        await using var w = await SetUpAsync();
        const int Revocations = 6;
        for (var i = 0; i < Revocations; i++)
        {
            await w.RecordVitalSignsAsync(1);
            var granted = await w.GrantAsync("encounters");
            // Each grant carries the epoch it finds current, however many came before.
            Assert.Equal([i + 1], w.GrantTransaction(granted).CategoryKeys.Select(k => k.Epoch));
            using var revoked = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/{granted.Id}", Ct);
            revoked.EnsureSuccessStatusCode();
        }
        await w.RecordVitalSignsAsync(1);
        Assert.Equal(Revocations + 1, w.CurrentEpoch(ConsentCategories.Encounters));
        Assert.All(Enumerable.Range(2, Revocations), e => Assert.NotNull(w.Epoch(ConsentCategories.Encounters, e).PreviousKey));
        Assert.Equal(HttpStatusCode.Forbidden, (await w.VitalSignsAsync(w.Grantee)).Status);

        var grant = w.GrantTransaction(await w.GrantAsync("encounters", "demographics"));
        Assert.Equal([(ConsentCategories.Demographics, 1), (ConsentCategories.Encounters, Revocations + 1)], grant.CategoryKeys.Select(k => (k.Category, k.Epoch)).Order());
        Assert.Equal((HttpStatusCode.OK, Revocations + 1), await w.VitalSignsAsync(w.Grantee));
        // Each link was checked once, by the grant that first relied on it: the chain is known sound from the current epoch down.
        Assert.True(w.Node.App.Services.GetRequiredService<CategoryKeyring>().ChainSoundFrom(w.PatientId, ConsentCategories.Encounters, Revocations + 1));

        // Every grant stays in the state as history; the node reads a patient's grantees through the current-grant keys.
        var policy = w.Node.App.Services.GetRequiredService<AccessPolicy>();
        Assert.Equal(Revocations + 1, w.Ledger.ScanState($"grant/{w.PatientId}/").Count);
        Assert.Equal(grant.GrantId, Assert.Single(policy.CurrentGrants(w.PatientId)).Id);
        Assert.Equal("dr-g", Assert.Single(policy.Grantees(w.PatientId, ConsentCategories.Encounters)).Id);
    }

    [Fact]
    public async Task A_false_link_written_by_the_opener_of_an_epoch_is_not_trusted_by_a_grant_which_wraps_the_epoch_below_itself()
    {
        await using var w = await SetUpAsync();
        var services = w.Node.App.Services;
        var keyring = services.GetRequiredService<CategoryKeyring>();
        var writer = services.GetRequiredService<RecordWriter>();
        var admin = services.GetRequiredService<Security.SessionStore>().Find(w.Admin.DefaultRequestHeaders.Authorization!.Parameter)!;
        for (var i = 0; i < 2; i++)
        {
            using var charged = await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Consultation", quantity = 1, unitPrice = 40 }, Ct);
            charged.EnsureSuccessStatusCode();
        }
        var first = await w.GrantAsync("account");
        using (var revoked = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/{first.Id}", Ct)) revoked.EnsureSuccessStatusCode();

        // The next charge opens epoch 2; its writer (a Byzantine one) seals garbage as epoch 1's key: the state machine cannot tell.
        var id = RecordIds.New("en");
        var charge = new HealthLedger.Node.Encounters.EntryDetails { OccurredAt = DateTimeOffset.UtcNow, Service = "Consultation", Quantity = 1, UnitPrice = 40 };
        var (reference, ciphertext) = keyring.Seal(w.PatientId, ConsentCategories.Account, id, 1, charge);
        Assert.Equal(2, reference.KeyWrap!.Epoch);
        Assert.NotNull(reference.KeyWrap.PreviousKey);
        var forged = reference with { KeyWrap = reference.KeyWrap with { PreviousKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(reference.KeyWrap.PreviousKey!.Length) } };
        var written = await writer.SubmitAsync(admin, new AddEntryPayload(id, w.PatientId, EntryType.Charge, "", "", forged, Hash256.Zero), RecordWriter.Blobs(forged, ciphertext), id, Ct);
        Assert.True(written.IsOk, written.Message);
        Assert.NotNull(w.Epoch(ConsentCategories.Account, 2).PreviousKey);
        Assert.False(keyring.LinkHolds(w.PatientId, ConsentCategories.Account, 2));

        // The grant checks the link with the organisation's own keys and wraps epoch 1 as well: the grantee reads all three charges.
        var grant = w.GrantTransaction(await w.GrantAsync("account"));
        Assert.Equal([1, 2], grant.CategoryKeys.Select(k => k.Epoch).Order());
        using var account = await w.Grantee.GetAsync($"/api/v1/patients/{w.PatientId}/account", Ct);
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        var lines = (await account.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("lines");
        Assert.Equal(3, lines.GetArrayLength());
    }

    [Fact]
    public async Task A_grant_rewraps_the_data_key_of_each_version_sealed_before_its_category_had_a_key_and_of_no_other()
    {
        await using var w = await SetUpAsync();
        var services = w.Node.App.Services;
        var writer = services.GetRequiredService<RecordWriter>();
        var admin = services.GetRequiredService<Security.SessionStore>().Find(w.Admin.DefaultRequestHeaders.Authorization!.Parameter)!;

        // A charge sealed per reader (the organisation and the patient), as before the key hierarchy: the patient's account
        // category has no key yet, so the ledger takes it.
        var legacy = RecordIds.New("en");
        var charge = new HealthLedger.Node.Encounters.EntryDetails { OccurredAt = DateTimeOffset.UtcNow, Service = "Consultation", Quantity = 1, UnitPrice = 40 };
        var (reference, ciphertext) = RecordSealer.Seal(legacy, 1, charge,
            services.GetRequiredService<Security.OrganisationKeys>().EncryptionKey, services.GetRequiredService<AccessPolicy>().EncryptionKeyOf(w.PatientId));
        var written = await writer.SubmitAsync(admin, new AddEntryPayload(legacy, w.PatientId, EntryType.Charge, "", "", reference, Hash256.Zero), RecordWriter.Blobs(reference, ciphertext), legacy, Ct);
        Assert.True(written.IsOk, written.Message);
        // Two more through the API: under the account category key, which the first of them opens (epoch 1).
        for (var i = 0; i < 2; i++)
        {
            using var charged = await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Consultation", quantity = 1, unitPrice = 40 }, Ct);
            charged.EnsureSuccessStatusCode();
        }
        Assert.Equal(1, w.CurrentEpoch(ConsentCategories.Account));

        // Only the per-reader version is listed for re-wrapping (looked up, not found by walking the records).
        var readModel = services.GetRequiredService<RecordReadModel>();
        Assert.Equal([(legacy, 1)], readModel.DataKeyedVersions(w.PatientId, ConsentCategories.All).Select(v => (v.RecordId, v.Version)));
        Assert.Empty(readModel.DataKeyedVersions(w.PatientId, ConsentCategories.Encounters));

        // The grant carries its data key and the category key; the grantee reads all three charges.
        var grant = w.GrantTransaction(await w.GrantAsync("account"));
        Assert.Equal([(legacy, 1)], grant.Keys.Select(k => (k.RecordId, k.Version)));
        Assert.Equal([(ConsentCategories.Account, 1)], grant.CategoryKeys.Select(k => (k.Category, k.Epoch)));
        Assert.NotNull(w.Ledger.GetState($"keyfor/{legacy}/000001/dr-g"));
        using var account = await w.Grantee.GetAsync($"/api/v1/patients/{w.PatientId}/account", Ct);
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        Assert.Equal(3, (await account.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("lines").GetArrayLength());

        // After a clean stop the entries' heads come whole from the kept file (their state is not read): the per-reader version
        // is still known as one, its reference read from the world state.
        await w.Node.StopAsync();
        await using var again = await NodeFixture.StartAsync(w.Node.Folder);
        Assert.True(again.App.Services.GetRequiredService<HealthLedger.Node.Encounters.EntryStore>().KeptWholeAtStart);
        Assert.Equal([(legacy, 1)], again.App.Services.GetRequiredService<RecordReadModel>().DataKeyedVersions(w.PatientId, ConsentCategories.All)
            .Select(v => (v.RecordId, v.Version)));
    }

    [Fact]
    public async Task A_grant_that_commits_after_a_newer_epoch_opened_without_its_grantee_gets_them_into_the_next_epoch_whose_link_reaches_the_missed_one()
    {
        await using var w = await SetUpAsync();
        var services = w.Node.App.Services;
        var sessions = services.GetRequiredService<Security.SessionStore>();
        var patient = sessions.Find(w.Patient.DefaultRequestHeaders.Authorization!.Parameter)!;
        var grantee = sessions.Find(w.Grantee.DefaultRequestHeaders.Authorization!.Parameter)!.Keys.Encryption;
        var keyring = services.GetRequiredService<CategoryKeyring>();
        async Task ChargeAsync()
        {
            using var charged = await w.Admin.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Consultation", quantity = 1, unitPrice = 40 }, Ct);
            charged.EnsureSuccessStatusCode();
        }
        await ChargeAsync(); // epoch 1: the organisation and the patient

        // The patient's grant to dr-g is built now, for epoch 1 ...
        var (keys, categoryKeys) = services.GetRequiredService<HealthLedger.Node.Consent.ConsentService>().GrantKeys(patient, w.PatientId, ConsentCategories.Account, grantee.PublicKey);
        Assert.Equal([1], categoryKeys.Select(k => k.Epoch));
        // ... while another grant is revoked and the next charge opens epoch 2 without dr-g, who is no grantee yet.
        using (var other = await w.Admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-x", name = "Xan X", specialty = "Surgery", department = "Theatre", licenceNumber = "L3" }, Ct))
        {
            other.EnsureSuccessStatusCode();
        }
        var toOther = await Read<WriteResponse>(await w.Patient.PostAsJsonAsync($"/api/v1/patients/{w.PatientId}/grants", new { granteeKind = "doctor", granteeId = "dr-x", categories = new[] { "account" } }, Ct));
        using (var revoked = await w.Patient.DeleteAsync($"/api/v1/patients/{w.PatientId}/grants/{toOther.Id}", Ct)) revoked.EnsureSuccessStatusCode();
        await ChargeAsync();
        Assert.Equal(2, w.CurrentEpoch(ConsentCategories.Account));
        Assert.Null(w.Epoch(ConsentCategories.Account, 2).Reader(KeyReaderKind.Doctor, "dr-g"));

        // The grant commits then: dr-g reads epoch 1 only.
        var grantId = RecordIds.New("gr");
        var written = await services.GetRequiredService<RecordWriter>().SubmitAsync(patient,
            new GrantAccessPayload(grantId, w.PatientId, GranteeKind.Doctor, "dr-g", ConsentCategories.Account, 0, keys, categoryKeys), RecordWriter.NoBlobs, grantId, Ct);
        Assert.True(written.IsOk, written.Message);
        Assert.Null(keyring.OpenCategoryKey(w.PatientId, ConsentCategories.Account, 2, grantee));

        // The next record opens epoch 3 with dr-g among its readers, and its link reaches epoch 2 (the key dr-g missed).
        await ChargeAsync();
        Assert.Equal(3, w.CurrentEpoch(ConsentCategories.Account));
        Assert.NotNull(w.Epoch(ConsentCategories.Account, 3).Reader(KeyReaderKind.Doctor, "dr-g"));
        var organisation = services.GetRequiredService<Security.OrganisationKeys>().Keys.Encryption;
        for (var epoch = 1; epoch <= 3; epoch++)
        {
            var theirs = keyring.OpenCategoryKey(w.PatientId, ConsentCategories.Account, epoch, grantee);
            Assert.True(theirs is not null && theirs.AsSpan().SequenceEqual(keyring.OpenCategoryKey(w.PatientId, ConsentCategories.Account, epoch, organisation)), $"dr-g cannot open epoch {epoch}");
        }
    }

    [Fact]
    public async Task The_organisation_reads_its_patients_records_through_its_category_keys_after_a_restart()
    {
        await using var w = await SetUpAsync();
        await w.RecordVitalSignsAsync(5);
        await w.Node.StopAsync();
        await using var again = await NodeFixture.StartAsync(w.Node.Folder);
        var admin = await again.LoginAsync("admin", NodeFixture.Password);
        using var response = await admin.GetAsync($"/api/v1/patients/{w.PatientId}/vital-signs", Ct);
        Assert.Equal(5, (await Read<List<System.Text.Json.JsonElement>>(response)).Count);
        using var patient = await admin.GetAsync($"/api/v1/patients/{w.PatientId}", Ct);
        Assert.Equal(HttpStatusCode.OK, patient.StatusCode);
        Assert.Equal(2, again.App.Services.GetRequiredService<CategoryKeyring>().CachedKeys); // demographics and encounters, epoch 1
    }
}
