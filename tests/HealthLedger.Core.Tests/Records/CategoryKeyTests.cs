using System.Diagnostics;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Records;

/// <summary>
/// The key hierarchy on the state machine: per patient and category a category key wrapped once per reader, each record's
/// data key wrapped under it; a grant wraps one key per category epoch; revocation forces a new epoch for later records.
/// </summary>
public class CategoryKeyTests
{
    private const ulong T0 = 1_700_000_100_000;
    private const string Patient = "pt-kim";

    /// <summary>A hospital, a patient and two doctors; the writer's side of the key hierarchy (what a node does) in a few lines.</summary>
    private sealed class World : IDisposable
    {
        private readonly Dictionary<(ConsentCategories, int), byte[]> _categoryKeys = [];
        private int _seed = 1;
        private ulong _patientNonce;
        private ulong _otherNonce;

        public TestNetwork Net { get; } = new(T0 - 1000);
        public UserKeys PatientKeys { get; } = TestNetwork.KeysFor(Patient);
        public UserKeys Other { get; } = TestNetwork.KeysFor("dr-oth");
        public UserKeys Second { get; } = TestNetwork.KeysFor("dr-sec");

        /// <summary>Every record's data key, by record id (what the readers must recover).</summary>
        public Dictionary<string, byte[]> DataKeys { get; } = [];

