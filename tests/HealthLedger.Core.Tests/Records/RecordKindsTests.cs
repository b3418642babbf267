using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Records;

/// <summary>The state machine's rules for patients, doctors and entries: it refuses what the UI would never send.</summary>
public class RecordKindsTests
{
    private const ulong T = 1_700_000_100_000;

    private sealed class Hospital : IDisposable
    {
        public TestNetwork Net { get; } = new();
        public UserKeys Patient { get; } = TestNetwork.KeysFor("pt-jane");
        public UserKeys Doctor { get; } = TestNetwork.KeysFor("dr-one");
        public UserKeys Other { get; } = TestNetwork.KeysFor("dr-two");
        private ulong _doctorNonce;

        public Hospital()
        {
            var results = Net.Append(T, [RegisterDoctor("dr-one", Doctor), RegisterDoctor("dr-two", Other), RegisterPatient("pt-jane", Patient, "mrn-1")]);
            Assert.All(results.Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        }

        public SealedRecordRef Sealed(params EncryptionPublicKey[] to) =>
            new(Hashing.Sha256(BitConverter.GetBytes(to.Length + (int)Net.AdminNonce)), 64,
                to.Select(k => RecordCrypto.Wrap(new byte[32], k, new byte[32], [])).ToList());

        public EncryptionPublicKey OrgKey => Net.Organisation.Encryption.PublicKey;

        public Transaction RegisterDoctor(string id, UserKeys keys) =>
            Admin(new RegisterDoctorPayload(id, TestNetwork.OrgId, keys.Signing.PublicKey, keys.Encryption.PublicKey, Sealed(OrgKey)));

        public Transaction RegisterPatient(string id, UserKeys keys, string mrn, bool withPatientEnvelope = true, bool withOrgEnvelope = true) =>
            Admin(new RegisterPatientPayload(id, TestNetwork.OrgId, Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(mrn)), keys.Signing.PublicKey, keys.Encryption.PublicKey,
                Sealed([.. withOrgEnvelope ? new[] { OrgKey } : [], .. withPatientEnvelope ? new[] { keys.Encryption.PublicKey } : []])));

        public AddEntryPayload Entry(string id, EntryType type, string doctor = "dr-one", string corrects = "", string patient = "pt-jane", string bed = "bed-1") =>
            new(id, patient, type, doctor, corrects, Sealed(OrgKey, Patient.Encryption.PublicKey),
                type is EntryType.Admission or EntryType.Transfer ? Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(bed)) : Hash256.Zero);

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        public Transaction AsDoctor(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Doctor.Signing, ++_doctorNonce, payload);

        public Transaction AsPatient(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Patient.Signing, 1, payload);

        public Receipt Run(Transaction tx) => Assert.Single(Net.Append(Net.Tip.Timestamp + 1, [tx]).Execution.Receipts);

