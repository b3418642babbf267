using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Records;

/// <summary>Every consent rule and expiry edge, on the state machine.</summary>
public class ConsentTests
{
    private const ulong T0 = 1_700_000_100_000;

    private sealed class World : IDisposable
    {
        public TestNetwork Net { get; } = new(T0 - 1000);
        public UserKeys Patient { get; } = TestNetwork.KeysFor("pt-ann");
        public UserKeys Attending { get; } = TestNetwork.KeysFor("dr-att");
        public UserKeys Other { get; } = TestNetwork.KeysFor("dr-oth");
        private ulong _patientNonce;
        private ulong _otherNonce;
        private ulong _attendingNonce;

        public World()
        {
            var org = Net.Organisation.Encryption.PublicKey;
            var receipts = Net.Append(T0, [
                Admin(new RegisterDoctorPayload("dr-att", TestNetwork.OrgId, Attending.Signing.PublicKey, Attending.Encryption.PublicKey, Sealed(1, org))),
                Admin(new RegisterDoctorPayload("dr-oth", TestNetwork.OrgId, Other.Signing.PublicKey, Other.Encryption.PublicKey, Sealed(2, org))),
                Admin(new RegisterPatientPayload("pt-ann", TestNetwork.OrgId, Hash256.Zero, Patient.Signing.PublicKey, Patient.Encryption.PublicKey, Sealed(3, org, Patient.Encryption.PublicKey))),
                Admin(new AddEntryPayload("en-adm", "pt-ann", EntryType.Admission, "dr-att", "", Sealed(4, org, Patient.Encryption.PublicKey), Hashing.Sha256("bed-1"u8))),
            ]).Execution.Receipts;
            Assert.All(receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        }

        public SealedRecordRef Sealed(int n, params EncryptionPublicKey[] to) =>
            new(Hashing.Sha256(BitConverter.GetBytes(n)), 10, to.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)n, 32).ToArray(), [])).ToList());

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        public Transaction AsPatient(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Patient.Signing, ++_patientNonce, payload);

        public Transaction AsOther(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Other.Signing, ++_otherNonce, payload);

        /// <summary>Signs as the attending doctor; a refused transaction does not use up its nonce.</summary>
        public Receipt RunAsAttending(ulong at, TxPayload payload)
        {
            var receipt = Run(at, Transaction.Create(TestNetwork.NetworkId, Attending.Signing, _attendingNonce + 1, payload));
            if (receipt.Verdict is not (TxVerdict.BadNonce or TxVerdict.BadSignature or TxVerdict.UnknownSigner)) _attendingNonce++; // a refusal uses up its nonce too
            return receipt;
        }

        public AddEntryPayload Entry(string id, EntryType type, string doctor, int n) =>
            new(id, "pt-ann", type, doctor, "", Sealed(n, Net.Organisation.Encryption.PublicKey, Patient.Encryption.PublicKey));

        public bool Attends(string doctor, ulong at) => Consent.Attends(Net.State, doctor, "pt-ann", at);

        public GrantAccessPayload Grant(string id, ConsentCategories categories, ulong expires = 0, GranteeKind kind = GranteeKind.Doctor, string grantee = "dr-oth", IReadOnlyList<GrantedKey>? keys = null) =>
            new(id, "pt-ann", kind, grantee, categories, expires, keys ?? []);

        public AddReportPayload Report(string id, int n = 10) =>
            new(id, "pt-ann", 1, ReportType.Lab, Hashing.Sha256(BitConverter.GetBytes(n)), Sealed(n, Net.Organisation.Encryption.PublicKey, Patient.Encryption.PublicKey), null);

        public Receipt Run(ulong at, Transaction tx) => Assert.Single(Net.Append(at, [tx]).Execution.Receipts);

        public UserRecord OtherUser => UserRecord.TryDecode(Net.State.TryGet(StateKeys.User("dr-oth"), out var b) ? b : [])!;

        public void Dispose()
        {
            Patient.Dispose();
            Attending.Dispose();
            Other.Dispose();
            Net.Dispose();
        }
    }

    [Theory]
    [InlineData(0UL, 5_000UL, true)]            // no expiry
    [InlineData(10_000UL, 9_999UL, true)]       // one millisecond before expiry
    [InlineData(10_000UL, 10_000UL, false)]     // at the expiry instant it no longer works
    [InlineData(10_000UL, 10_001UL, false)]
    public void A_grant_works_until_its_expiry_instant(ulong expires, ulong now, bool active)
    {
        var grant = new GrantState("gr-1", "pt", GranteeKind.Doctor, "dr", ConsentCategories.Reports, expires, 1, 0, new RecordProof(default, 1, 1));
        Assert.Equal(active, grant.IsActiveAt(now));
        Assert.Equal(active, grant.Allows(ConsentCategories.Reports, now));
        Assert.False(grant.Allows(ConsentCategories.Account, now));
        Assert.False((grant with { RevokedAt = 2 }).IsActiveAt(now));
    }

    [Fact]
    public void Only_the_patient_grants_and_revokes()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 10, w.Admin(w.Grant("gr-1", ConsentCategories.All))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 11, w.AsOther(w.Grant("gr-1", ConsentCategories.All))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 12, w.AsPatient(w.Grant("gr-1", ConsentCategories.All))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 13, w.AsOther(new RevokeAccessPayload("gr-1", "pt-ann"))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 14, w.AsPatient(new RevokeAccessPayload("gr-1", "pt-ann"))).Verdict);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 15, w.AsPatient(new RevokeAccessPayload("gr-1", "pt-ann"))).Verdict);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 16, w.AsPatient(new RevokeAccessPayload("gr-404", "pt-ann"))).Verdict);
    }

    [Fact]
    public void A_grant_needs_a_known_grantee_a_future_expiry_a_category_and_keys_for_the_grantee_of_the_patients_own_records()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 10, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, grantee: "dr-nobody"))).Verdict);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 11, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, kind: GranteeKind.Organisation, grantee: "org-nobody"))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 12, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, expires: T0 + 12))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(w.AsPatient(w.Grant("gr-1", ConsentCategories.None)).Encoded.Span, 65536, out _).Verdict);
        var wrongRecipient = new GrantedKey("en-adm", 1, RecordCrypto.Wrap(new byte[32], w.Attending.Encryption.PublicKey, new byte[32], []));
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 13, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, keys: [wrongRecipient]))).Verdict);
        var notTheirs = new GrantedKey("en-other", 1, RecordCrypto.Wrap(new byte[32], w.Other.Encryption.PublicKey, new byte[32], []));
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 14, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, keys: [notTheirs]))).Verdict);
        var good = new GrantedKey("en-adm", 1, RecordCrypto.Wrap(new byte[32], w.Other.Encryption.PublicKey, new byte[32], []));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 15, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, keys: [good]))).Verdict);
        Assert.True(w.Net.State.TryGet("keyfor/en-adm/000001/dr-oth", out _));
    }

    [Fact]
    public void A_grant_may_carry_keys_of_every_kind_of_the_patients_records_and_of_no_other_patients_or_versions()
    {
        using var w = new World();
        var org = w.Net.Organisation.Encryption.PublicKey;
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 5, w.Admin(new RecordVitalSignsPayload("vs-1", "pt-ann", w.Sealed(20, org, w.Patient.Encryption.PublicKey)))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 6, Transaction.Create(TestNetwork.NetworkId, w.Attending.Signing, 1, w.Report("rp-1"))).Verdict);
        GrantedKey Key(string record, int version = 1) => new(record, version, RecordCrypto.Wrap(new byte[32], w.Other.Encryption.PublicKey, new byte[32], []));

        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 7, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, keys: [Key("vs-1", version: 2)]))).Verdict);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 8, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, keys: [Key("pt-ann", version: 2)]))).Verdict);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 9, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, keys: [Key("vs-nobody")]))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.AsPatient(w.Grant("gr-1", ConsentCategories.All, keys: [Key("pt-ann"), Key("en-adm"), Key("rp-1"), Key("vs-1")]))).Verdict);
        foreach (var record in new[] { "pt-ann", "en-adm", "rp-1", "vs-1" }) Assert.True(w.Net.State.TryGet($"keyfor/{record}/000001/dr-oth", out _), record);
    }

    [Fact]
    public void A_doctor_adds_reports_with_attendance_or_an_active_grant_for_reports_only()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 10, w.AsOther(w.Report("rp-1"))).Verdict);                 // neither
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 11, w.AsPatient(w.Grant("gr-1", ConsentCategories.Encounters))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 12, w.AsOther(w.Report("rp-1"))).Verdict);                 // wrong category
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 13, w.AsPatient(w.Grant("gr-2", ConsentCategories.Reports, expires: T0 + 100))).Verdict);
        Assert.False(Consent.CurrentGrant(w.Net.State, "pt-ann", GranteeKind.Doctor, "dr-oth")!.Id == "gr-1");      // replaced
        Assert.NotEqual(0UL, GrantState.TryDecode(w.Net.State.TryGet(StateKeys.Grant("pt-ann", "gr-1"), out var g1) ? g1 : [])!.RevokedAt);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 99, w.AsOther(w.Report("rp-1"))).Verdict);                           // just before expiry
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 100, w.AsOther(w.Report("rp-2", 11))).Verdict);            // expired at its time, nobody acted
        Assert.True(Consent.DoctorMay(w.Net.State, "pt-ann", w.OtherUser, ConsentCategories.Reports, T0 + 99));
        Assert.False(Consent.DoctorMay(w.Net.State, "pt-ann", w.OtherUser, ConsentCategories.Reports, T0 + 100));
    }

    [Theory]
    [InlineData(ConsentCategories.Demographics)]
    [InlineData(ConsentCategories.Encounters)]
    [InlineData(ConsentCategories.Account)]
    [InlineData(ConsentCategories.Reports)]
    public void Each_category_stands_alone_in_the_state_machines_rules(ConsentCategories granted)
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.AsPatient(w.Grant("gr-1", granted))).Verdict);
        Assert.Equal(granted, Consent.DoctorCategories(w.Net.State, "pt-ann", w.OtherUser, T0 + 11));
        foreach (var category in new[] { ConsentCategories.Demographics, ConsentCategories.Encounters, ConsentCategories.Account, ConsentCategories.Reports })
        {
            Assert.Equal(category == granted, Consent.DoctorMay(w.Net.State, "pt-ann", w.OtherUser, category, T0 + 11));
        }
        Assert.False(Consent.DoctorMay(w.Net.State, "pt-ann", w.OtherUser, ConsentCategories.Encounters | ConsentCategories.Account, T0 + 11));
        Assert.False(Consent.DoctorMay(w.Net.State, "pt-ann", w.OtherUser, ConsentCategories.None, T0 + 11));
        Assert.Equal(granted == ConsentCategories.Reports ? TxVerdict.Ok : TxVerdict.Unauthorized, w.Run(T0 + 12, w.AsOther(w.Report("rp-1"))).Verdict);
    }

    [Fact]
    public void A_doctor_grant_and_an_organisation_grant_add_up_and_the_attending_doctor_reaches_everything()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.AsPatient(w.Grant("gr-1", ConsentCategories.Encounters))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 11, w.AsPatient(w.Grant("gr-2", ConsentCategories.Account, kind: GranteeKind.Organisation, grantee: TestNetwork.OrgId))).Verdict);
        Assert.Equal(ConsentCategories.Encounters | ConsentCategories.Account, Consent.DoctorCategories(w.Net.State, "pt-ann", w.OtherUser, T0 + 12));
        var attending = UserRecord.TryDecode(w.Net.State.TryGet(StateKeys.User("dr-att"), out var b) ? b : [])!;
        Assert.Equal(ConsentCategories.All, Consent.DoctorCategories(w.Net.State, "pt-ann", attending, T0 + 12));
    }

    [Fact]
    public void A_revoked_grant_stops_at_once_and_an_organisation_grant_covers_its_doctors()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.AsPatient(w.Grant("gr-1", ConsentCategories.Reports))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 11, w.AsOther(w.Report("rp-1"))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 12, w.AsPatient(new RevokeAccessPayload("gr-1", "pt-ann"))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 13, w.AsOther(w.Report("rp-2", 11))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 14, w.AsPatient(w.Grant("gr-2", ConsentCategories.Reports, kind: GranteeKind.Organisation, grantee: TestNetwork.OrgId))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 15, w.AsOther(w.Report("rp-2", 11))).Verdict);
    }

    [Fact]
    public void Attending_doctors_need_no_grant_and_amendments_follow_the_version()
    {
        using var w = new World();
        var attending = new Func<TxPayload, Transaction>(p => Transaction.Create(TestNetwork.NetworkId, w.Attending.Signing, (ulong)w.Net.Blocks.Count, p));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, attending(w.Report("rp-1"))).Verdict);
        Assert.Equal(TxVerdict.AlreadyExists, w.Run(T0 + 11, attending(w.Report("rp-1"))).Verdict);
        var amendment = w.Report("rp-1", 12) with { Version = 2 };
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 12, attending(amendment with { Version = 3 })).Verdict);
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 13, attending(amendment with { Type = ReportType.Imaging })).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 14, attending(amendment)).Verdict);
        Assert.True(w.Net.State.TryGet(StateKeys.ReportVersion("rp-1", 1), out _));
        Assert.Equal(2, ReportState.TryDecode(w.Net.State.TryGet(StateKeys.Report("rp-1"), out var r) ? r : [])!.Version);
    }

    [Fact]
    public void Only_the_author_or_an_admin_of_their_organisation_amends_a_report_a_reports_grant_adds_new_ones()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, Transaction.Create(TestNetwork.NetworkId, w.Attending.Signing, 1, w.Report("rp-1"))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 11, w.AsPatient(w.Grant("gr-1", ConsentCategories.Reports))).Verdict);
        var amendment = w.Report("rp-1", 12) with { Version = 2 };
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 12, w.AsOther(amendment)).Verdict);           // the case: a grantee amended
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 13, w.AsOther(w.Report("rp-2", 13))).Verdict);           // they add their own
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 14, Transaction.Create(TestNetwork.NetworkId, w.Attending.Signing, 2, w.Report("rp-2", 14) with { Version = 2 })).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 15, w.AsPatient(amendment)).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 16, w.Admin(amendment)).Verdict);                        // an admin of the author's organisation
        Assert.Equal("admin", ReportState.TryDecode(w.Net.State.TryGet(StateKeys.Report("rp-1"), out var r) ? r : [])!.AuthorId);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 17, Transaction.Create(TestNetwork.NetworkId, w.Attending.Signing, 3, w.Report("rp-1", 15) with { Version = 3 })).Verdict); // nonce 2 was used up by the refusal
    }

    [Fact]
    public void Naming_a_doctor_on_a_transfer_discharge_or_charge_gives_no_access_and_a_stay_ends_with_its_grace_period()
    {
        using var w = new World();
        // The case: a discharge (or a charge) naming a doctor gave that doctor permanent access.
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.Admin(w.Entry("en-chg", EntryType.Charge, "dr-oth", 30))).Verdict);
        Assert.False(w.Attends("dr-oth", T0 + 11));
        Assert.True(w.Attends("dr-att", T0 + 11));                                                  // admitted under dr-att
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 20, w.Admin(w.Entry("en-dis", EntryType.Discharge, "dr-oth", 31))).Verdict);
        Assert.False(w.Attends("dr-oth", T0 + 21));
        Assert.True(w.Attends("dr-att", T0 + 20 + NetworkPolicy.Default.CareAfterDischarge - 1));                  // the grace period
        Assert.False(w.Attends("dr-att", T0 + 20 + NetworkPolicy.Default.CareAfterDischarge));
        Assert.Equal(TxVerdict.Unauthorized, w.RunAsAttending(T0 + 20 + NetworkPolicy.Default.CareAfterDischarge, w.Report("rp-1")).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.RunAsAttending(T0 + 21 + NetworkPolicy.Default.CareAfterDischarge, w.Entry("en-v1", EntryType.Visit, "dr-att", 32)).Verdict);
        var org = w.Net.Organisation.Encryption.PublicKey;
        Assert.Equal(TxVerdict.Unauthorized, w.RunAsAttending(T0 + 22 + NetworkPolicy.Default.CareAfterDischarge, new RecordVitalSignsPayload("vs-1", "pt-ann", w.Sealed(33, org, w.Patient.Encryption.PublicKey))).Verdict);

        // A new stay with a transfer to dr-oth: both care while admitted, both end with the discharge.
        var t = T0 + 30 + NetworkPolicy.Default.CareAfterDischarge;
        Assert.Equal(TxVerdict.Ok, w.Run(t, w.Admin(w.Entry("en-adm2", EntryType.Admission, "dr-att", 34))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(t + 1, w.Admin(w.Entry("en-tra", EntryType.Transfer, "dr-oth", 35))).Verdict);
        Assert.True(w.Attends("dr-oth", t + 2) && w.Attends("dr-att", t + 2));
        Assert.Equal(TxVerdict.Ok, w.RunAsAttending(t + 3, w.Report("rp-1")).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(t + 4, w.Admin(w.Entry("en-dis2", EntryType.Discharge, "", 36))).Verdict);
        Assert.False(w.Attends("dr-oth", t + 4 + NetworkPolicy.Default.CareAfterDischarge) || w.Attends("dr-att", t + 4 + NetworkPolicy.Default.CareAfterDischarge));
    }

    [Fact]
    public void A_visit_recorded_by_the_organisation_gives_a_bounded_relationship_and_a_doctors_own_visits_do_not_extend_it()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.Admin(w.Entry("en-v1", EntryType.Visit, "dr-oth", 40))).Verdict);
        Assert.True(w.Attends("dr-oth", T0 + 10 + NetworkPolicy.Default.CareAfterVisit - 1));
        Assert.False(w.Attends("dr-oth", T0 + 10 + NetworkPolicy.Default.CareAfterVisit));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 20, w.AsOther(w.Entry("en-v2", EntryType.Visit, "dr-oth", 41))).Verdict); // their own note
        Assert.False(w.Attends("dr-oth", T0 + 10 + NetworkPolicy.Default.CareAfterVisit));
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 10 + NetworkPolicy.Default.CareAfterVisit, w.AsOther(w.Entry("en-v3", EntryType.Visit, "dr-oth", 42))).Verdict);
        var state = Consent.Care(w.Net.State, "pt-ann", "dr-oth")!;
        Assert.Equal((T0 + 10, T0 + 10 + NetworkPolicy.Default.CareAfterVisit, false), (state.Since, state.Until, state.Admitted));
    }

    [Fact]
    public void The_patient_ends_a_care_relationship_except_while_admitted_under_that_doctor()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 5, w.Admin(w.Entry("en-v1", EntryType.Visit, "dr-oth", 50))).Verdict);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 10, w.AsPatient(new EndCarePayload("pt-ann", "dr-att"))).Verdict);  // admitted under dr-att
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 11, w.AsOther(new EndCarePayload("pt-ann", "dr-oth"))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 12, w.Admin(new EndCarePayload("pt-ann", "dr-oth"))).Verdict);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 13, w.AsPatient(new EndCarePayload("pt-ann", "dr-nobody"))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 14, w.AsPatient(new EndCarePayload("pt-ann", "dr-oth"))).Verdict);
        Assert.False(w.Attends("dr-oth", T0 + 14));
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 15, w.AsOther(w.Report("rp-1"))).Verdict);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 16, w.AsPatient(new EndCarePayload("pt-ann", "dr-oth"))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 20, w.Admin(w.Entry("en-dis", EntryType.Discharge, "", 51))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 21, w.AsPatient(new EndCarePayload("pt-ann", "dr-att"))).Verdict);      // after the discharge
        Assert.False(w.Attends("dr-att", T0 + 21));
        var encoded = Consent.Care(w.Net.State, "pt-ann", "dr-att")!;
        Assert.Equal(encoded, CareState.TryDecode(encoded.Encode()));
        var payload = new EndCarePayload("pt-ann", "dr-att");
        var tx = w.AsPatient(payload);
        Assert.True(Transaction.TryDecode(tx.Encoded.Span, 65536, out var decoded).IsOk);
        Assert.Equal(payload, decoded!.Payload);
    }

    [Fact]
    public void Only_nodes_record_disclosures_and_only_for_known_patients()
    {
        using var w = new World();
        var e = new DisclosureEvent(DisclosureId(1), "dr-oth", "doctor", "pt-ann", "report rp-1", "treatment", false, T0);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 10, w.AsOther(new RecordDisclosuresPayload([e]))).Verdict);
        var node = Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 1, new RecordDisclosuresPayload([e, e with { Id = DisclosureId(2), PatientId = "pt-nobody" }]));
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 11, node).Verdict);
        var ok = Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 2, new RecordDisclosuresPayload([e, e with { Id = DisclosureId(3), Allowed = true }])); // nonce 1 was used up by the refusal
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 12, ok).Verdict);
        Assert.Equal(2, w.Net.State.WithPrefix("disclosure/pt-ann/").Count());
    }

    [Fact]
    public void A_disclosure_submitted_again_with_its_id_is_recorded_once()
    {
        using var w = new World();
        var first = new DisclosureEvent(DisclosureId(1), "dr-oth", "doctor", "pt-ann", "report rp-1", "treatment", true, T0);
        var second = first with { Id = DisclosureId(2), Resource = "entries" };
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 1, new RecordDisclosuresPayload([first]))).Verdict);
        // The node restarted between the commit and forgetting its copy: it sends the first again, with a new one and a
        // duplicate inside the batch.
        var again = Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 2, new RecordDisclosuresPayload([first, second, second]));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 11, again).Verdict);
        var recorded = w.Net.State.WithPrefix("disclosure/pt-ann/").Select(kv => DisclosureEvent.TryDecode(kv.Value)!).ToList();
        Assert.Equal([first, second], recorded);
        Assert.True(w.Net.State.TryGet(StateKeys.DisclosureId(second.Id), out var key));
        Assert.StartsWith("disclosure/pt-ann/", System.Text.Encoding.UTF8.GetString(key));
        var zero = Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 3, new RecordDisclosuresPayload([first with { Id = Hash256.Zero }]));
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(zero.Encoded.Span, 65536, out _).Verdict);
    }

    private static Hash256 DisclosureId(byte seed) => new(Enumerable.Repeat(seed, 32).ToArray());

    [Fact]
    public void Only_nodes_record_printouts_of_existing_report_versions_and_the_hash_then_names_the_version()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, Transaction.Create(TestNetwork.NetworkId, w.Attending.Signing, 1, w.Report("rp-1"))).Verdict);
        var pdf = Hashing.Sha256("printout of rp-1 v1"u8);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 11, w.AsOther(new RecordPrintoutPayload("rp-1", 1, pdf))).Verdict);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 12, Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 1, new RecordPrintoutPayload("rp-1", 2, pdf))).Verdict);
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 13, Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 2, new RecordPrintoutPayload("rp-1", 1, pdf))).Verdict);
        Assert.True(w.Net.State.TryGet(StateKeys.ContentHash(pdf), out var pointer));
        Assert.Equal("rp-1/1", System.Text.Encoding.UTF8.GetString(pointer));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 14, Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 3, new RecordPrintoutPayload("rp-1", 1, pdf))).Verdict); // issued again: no change
        var amendment = w.Report("rp-1", 12) with { Version = 2 };
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 15, Transaction.Create(TestNetwork.NetworkId, w.Attending.Signing, 2, amendment)).Verdict);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 16, Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 4, new RecordPrintoutPayload("rp-1", 2, pdf))).Verdict);

        var tx = Transaction.Create(TestNetwork.NetworkId, w.Net.Node, 5, new RecordPrintoutPayload("rp-1", 2, pdf));
        Assert.True(Transaction.TryDecode(tx.Encoded.Span, 65536, out var decoded).IsOk);
        Assert.Equal(tx.Payload, decoded!.Payload);
    }
}
