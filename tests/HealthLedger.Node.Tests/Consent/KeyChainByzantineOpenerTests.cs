using System.Net.Http.Json;
using System.Security.Cryptography;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Consent;

/// <summary>
/// The key chain against a Byzantine opener of an epoch, who chooses its link and every envelope of it (docs/architecture.md,
/// "Key hierarchy"): what a grantee can open with the keys a grant gave them, checked with
/// the grantee's own key pair through <see cref="CategoryKeyring"/> (the path a grantee's node uses across organisations,
/// <c>RecordReadModel.OpenGrantedTo</c>), not through the custodian's read model (which opens everything with its own key).
/// </summary>
public class KeyChainByzantineOpenerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(NodeFixture Node, HttpClient Admin, HttpClient Grantee, HttpClient Patient, string PatientId) : IAsyncDisposable
    {
        public IServiceProvider Services => Node.App.Services;
        public LedgerNode Ledger => Services.GetRequiredService<LedgerNode>();
        public CategoryKeyring Keyring => Services.GetRequiredService<CategoryKeyring>();
        public Security.UserSession Session(HttpClient client) => Services.GetRequiredService<Security.SessionStore>().Find(client.DefaultRequestHeaders.Authorization!.Parameter)!;
        public ValueTask DisposeAsync() => Node.DisposeAsync();

        public async Task<WriteResponse> GrantAsync(params string[] categories) => await GrantToAsync("dr-g", categories);

        public async Task<WriteResponse> GrantToAsync(string doctorId, params string[] categories) =>
            await ApiResponses.Read<WriteResponse>(await Patient.PostAsJsonAsync($"/api/v1/patients/{PatientId}/grants", new { granteeKind = "doctor", granteeId = doctorId, categories }, Ct));

        public async Task RevokeAsync(WriteResponse grant)
        {
            using var revoked = await Patient.DeleteAsync($"/api/v1/patients/{PatientId}/grants/{grant.Id}", Ct);
            revoked.EnsureSuccessStatusCode();
        }

        public async Task ChargeAsync()
        {
            using var charged = await Admin.PostAsJsonAsync($"/api/v1/patients/{PatientId}/account/charges", new { occurredAt = "2026-01-02T10:00", service = "Consultation", quantity = 1, unitPrice = 40 }, Ct);
            charged.EnsureSuccessStatusCode();
        }

        public GrantAccessPayload GrantTransaction(WriteResponse written)
        {
            var id = Hash256.Parse(written.TransactionId);
            var stored = Ledger.Store.ReadBlock(written.Height)!.Transactions.Single(t => new Hash256(t.Id) == id);
            Assert.True(Core.Transactions.Transaction.TryDecode(stored.Body, 1 << 20, out var tx).IsOk);
            return Assert.IsType<GrantAccessPayload>(tx!.Payload);
        }

        public int CurrentEpoch(ConsentCategories category) =>
            CategoryKeyState.CurrentEpoch(Services.GetRequiredService<AccessPolicy>().State, PatientId, category);
    }

    private static async Task<World> SetUpAsync()
    {
        var node = await NodeFixture.StartAsync();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var g = await ApiResponses.Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-g", name = "Gus G", specialty = "Cardiology", department = "Heart", licenceNumber = "L2" }, Ct));
        // Another doctor, whose grant and revocation rotate the key without dr-g ever holding the earlier epochs.
        await ApiResponses.Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-x", name = "Xena X", specialty = "Cardiology", department = "Heart", licenceNumber = "L3" }, Ct));
        var p = await ApiResponses.Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-K1", fullName = "Kim Key", dateOfBirth = "1970-01-01", gender = "female" }, Ct));
        return new World(node, admin, await node.FirstLoginAsync("dr-g", g.OneTimePassword!), await node.FirstLoginAsync(p.Id, p.OneTimePassword!), p.Id);
    }

    /// <summary>
    /// The writer that opens an epoch chooses every envelope of it. A Byzantine one gives the organisation the real key (its
    /// records and its link are sealed under it, so the custodian — and the patient, who reads through the custodian's node —
    /// see nothing wrong) and the patient an envelope holding another key. The grant checks the link with the organisation's
    /// keys (LinkHolds: true) and so skips the epoch below, but wraps for the grantee the key the patient's envelope holds —
    /// which does not open the link. Before the key chain the grant wrapped epoch 1 from the patient's own (honest) envelope:
    /// the grantee is now cut off from history written entirely by honest writers.
    /// </summary>
    [Fact]
    public async Task A_false_patient_envelope_in_the_current_epoch_does_not_cut_a_later_grantee_off_from_the_epochs_below()
    {
        await using var w = await SetUpAsync();
        var writer = w.Services.GetRequiredService<RecordWriter>();
        var admin = w.Session(w.Admin);
        var organisation = w.Services.GetRequiredService<Security.OrganisationKeys>();
        var patientKey = w.Services.GetRequiredService<AccessPolicy>().EncryptionKeyOf(w.PatientId);

        await w.ChargeAsync();
        await w.ChargeAsync(); // epoch 1, honest
        await w.RevokeAsync(await w.GrantToAsync("dr-x", "account")); // dr-g never held epoch 1

        // The next charge opens epoch 2: the link and the organisation's envelope are right, the patient's envelope is not.
        var id = RecordIds.New("en");
        var charge = new HealthLedger.Node.Encounters.EntryDetails { OccurredAt = DateTimeOffset.UtcNow, Service = "Consultation", Quantity = 1, UnitPrice = 40 };
        var (reference, ciphertext) = w.Keyring.Seal(w.PatientId, ConsentCategories.Account, id, 1, charge);
        Assert.Equal(2, reference.KeyWrap!.Epoch);
        Assert.NotNull(reference.KeyWrap.PreviousKey);
        var readers = reference.KeyWrap.NewEpoch.Select(r => r.Kind != KeyReaderKind.Patient ? r
            : r with { Envelope = CategoryKeyCrypto.WrapForReader(RandomNumberGenerator.GetBytes(32), patientKey, RandomNumberGenerator.GetBytes(32), w.PatientId, (byte)ConsentCategories.Account, 2) }).ToList();
        var forged = reference with { KeyWrap = reference.KeyWrap with { NewEpoch = readers } };
        var written = await writer.SubmitAsync(admin, new AddEntryPayload(id, w.PatientId, EntryType.Charge, "", "", forged, Hash256.Zero), RecordWriter.Blobs(forged, ciphertext), id, Ct);
        Assert.True(written.IsOk, written.Message);
        Assert.Equal(2, w.CurrentEpoch(ConsentCategories.Account));
        Assert.True(w.Keyring.LinkHolds(w.PatientId, ConsentCategories.Account, 2)); // the link is true for the organisation's keys

        var grant = w.GrantTransaction(await w.GrantAsync("account"));
        var grantee = w.Session(w.Grantee).Keys.Encryption;
        var organisationEpoch1 = w.Keyring.OpenCategoryKey(w.PatientId, ConsentCategories.Account, 1, organisation.Keys.Encryption);
        Assert.NotNull(organisationEpoch1);
        // The grantee must reach epoch 1 (two honest charges): by an envelope of its own or down a chain that opens.
        var granteeEpoch1 = w.Keyring.OpenCategoryKey(w.PatientId, ConsentCategories.Account, 1, grantee);
        Assert.True(granteeEpoch1 is not null && granteeEpoch1.AsSpan().SequenceEqual(organisationEpoch1),
            $"the grantee cannot open epoch 1 (the grant carried epochs [{string.Join(", ", grant.CategoryKeys.Select(k => k.Epoch))}])");
    }

    /// <summary>
    /// A false link that is well formed: a random key sealed under the new epoch's real key (AES-GCM opens, to the wrong key).
    /// The grant must see it does not open to epoch 1's key, wrap epoch 1 itself, and the grantee — who never held epoch 1 —
    /// opens it with the key the organisation holds.
    /// </summary>
    [Fact]
    public async Task A_well_formed_link_to_a_wrong_key_is_not_trusted_and_a_new_grantee_still_opens_the_epoch_below()
    {
        await using var w = await SetUpAsync();
        var writer = w.Services.GetRequiredService<RecordWriter>();
        var admin = w.Session(w.Admin);
        var organisation = w.Services.GetRequiredService<Security.OrganisationKeys>();
        await w.ChargeAsync();
        await w.RevokeAsync(await w.GrantToAsync("dr-x", "account"));

        var id = RecordIds.New("en");
        var charge = new HealthLedger.Node.Encounters.EntryDetails { OccurredAt = DateTimeOffset.UtcNow, Service = "Consultation", Quantity = 1, UnitPrice = 40 };
        var (reference, ciphertext) = w.Keyring.Seal(w.PatientId, ConsentCategories.Account, id, 1, charge);
        Assert.Equal(2, reference.KeyWrap!.Epoch);
        // The new epoch's key, as the organisation's envelope holds it (this test plays the opener, who knows it).
        var epoch2 = CategoryKeyCrypto.TryOpenForReader(reference.KeyWrap.NewEpoch.Single(r => r.Kind == KeyReaderKind.Organisation).Envelope,
            organisation.Keys.Encryption, w.PatientId, (byte)ConsentCategories.Account, 2, out var k2) ? k2 : throw new InvalidOperationException();
        var link = CategoryKeyCrypto.SealPreviousKey(epoch2, RandomNumberGenerator.GetBytes(12), RandomNumberGenerator.GetBytes(32), w.PatientId, (byte)ConsentCategories.Account, 2);
        var forged = reference with { KeyWrap = reference.KeyWrap with { PreviousKey = link } };
        var written = await writer.SubmitAsync(admin, new AddEntryPayload(id, w.PatientId, EntryType.Charge, "", "", forged, Hash256.Zero), RecordWriter.Blobs(forged, ciphertext), id, Ct);
        Assert.True(written.IsOk, written.Message);
        Assert.False(w.Keyring.LinkHolds(w.PatientId, ConsentCategories.Account, 2));

        var grant = w.GrantTransaction(await w.GrantAsync("account"));
        Assert.Equal([1, 2], grant.CategoryKeys.Select(k => k.Epoch).Order());
        var grantee = w.Session(w.Grantee).Keys.Encryption;
        var own = w.Keyring.OpenCategoryKey(w.PatientId, ConsentCategories.Account, 1, organisation.Keys.Encryption)!;
        var theirs = w.Keyring.OpenCategoryKey(w.PatientId, ConsentCategories.Account, 1, grantee);
        Assert.True(theirs is not null && theirs.AsSpan().SequenceEqual(own));
    }
}