        public World()
        {
            var org = Net.Organisation.Encryption.PublicKey;
            var receipts = Net.Append(T0, [
                Admin(new RegisterDoctorPayload("dr-oth", TestNetwork.OrgId, Other.Signing.PublicKey, Other.Encryption.PublicKey, Legacy(1, org))),
                Admin(new RegisterDoctorPayload("dr-sec", TestNetwork.OrgId, Second.Signing.PublicKey, Second.Encryption.PublicKey, Legacy(2, org))),
                Admin(new RegisterPatientPayload(Patient, TestNetwork.OrgId, Hash256.Zero, PatientKeys.Signing.PublicKey, PatientKeys.Encryption.PublicKey,
                    Sealed(Patient, 1, ConsentCategories.Demographics, NewEpoch(ConsentCategories.Demographics, 1, Custodian, Self)))),
            ]).Execution.Receipts;
            Assert.All(receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        }

        public (KeyReaderKind, string, EncryptionPublicKey) Custodian => (KeyReaderKind.Organisation, TestNetwork.OrgId, Net.Organisation.Encryption.PublicKey);

        public (KeyReaderKind, string, EncryptionPublicKey) Self => (KeyReaderKind.Patient, Patient, PatientKeys.Encryption.PublicKey);

        public (KeyReaderKind, string, EncryptionPublicKey) Doctor(UserKeys keys, string id) => (KeyReaderKind.Doctor, id, keys.Encryption.PublicKey);

        public byte[] Fresh(int length) => TestNetwork.Seed(_seed++ + 1000, length);

        public byte[] CategoryKey(ConsentCategories category, int epoch) => _categoryKeys[(category, epoch)];

        /// <summary>Makes the category key of a new epoch and wraps it for <paramref name="readers"/>.</summary>
        public IReadOnlyList<CategoryKeyReader> NewEpoch(ConsentCategories category, int epoch, params (KeyReaderKind Kind, string Id, EncryptionPublicKey Key)[] readers)
        {
            var key = Fresh(CategoryKeyCrypto.KeyLength);
            _categoryKeys[(category, epoch)] = key;
            return readers.Select(r => new CategoryKeyReader(r.Kind, r.Id, CategoryKeyCrypto.WrapForReader(key, r.Key, Fresh(32), Patient, (byte)category, epoch))).ToList();
        }

        /// <summary>A record of the patient sealed under the category key of <paramref name="epoch"/> (opening it with <paramref name="newEpoch"/>).</summary>
        public SealedRecordRef Sealed(string recordId, int version, ConsentCategories category, IReadOnlyList<CategoryKeyReader>? newEpoch = null, int? epoch = null)
        {
            var e = epoch ?? (newEpoch is null ? CategoryKeyState.CurrentEpoch(Net.State, Patient, category) : CategoryKeyState.CurrentEpoch(Net.State, Patient, category) + 1);
            var dataKey = Fresh(RecordCrypto.DataKeyLength);
            DataKeys[recordId] = dataKey;
            var wrapped = CategoryKeyCrypto.WrapDataKey(CategoryKey(category, e), Fresh(RecordCrypto.NonceLength), dataKey,
                CategoryKeyCrypto.DataKeyAad(Patient, (byte)category, e, recordId, version));
            return new SealedRecordRef(Hashing.Sha256(dataKey), 10, [], new CategoryKeyWrap(Patient, category, e, wrapped, newEpoch ?? []));
        }

        public SealedRecordRef Legacy(int n, params EncryptionPublicKey[] to) =>
            new(Hashing.Sha256(BitConverter.GetBytes(n)), 10, to.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)n, 32).ToArray(), [])).ToList());

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        public Transaction AsPatient(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, PatientKeys.Signing, ++_patientNonce, payload);

        public Transaction AsOther(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Other.Signing, ++_otherNonce, payload);

        public Receipt Run(ulong at, Transaction tx) => Assert.Single(Net.Append(at, [tx]).Execution.Receipts);

        public AddEntryPayload Entry(string id, EntryType type, SealedRecordRef record) => new(id, Patient, type, "", "", record);

        /// <summary>What a reader recovers of a record from the state alone: their envelope of its epoch, then the wrap.</summary>
        public byte[]? Open(string recordId, EncryptionKeyPair reader, KeyReaderKind kind, string readerId)
        {
            var entry = EntryState.TryDecode(Net.State.TryGet(StateKeys.Entry(recordId), out var b) ? b : [])!;
            var wrap = entry.Record.KeyWrap!;
            var epoch = CategoryKeyState.Get(Net.State, Patient, wrap.Category, wrap.Epoch)!;
            if (epoch.Reader(kind, readerId) is not { } mine) return null;
            if (!CategoryKeyCrypto.TryOpenForReader(mine.Envelope, reader, Patient, (byte)wrap.Category, wrap.Epoch, out var categoryKey)) return null;
            return CategoryKeyCrypto.TryUnwrapDataKey(categoryKey, wrap.WrappedKey, wrap.Aad(recordId, 1), out var dataKey) ? dataKey : null;
        }

        public void Dispose()
        {
            PatientKeys.Dispose();
            Other.Dispose();
            Second.Dispose();
            Net.Dispose();
        }
    }

    /// <summary>Adds <paramref name="count"/> entries alternating visits (encounters) and charges (account), opening each category's epoch 1.</summary>
    private static List<string> AddEntries(World w, int count, ulong at)
    {
        var ids = new List<string>();
        var batch = new List<Transaction>();
        for (var i = 0; i < count; i++)
        {
            var type = i % 2 == 0 ? EntryType.Visit : EntryType.Charge;
            var category = type.ConsentCategory();
            var id = $"en-{i:D5}";
            // The first record of each category opens its epoch 1 (in the same block as the later ones, in order).
            var opens = i < 2 ? w.NewEpoch(category, 1, w.Custodian, w.Self) : null;
            batch.Add(w.Admin(w.Entry(id, type, w.Sealed(id, 1, category, opens, epoch: 1))));
            ids.Add(id);
            if (batch.Count == 100 || i == count - 1)
            {
                Assert.All(w.Net.Append(at++, batch).Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
                batch.Clear();
            }
        }
        return ids;
    }

    [Fact]
    public void A_grant_over_1000_records_carries_one_wrap_per_category_and_the_grantee_reads_all_of_them()
    {
        using var w = new World();
        var ids = AddEntries(w, 1000, T0 + 10);

        // The patient's session: open each category key once, wrap it once for the grantee.
        var categories = ConsentCategories.Demographics | ConsentCategories.Encounters | ConsentCategories.Account;
        var keys = new List<GrantedCategoryKey>();
        foreach (var category in CategoryKeyState.Singles(categories))
        {
            var epoch = CategoryKeyState.Get(w.Net.State, Patient, category, CategoryKeyState.CurrentEpoch(w.Net.State, Patient, category))!;
            Assert.True(CategoryKeyCrypto.TryOpenForReader(epoch.Reader(KeyReaderKind.Patient, Patient)!.Envelope, w.PatientKeys.Encryption, Patient, (byte)category, epoch.Epoch, out var key));
            keys.Add(new GrantedCategoryKey(category, epoch.Epoch, CategoryKeyCrypto.WrapForReader(key, w.Other.Encryption.PublicKey, w.Fresh(32), Patient, (byte)category, epoch.Epoch)));
        }
        var grant = w.AsPatient(new GrantAccessPayload("gr-1", Patient, GranteeKind.Doctor, "dr-oth", categories, 0, [], keys));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 100, grant).Verdict);

        var decoded = Assert.IsType<GrantAccessPayload>(grant.Payload);
        Assert.Empty(decoded.Keys);                        // no per-record wrap
        Assert.Equal(3, decoded.CategoryKeys.Count);       // one per category, whatever the number of records
        Assert.True(grant.Encoded.Length < 600, $"{grant.Encoded.Length} bytes");

        foreach (var id in ids) Assert.Equal(w.DataKeys[id], w.Open(id, w.Other.Encryption, KeyReaderKind.Doctor, "dr-oth"));
        // A doctor without a grant holds no envelope: nothing opens.
        Assert.Null(w.Open(ids[0], w.Second.Encryption, KeyReaderKind.Doctor, "dr-sec"));
    }

    [Fact]
    public void The_custodian_organisation_opens_every_record_of_a_category_with_one_key_agreement()
    {
        using var w = new World();
        var ids = AddEntries(w, 20, T0 + 10);
        var epoch = CategoryKeyState.Get(w.Net.State, Patient, ConsentCategories.Encounters, 1)!;
        Assert.True(CategoryKeyCrypto.TryOpenForReader(epoch.Reader(KeyReaderKind.Organisation, TestNetwork.OrgId)!.Envelope, w.Net.Organisation.Encryption,
            Patient, (byte)ConsentCategories.Encounters, 1, out var categoryKey));
        foreach (var id in ids.Where((_, i) => i % 2 == 0))
        {
            var wrap = EntryState.TryDecode(w.Net.State.TryGet(StateKeys.Entry(id), out var b) ? b : [])!.Record.KeyWrap!;
            Assert.True(CategoryKeyCrypto.TryUnwrapDataKey(categoryKey, wrap.WrappedKey, wrap.Aad(id, 1), out var dataKey));
            Assert.Equal(w.DataKeys[id], dataKey);
            // Bound to its record: the same wrap does not open as another record, version, category or epoch.
            Assert.False(CategoryKeyCrypto.TryUnwrapDataKey(categoryKey, wrap.WrappedKey, wrap.Aad(id, 2), out _));
            Assert.False(CategoryKeyCrypto.TryUnwrapDataKey(categoryKey, wrap.WrappedKey, CategoryKeyCrypto.DataKeyAad(Patient, (byte)ConsentCategories.Account, 1, id, 1), out _));
            Assert.False(CategoryKeyCrypto.TryUnwrapDataKey(categoryKey, wrap.WrappedKey, CategoryKeyCrypto.DataKeyAad(Patient, (byte)ConsentCategories.Encounters, 2, id, 1), out _));
        }
    }

    [Fact]
    public void After_revocation_later_records_need_a_new_epoch_without_the_revoked_grantee_and_old_records_stay_as_they_were()
    {
        using var w = new World();
        AddEntries(w, 2, T0 + 10); // en-00000 visit, epoch 1 of encounters
        Assert.True(CategoryKeyCrypto.TryOpenForReader(CategoryKeyState.Get(w.Net.State, Patient, ConsentCategories.Encounters, 1)!.Reader(KeyReaderKind.Patient, Patient)!.Envelope,
            w.PatientKeys.Encryption, Patient, (byte)ConsentCategories.Encounters, 1, out var epoch1));
        var toOther = new GrantedCategoryKey(ConsentCategories.Encounters, 1, CategoryKeyCrypto.WrapForReader(epoch1, w.Other.Encryption.PublicKey, w.Fresh(32), Patient, (byte)ConsentCategories.Encounters, 1));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 20, w.AsPatient(new GrantAccessPayload("gr-1", Patient, GranteeKind.Doctor, "dr-oth", ConsentCategories.Encounters, 0, [], [toOther]))).Verdict);

        // While the grant holds, a new record under epoch 1 is fine and the grantee reads it.
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 21, w.Admin(w.Entry("en-during", EntryType.Visit, w.Sealed("en-during", 1, ConsentCategories.Encounters)))).Verdict);
        Assert.Equal(w.DataKeys["en-during"], w.Open("en-during", w.Other.Encryption, KeyReaderKind.Doctor, "dr-oth"));

        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 30, w.AsPatient(new RevokeAccessPayload("gr-1", Patient))).Verdict);

        // Epoch 1 still lists the revoked grantee: using it is refused, so is a new epoch that keeps them.
        var stale = w.Run(T0 + 31, w.Admin(w.Entry("en-after", EntryType.Visit, w.Sealed("en-after", 1, ConsentCategories.Encounters))));
        Assert.Equal(TxVerdict.Conflict, stale.Verdict);
        Assert.Contains("rotated", stale.Reason);
        var keeps = w.NewEpoch(ConsentCategories.Encounters, 2, w.Custodian, w.Self, w.Doctor(w.Other, "dr-oth"));
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 32, w.Admin(w.Entry("en-after", EntryType.Visit, w.Sealed("en-after", 1, ConsentCategories.Encounters, keeps)))).Verdict);

        // Epoch 2 for the remaining readers: accepted; the revoked grantee holds no envelope of it.
        var rotated = w.NewEpoch(ConsentCategories.Encounters, 2, w.Custodian, w.Self);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 33, w.Admin(w.Entry("en-after", EntryType.Visit, w.Sealed("en-after", 1, ConsentCategories.Encounters, rotated)))).Verdict);
        Assert.Equal(2, CategoryKeyState.CurrentEpoch(w.Net.State, Patient, ConsentCategories.Encounters));
        Assert.Null(w.Open("en-after", w.Other.Encryption, KeyReaderKind.Doctor, "dr-oth"));
        Assert.Equal(w.DataKeys["en-after"], w.Open("en-after", w.PatientKeys.Encryption, KeyReaderKind.Patient, Patient));
        // What the grantee held before revocation still opens (it cannot be un-read): the threat model says so.
        Assert.Equal(w.DataKeys["en-during"], w.Open("en-during", w.Other.Encryption, KeyReaderKind.Doctor, "dr-oth"));
        // And a record of the old epoch is refused from now on.
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 34, w.Admin(w.Entry("en-late", EntryType.Visit, w.Sealed("en-late", 1, ConsentCategories.Encounters, epoch: 1)))).Verdict);
    }

    [Fact]
    public void Writers_racing_to_open_an_epoch_with_the_same_announcement_both_succeed_and_a_different_one_is_refused()
    {
        using var w = new World();
        var opens = w.NewEpoch(ConsentCategories.Encounters, 1, w.Custodian, w.Self);
        var first = w.Admin(w.Entry("en-1", EntryType.Visit, w.Sealed("en-1", 1, ConsentCategories.Encounters, opens, epoch: 1)));
        var second = w.Admin(w.Entry("en-2", EntryType.Visit, w.Sealed("en-2", 1, ConsentCategories.Encounters, opens, epoch: 1)));
        Assert.All(w.Net.Append(T0 + 10, [first, second]).Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        Assert.Equal(1, CategoryKeyState.CurrentEpoch(w.Net.State, Patient, ConsentCategories.Encounters));
        Assert.Equal(w.DataKeys["en-2"], w.Open("en-2", w.Net.Organisation.Encryption, KeyReaderKind.Organisation, TestNetwork.OrgId));
        var other = w.NewEpoch(ConsentCategories.Encounters, 1, w.Custodian, w.Self);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 11, w.Admin(w.Entry("en-3", EntryType.Visit, w.Sealed("en-3", 1, ConsentCategories.Encounters, other, epoch: 1)))).Verdict);
    }

    [Fact]
    public void An_expired_grant_makes_the_epoch_stale_at_its_time_without_anyone_acting()
    {
        using var w = new World();
        AddEntries(w, 1, T0 + 10);
        var key = w.CategoryKey(ConsentCategories.Encounters, 1);
        var toOther = new GrantedCategoryKey(ConsentCategories.Encounters, 1, CategoryKeyCrypto.WrapForReader(key, w.Other.Encryption.PublicKey, w.Fresh(32), Patient, (byte)ConsentCategories.Encounters, 1));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 20, w.AsPatient(new GrantAccessPayload("gr-1", Patient, GranteeKind.Doctor, "dr-oth", ConsentCategories.Encounters, T0 + 100, [], [toOther]))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 99, w.Admin(w.Entry("en-1", EntryType.Visit, w.Sealed("en-1", 1, ConsentCategories.Encounters)))).Verdict);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 100, w.Admin(w.Entry("en-2", EntryType.Visit, w.Sealed("en-2", 1, ConsentCategories.Encounters)))).Verdict);
    }

    [Fact]
    public void The_state_machine_refuses_wraps_and_grants_it_can_tell_are_wrong()
    {
        using var w = new World();
        AddEntries(w, 2, T0 + 10);
        var enc = ConsentCategories.Encounters;

        // A record's wrap must name this patient and the record's category, and carry no envelopes beside it.
        var otherCategory = w.Sealed("en-x", 1, ConsentCategories.Account);
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 20, w.Admin(w.Entry("en-x", EntryType.Visit, otherCategory))).Verdict);
        var otherPatient = w.Sealed("en-x", 1, enc);
        otherPatient = otherPatient with { KeyWrap = otherPatient.KeyWrap! with { PatientId = "pt-nobody" } };
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 21, w.Admin(w.Entry("en-x", EntryType.Visit, otherPatient))).Verdict);
        var both = w.Sealed("en-x", 1, enc) with { Envelopes = [RecordCrypto.Wrap(new byte[32], w.Net.Organisation.Encryption.PublicKey, new byte[32], [])] };
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 22, w.Admin(w.Entry("en-x", EntryType.Visit, both))).Verdict);
        // An epoch must follow the current one and include the custodian; nobody without access may be a reader.
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 23, w.Admin(w.Entry("en-x", EntryType.Visit, w.Sealed("en-x", 1, enc, w.NewEpoch(enc, 3, w.Custodian, w.Self), epoch: 3)))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 24, w.Admin(w.Entry("en-x", EntryType.Visit, w.Sealed("en-x", 1, enc, w.NewEpoch(enc, 2, w.Self))))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 25, w.Admin(w.Entry("en-x", EntryType.Visit, w.Sealed("en-x", 1, enc, w.NewEpoch(enc, 2, w.Custodian, w.Self, w.Doctor(w.Second, "dr-sec")))))).Verdict);
        var wrongKey = (KeyReaderKind.Organisation, TestNetwork.OrgId, w.PatientKeys.Encryption.PublicKey);
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 26, w.Admin(w.Entry("en-x", EntryType.Visit, w.Sealed("en-x", 1, enc, w.NewEpoch(enc, 2, wrongKey, w.Self))))).Verdict);
        // Once the category has a key, per-reader envelopes are refused for its records (they would bypass rotation).
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 27, w.Admin(w.Entry("en-x", EntryType.Visit, w.Legacy(9, w.Net.Organisation.Encryption.PublicKey, w.PatientKeys.Encryption.PublicKey)))).Verdict);
        // Records that are not a patient's are never under a category key.
        var doctorRecord = w.Sealed("dr-new", 1, enc);
        using var newDoctor = TestNetwork.KeysFor("dr-new");
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 28, w.Admin(new RegisterDoctorPayload("dr-new", TestNetwork.OrgId, newDoctor.Signing.PublicKey, newDoctor.Encryption.PublicKey, doctorRecord))).Verdict);

        // A grant's category key: for the grantee, of an epoch that exists, of a category the grant covers, once.
        var key = w.CategoryKey(enc, 1);
        GrantedCategoryKey For(EncryptionPublicKey to, int epoch = 1, ConsentCategories category = ConsentCategories.Encounters) =>
            new(category, epoch, CategoryKeyCrypto.WrapForReader(key, to, w.Fresh(32), Patient, (byte)category, epoch));
        GrantAccessPayload Grant(params GrantedCategoryKey[] keys) => new("gr-1", Patient, GranteeKind.Doctor, "dr-oth", enc, 0, [], keys);
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 30, w.AsPatient(Grant(For(w.Second.Encryption.PublicKey)))).Verdict);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 31, w.AsPatient(Grant(For(w.Other.Encryption.PublicKey, epoch: 2)))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(w.AsPatient(Grant(For(w.Other.Encryption.PublicKey, category: ConsentCategories.Account))).Encoded.Span, 65536, out _).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(w.AsPatient(Grant(For(w.Other.Encryption.PublicKey), For(w.Other.Encryption.PublicKey))).Encoded.Span, 65536, out _).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 32, w.AsPatient(Grant(For(w.Other.Encryption.PublicKey)))).Verdict);
        Assert.NotNull(CategoryKeyState.Get(w.Net.State, Patient, enc, 1)!.Reader(KeyReaderKind.Doctor, "dr-oth"));
    }

    [Fact]
    public void Only_an_epoch_after_the_first_carries_the_previous_epochs_key_and_its_holder_opens_the_earlier_epoch_with_it()
    {
        using var w = new World();
        var enc = ConsentCategories.Encounters;
        SealedRecordRef Chained(string id, IReadOnlyList<CategoryKeyReader> opens, int epoch, byte[] previousKey)
        {
            var record = w.Sealed(id, 1, enc, opens, epoch: epoch);
            var sealedPrevious = CategoryKeyCrypto.SealPreviousKey(w.CategoryKey(enc, epoch), w.Fresh(RecordCrypto.NonceLength), previousKey, Patient, (byte)enc, epoch);
            return record with { KeyWrap = record.KeyWrap! with { PreviousKey = sealedPrevious } };
        }

        // The first epoch has no epoch before it.
        var first = w.NewEpoch(enc, 1, w.Custodian, w.Self);
        var firstWithLink = w.Sealed("en-1", 1, enc, first, epoch: 1);
        firstWithLink = firstWithLink with { KeyWrap = firstWithLink.KeyWrap! with { PreviousKey = w.Fresh(CategoryKeyCrypto.WrappedLength) } };
        Assert.Contains("first key epoch has no previous", w.Run(T0 + 10, w.Admin(w.Entry("en-1", EntryType.Visit, firstWithLink))).Reason);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 11, w.Admin(w.Entry("en-1", EntryType.Visit, w.Sealed("en-1", 1, enc, first, epoch: 1)))).Verdict);
        var epoch1 = w.CategoryKey(enc, 1);

        // A record that does not open an epoch carries none either.
        var plain = w.Sealed("en-2", 1, enc);
        plain = plain with { KeyWrap = plain.KeyWrap! with { PreviousKey = w.Fresh(CategoryKeyCrypto.WrappedLength) } };
        Assert.Contains("only a record that opens a key epoch", w.Run(T0 + 12, w.Admin(w.Entry("en-2", EntryType.Visit, plain))).Reason);

        // Epoch 2 with epoch 1's key sealed under it: stored with the epoch, and it survives the transaction's encoding.
        var second = w.NewEpoch(enc, 2, w.Custodian, w.Self);
        var chained = Chained("en-3", second, 2, epoch1);
        var written = new Core.Encoding.CanonicalWriter(512);
        chained.Write(written);
        var reader = new Core.Encoding.CanonicalReader(written.ToArray());
        Assert.True(SealedRecordRef.TryRead(ref reader, out var decoded) && reader.End(), reader.Error);
        Assert.Equal(chained, decoded);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 13, w.Admin(w.Entry("en-3", EntryType.Visit, chained))).Verdict);
        var stored = CategoryKeyState.Get(w.Net.State, Patient, enc, 2)!;
        Assert.NotNull(stored.PreviousKey);
        Assert.Equal(stored, CategoryKeyState.TryDecode(stored.Encode()));
        Assert.Null(CategoryKeyState.Get(w.Net.State, Patient, enc, 1)!.PreviousKey);

        // Whoever opens epoch 2 opens epoch 1 with it; the sealed key names its patient, category and epoch.
        Assert.True(CategoryKeyCrypto.TryOpenPreviousKey(w.CategoryKey(enc, 2), stored.PreviousKey, Patient, (byte)enc, 2, out var opened));
        Assert.Equal(epoch1, opened);
        Assert.False(CategoryKeyCrypto.TryOpenPreviousKey(w.CategoryKey(enc, 2), stored.PreviousKey, Patient, (byte)enc, 3, out _));
        Assert.False(CategoryKeyCrypto.TryOpenPreviousKey(w.CategoryKey(enc, 2), stored.PreviousKey, Patient, (byte)ConsentCategories.Account, 2, out _));
        Assert.False(CategoryKeyCrypto.TryOpenPreviousKey(w.CategoryKey(enc, 2), stored.PreviousKey, "pt-other", (byte)enc, 2, out _));
        Assert.False(CategoryKeyCrypto.TryOpenPreviousKey(epoch1, stored.PreviousKey, Patient, (byte)enc, 2, out _));

        // Racing writers repeat the announcement byte for byte, chain included; another chain for the same epoch is refused.
        var repeat = w.Sealed("en-4", 1, enc, second, epoch: 2);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 14, w.Admin(w.Entry("en-4", EntryType.Visit, repeat with { KeyWrap = repeat.KeyWrap! with { PreviousKey = stored.PreviousKey } }))).Verdict);
        Assert.Contains("another key chain", w.Run(T0 + 15, w.Admin(w.Entry("en-5", EntryType.Visit, Chained("en-5", second, 2, epoch1)))).Reason);
        Assert.Contains("another key chain", w.Run(T0 + 16, w.Admin(w.Entry("en-5", EntryType.Visit, w.Sealed("en-5", 1, enc, second, epoch: 2)))).Reason);
    }

    [Fact]
    public void A_sealed_reference_with_an_unknown_key_wrap_tag_does_not_decode()
    {
        var w = new Core.Encoding.CanonicalWriter(64).Hash(Hash256.Zero).VarUInt(10).VarUInt(0).U8(3);
        var r = new Core.Encoding.CanonicalReader(w.ToArray());
        Assert.False(SealedRecordRef.TryRead(ref r, out _));
        Assert.Contains("key wrap tag", r.Error);
    }

    [Fact]
    public void A_grant_costs_the_same_whatever_the_number_of_records_and_far_less_than_rewrapping_each()
    {
        using var w = new World();
        var patient = w.PatientKeys.Encryption;
        const int Records = 1000;
        // Before: the patient unwraps each record's data key and re-wraps it for the grantee (X25519 per record, twice).
        var legacy = Enumerable.Range(0, Records).Select(i => (Id: $"en-{i:D5}", Envelope: RecordCrypto.Wrap(w.Fresh(32), patient.PublicKey, w.Fresh(32), SealedRecordRef.Aad($"en-{i:D5}", 1)))).ToList();
        var clock = Stopwatch.StartNew();
        var keys = new List<GrantedKey>();
        foreach (var (id, envelope) in legacy)
        {
            Assert.True(RecordCrypto.TryUnwrap(envelope, patient, SealedRecordRef.Aad(id, 1), out var dataKey));
            keys.Add(new GrantedKey(id, 1, RecordCrypto.Wrap(dataKey, w.Other.Encryption.PublicKey, w.Fresh(32), SealedRecordRef.Aad(id, 1))));
        }
        var before = clock.Elapsed;
        var legacyBytes = Size(new GrantAccessPayload("gr-1", Patient, GranteeKind.Doctor, "dr-oth", ConsentCategories.Encounters, 0, keys));

        // After: one category key per category, whatever the number of records.
        var categoryKey = w.Fresh(32);
        var epoch = CategoryKeyCrypto.WrapForReader(categoryKey, patient.PublicKey, w.Fresh(32), Patient, (byte)ConsentCategories.Encounters, 1);
        clock.Restart();
        Assert.True(CategoryKeyCrypto.TryOpenForReader(epoch, patient, Patient, (byte)ConsentCategories.Encounters, 1, out var opened));
        var granted = new GrantedCategoryKey(ConsentCategories.Encounters, 1, CategoryKeyCrypto.WrapForReader(opened, w.Other.Encryption.PublicKey, w.Fresh(32), Patient, (byte)ConsentCategories.Encounters, 1));
        var after = clock.Elapsed;
        var bytes = Size(new GrantAccessPayload("gr-1", Patient, GranteeKind.Doctor, "dr-oth", ConsentCategories.Encounters, 0, [], [granted]));

        TestContext.Current.TestOutputHelper?.WriteLine($"grant over {Records} records: per-record re-wrap {before.TotalMilliseconds:F1} ms, {legacyBytes} bytes; category key {after.TotalMilliseconds:F3} ms, {bytes} bytes");
        Assert.True(bytes < legacyBytes / 100, $"{bytes} vs {legacyBytes}");
        Assert.True(after < before, $"{after} vs {before}");
    }

    private static int Size(TxPayload payload)
    {
        var w = new HealthLedger.Core.Encoding.CanonicalWriter();
        payload.Write(w);
        return w.ToArray().Length;
    }
}