        public void Dispose()
        {
            Patient.Dispose();
            Doctor.Dispose();
            Other.Dispose();
            Net.Dispose();
        }
    }

    [Fact]
    public void Registration_creates_the_login_and_the_sealed_record_and_keeps_mrns_unique()
    {
        using var h = new Hospital();
        Assert.Equal(Role.Patient, UserRecord.TryDecode(h.Net.State.TryGet(StateKeys.User("pt-jane"), out var u) ? u : [])!.Role);
        var patient = PatientState.TryDecode(h.Net.State.TryGet(StateKeys.Patient("pt-jane"), out var p) ? p : [])!;
        Assert.Equal(1, patient.Version);
        using var other = TestNetwork.KeysFor("pt-john");
        var duplicate = h.Run(h.RegisterPatient("pt-john", other, "mrn-1"));
        Assert.Equal((TxVerdict.AlreadyExists, "a patient with this MRN is already registered"), (duplicate.Verdict, duplicate.Reason));
    }

    [Theory]
    [InlineData(false, true, "no key envelope for the patient")]
    [InlineData(true, false, "no key envelope for the organisation")]
    public void A_record_without_envelopes_for_the_patient_and_the_organisation_is_refused(bool patientEnvelope, bool orgEnvelope, string reason)
    {
        using var h = new Hospital();
        using var keys = TestNetwork.KeysFor("pt-new");
        var tx = h.RegisterPatient("pt-new", keys, "mrn-9", patientEnvelope, orgEnvelope);
        var receipt = patientEnvelope ? h.Run(tx) : null;
        if (receipt is null)
        {
            Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(tx.Encoded.Span, ChainPolicy.Default.MaxTxBytes, out _).Verdict);
            return;
        }
        Assert.Equal(TxVerdict.InvalidField, receipt.Verdict);
        Assert.Contains(reason, receipt.Reason);
    }

    [Fact]
    public void Only_admins_register_and_patients_write_nothing()
    {
        using var h = new Hospital();
        using var keys = TestNetwork.KeysFor("pt-new");
        var byDoctor = h.Run(h.AsDoctor(new RegisterPatientPayload("pt-new", TestNetwork.OrgId, Hash256.Zero, keys.Signing.PublicKey, keys.Encryption.PublicKey, h.Sealed(h.OrgKey, keys.Encryption.PublicKey))));
        Assert.Equal(TxVerdict.Unauthorized, byDoctor.Verdict);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsPatient(h.Entry("en-1", EntryType.Charge, doctor: ""))).Verdict);
    }

    [Fact]
    public void Doctors_add_visits_only_for_patients_they_attend_and_only_as_themselves()
    {
        using var h = new Hospital();
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(h.Entry("en-1", EntryType.Visit))).Verdict); // not attending yet
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-2", EntryType.Admission))).Verdict);          // now attending
        Assert.True(Consent.Care(h.Net.State, "pt-jane", "dr-one")?.Admitted);
        Assert.Equal(TxVerdict.Ok, h.Run(h.AsDoctor(h.Entry("en-3", EntryType.Visit))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(h.Entry("en-4", EntryType.Charge, doctor: "dr-one"))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(h.Entry("en-5", EntryType.Visit, doctor: "dr-two"))).Verdict);
    }

    [Fact]
    public void Entries_need_a_known_patient_and_doctor_a_fresh_id_and_corrections_of_the_same_type()
    {
        using var h = new Hospital();
        Assert.Equal(TxVerdict.NotFound, h.Run(h.Admin(h.Entry("en-1", EntryType.Admission, patient: "pt-nobody"))).Verdict);
        Assert.Equal(TxVerdict.NotFound, h.Run(h.Admin(h.Entry("en-1", EntryType.Admission, doctor: "dr-nobody"))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-1", EntryType.Charge, doctor: ""))).Verdict);
        Assert.Equal(TxVerdict.AlreadyExists, h.Run(h.Admin(h.Entry("en-1", EntryType.Charge, doctor: ""))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, h.Run(h.Admin(h.Entry("en-2", EntryType.Payment, doctor: "", corrects: "en-1"))).Verdict);
        Assert.Equal(TxVerdict.NotFound, h.Run(h.Admin(h.Entry("en-2", EntryType.Charge, doctor: "", corrects: "en-404"))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-2", EntryType.Charge, doctor: "", corrects: "en-1"))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(h.Admin(h.Entry("en-3", EntryType.Admission, doctor: "")).Encoded.Span, 65536, out _).Verdict);
    }

    [Fact]
    public void Updates_must_follow_the_current_version_and_doctors_may_update_themselves_only()
    {
        using var h = new Hospital();
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(new UpdateRecordPayload(RecordSubject.Patient, "pt-jane", 3, h.Sealed(h.OrgKey, h.Patient.Encryption.PublicKey)))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(new UpdateRecordPayload(RecordSubject.Patient, "pt-jane", 2, h.Sealed(h.OrgKey, h.Patient.Encryption.PublicKey)))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.AsDoctor(new UpdateRecordPayload(RecordSubject.Doctor, "dr-one", 2, h.Sealed(h.OrgKey)))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(new UpdateRecordPayload(RecordSubject.Doctor, "dr-two", 2, h.Sealed(h.OrgKey)))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(new UpdateRecordPayload(RecordSubject.Patient, "pt-jane", 3, h.Sealed(h.OrgKey, h.Patient.Encryption.PublicKey)))).Verdict);
        Assert.Equal(TxVerdict.NotFound, h.Run(h.Admin(new UpdateRecordPayload(RecordSubject.Doctor, "dr-nobody", 2, h.Sealed(h.OrgKey)))).Verdict);
    }

    [Fact]
    public void Vital_signs_are_recorded_by_an_admin_or_an_attending_doctor_sealed_for_the_organisation_and_the_patient()
    {
        using var h = new Hospital();
        RecordVitalSignsPayload Vitals(string id, string patient = "pt-jane", bool forPatient = true) =>
            new(id, patient, forPatient ? h.Sealed(h.OrgKey, h.Patient.Encryption.PublicKey) : h.Sealed(h.OrgKey));

        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(Vitals("vs-1"))).Verdict); // not attending yet
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsPatient(Vitals("vs-1"))).Verdict);
        Assert.Equal(TxVerdict.NotFound, h.Run(h.Admin(Vitals("vs-1", patient: "pt-nobody"))).Verdict);
        var unsealed = h.Run(h.Admin(Vitals("vs-1", forPatient: false)));
        Assert.Equal((TxVerdict.InvalidField, "record: no key envelope for the patient"), (unsealed.Verdict, unsealed.Reason));
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(Vitals("vs-1"))).Verdict);
        Assert.Equal(TxVerdict.AlreadyExists, h.Run(h.Admin(Vitals("vs-1"))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-1", EntryType.Admission))).Verdict); // dr-one now attends
        Assert.Equal(TxVerdict.Ok, h.Run(h.AsDoctor(Vitals("vs-2"))).Verdict);

        var state = VitalSignsState.TryDecode(h.Net.State.TryGet(VitalSignsState.Key("vs-2"), out var bytes) ? bytes : [])!;
        Assert.Equal(("vs-2", "pt-jane", "dr-one"), (state.Id, state.PatientId, state.AuthorId));
        Assert.Equal(state, VitalSignsState.TryDecode(state.Encode()));
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(h.Admin(Vitals("bad id!")).Encoded.Span, 65536, out _).Verdict);
    }

    [Fact]
    public void Only_the_current_version_of_an_entry_can_be_corrected()
    {
        // Issue 12, case 1: a charge and two corrections of it both booked, so the charges totalled 160.
        using var h = new Hospital();
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-1", EntryType.Charge, doctor: ""))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-2", EntryType.Charge, doctor: "", corrects: "en-1"))).Verdict);
        var rootBefore = h.Net.State.RootWithoutNonces();
        var second = h.Run(h.Admin(h.Entry("en-3", EntryType.Charge, doctor: "", corrects: "en-1")));
        Assert.Equal(TxVerdict.Conflict, second.Verdict);
        Assert.StartsWith("correctsId: entry 'en-1' was already corrected by 'en-2'", second.Reason);
        Assert.Equal(rootBefore, h.Net.State.RootWithoutNonces());
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-4", EntryType.Charge, doctor: "", corrects: "en-2"))).Verdict); // the current version

        // The same rule for every entry type, and within one block the first correction wins.
        var block = h.Net.Append(h.Net.Tip.Timestamp + 1, [h.Admin(h.Entry("en-5", EntryType.Visit)), h.Admin(h.Entry("en-6", EntryType.Visit, corrects: "en-5")),
            h.Admin(h.Entry("en-7", EntryType.Visit, corrects: "en-5"))]);
        Assert.Equal([TxVerdict.Ok, TxVerdict.Ok, TxVerdict.Conflict], block.Execution.Receipts.Select(r => r.Verdict));
    }

    [Fact]
    public void Encounters_follow_admission_transfers_discharge()
    {
        // Issue 12, case 3: a discharge with no admission, a second discharge and a transfer after discharge were all booked.
        using var h = new Hospital();
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(h.Entry("en-1", EntryType.Discharge, doctor: ""))).Verdict);
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(h.Entry("en-1", EntryType.Transfer, doctor: ""))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-1", EntryType.Admission))).Verdict);
        var again = h.Run(h.Admin(h.Entry("en-2", EntryType.Admission, bed: "bed-2")));
        Assert.Equal((TxVerdict.Conflict, true), (again.Verdict, again.Reason.StartsWith("type:", StringComparison.Ordinal)));
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-2", EntryType.Transfer, doctor: "", bed: "bed-2"))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-3", EntryType.Discharge, doctor: ""))).Verdict);
        var rootBefore = h.Net.State.RootWithoutNonces();
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(h.Entry("en-4", EntryType.Discharge, doctor: ""))).Verdict);
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(h.Entry("en-4", EntryType.Transfer, doctor: "", bed: "bed-3"))).Verdict);
        Assert.Equal(rootBefore, h.Net.State.RootWithoutNonces());
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-4", EntryType.Visit))).Verdict);       // outpatient visits need no stay
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-5", EntryType.Admission))).Verdict);   // a new stay
        var stay = StayState.TryDecode(h.Net.State.TryGet(StayState.Key("pt-jane"), out var bytes) ? bytes : [])!;
        Assert.Equal((StayStatus.Admitted, "en-5"), (stay.Status, stay.PlacementId));
        Assert.Equal(stay, StayState.TryDecode(stay.Encode()));
    }

    [Fact]
    public void A_bed_holds_one_patient_from_admission_or_transfer_until_discharge_or_transfer_out()
    {
        // Issue 12, case 2: a second patient admitted into a bed still held.
        using var h = new Hospital();
        using var johnKeys = TestNetwork.KeysFor("pt-john");
        Assert.Equal(TxVerdict.Ok, h.Run(h.RegisterPatient("pt-john", johnKeys, "mrn-2")).Verdict);
        AddEntryPayload John(string id, EntryType type, string bed) =>
            new(id, "pt-john", type, type == EntryType.Admission ? "dr-one" : "", "", h.Sealed(h.OrgKey, johnKeys.Encryption.PublicKey),
                type is EntryType.Admission or EntryType.Transfer ? Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(bed)) : Hash256.Zero);

        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-1", EntryType.Admission, bed: "icu-1"))).Verdict);
        var taken = h.Run(h.Admin(John("en-2", EntryType.Admission, "icu-1")));
        Assert.Equal((TxVerdict.Conflict, "bed: the bed is occupied by another patient"), (taken.Verdict, taken.Reason));
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(John("en-2", EntryType.Admission, "icu-2"))).Verdict);
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(John("en-3", EntryType.Transfer, "icu-1"))).Verdict); // still held
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-3", EntryType.Transfer, doctor: "", bed: "ward-5"))).Verdict); // jane moves out
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(John("en-4", EntryType.Transfer, "icu-1"))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(John("en-5", EntryType.Discharge, ""))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-6", EntryType.Transfer, doctor: "", bed: "icu-1"))).Verdict); // free again

        // A correction of the entry that placed the patient moves them; it may not move them into a held bed.
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(John("en-7", EntryType.Admission, "icu-2"))).Verdict);
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(h.Entry("en-8", EntryType.Transfer, doctor: "", corrects: "en-6", bed: "icu-2"))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-8", EntryType.Transfer, doctor: "", corrects: "en-6", bed: "icu-3"))).Verdict);
        Assert.False(h.Net.State.TryGet(StayState.BedKey(TestNetwork.OrgId, Hashing.Sha256("icu-1"u8)), out _));

        // Admissions and transfers name a bed; other entries none.
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(h.Admin(John("en-9", EntryType.Admission, "x") with { Bed = Hash256.Zero }).Encoded.Span, 65536, out _).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(h.Admin(h.Entry("en-9", EntryType.Visit) with { Bed = Hashing.Sha256("x"u8) }).Encoded.Span, 65536, out _).Verdict);
    }

    [Fact]
    public void Once_a_ward_list_exists_admissions_and_transfers_need_a_bed_on_it_and_held_beds_stay_on_it()
    {
        using var h = new Hospital();
        static Hash256 Bed(string name) => Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(name));
        ConfigureWardsPayload Wards(int version, params string[] beds) =>
            new(TestNetwork.OrgId, version, beds.Select(Bed).Order().ToList(), h.Sealed(h.OrgKey));

        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(Wards(1, "icu-1", "icu-2"))).Verdict);
        var unknown = h.Run(h.Admin(h.Entry("en-1", EntryType.Admission, bed: "bed-9")));
        Assert.Equal((TxVerdict.InvalidField, "bed: not a bed of the organisation's ward list"), (unknown.Verdict, unknown.Reason));
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-1", EntryType.Admission, bed: "icu-1"))).Verdict);
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(Wards(1, "icu-1"))).Verdict);          // not the next version
        Assert.Equal(TxVerdict.Conflict, h.Run(h.Admin(Wards(2, "icu-2"))).Verdict);          // icu-1 is held
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(Wards(2, "icu-1", "icu-3"))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, h.Run(h.Admin(h.Entry("en-2", EntryType.Transfer, doctor: "", bed: "icu-2"))).Verdict);
        Assert.Equal(TxVerdict.Ok, h.Run(h.Admin(h.Entry("en-2", EntryType.Transfer, doctor: "", bed: "icu-3"))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(Wards(3))).Verdict);

        var state = WardsState.TryDecode(h.Net.State.TryGet(WardsState.Key(TestNetwork.OrgId), out var bytes) ? bytes : [])!;
        Assert.Equal((2, 2), (state.Version, state.Beds.Count));
        Assert.Equal(state.Encode(), WardsState.TryDecode(state.Encode())!.Encode());
        var unsorted = new ConfigureWardsPayload(TestNetwork.OrgId, 3, [.. Wards(3, "a", "b").Beds.Reverse()], h.Sealed(h.OrgKey));
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(h.Admin(unsorted).Encoded.Span, 65536, out _).Verdict);
    }
}
