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
/// The pharmacy's rules at block time: who keeps the formulary and stock, who prescribes and dispenses, first expiry first
/// out, partial fills and repeats, never an expired batch, never below zero, never more than prescribed; every refusal writes nothing.
/// </summary>
public class PharmacyTests
{
    private const ulong T = 1_700_000_100_000;
    private const ulong Day = 86_400_000;
    private static readonly int Today = Pharmacy.Day(T);

    private sealed class Hospital : IDisposable
    {
        public TestNetwork Net { get; } = new();
        public UserKeys Patient { get; } = TestNetwork.KeysFor("pt-jane");
        public UserKeys Doctor { get; } = TestNetwork.KeysFor("dr-one");
        public UserKeys Pharmacist { get; } = TestNetwork.KeysFor("ph-one");
        private ulong _doctorNonce;
        private ulong _pharmacistNonce;
        private int _seal;

        public Hospital()
        {
            var results = Net.Append(T, [
                Admin(new RegisterDoctorPayload("dr-one", TestNetwork.OrgId, Doctor.Signing.PublicKey, Doctor.Encryption.PublicKey, Sealed(OrgKey))),
                Admin(new RegisterPatientPayload("pt-jane", TestNetwork.OrgId, Hashing.Sha256("mrn-1"u8), Patient.Signing.PublicKey, Patient.Encryption.PublicKey, Sealed(OrgKey, Patient.Encryption.PublicKey))),
                Admin(new RegisterUserPayload("ph-one", Role.Pharmacist, TestNetwork.OrgId, Pharmacist.Signing.PublicKey, Pharmacist.Encryption.PublicKey)),
                Admin(new AddEntryPayload("en-adm", "pt-jane", EntryType.Admission, "dr-one", "", Sealed(OrgKey, Patient.Encryption.PublicKey), Hashing.Sha256("bed-1"u8))),
            ]);
            Assert.All(results.Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        }

        public EncryptionPublicKey OrgKey => Net.Organisation.Encryption.PublicKey;

        public SealedRecordRef Sealed(params EncryptionPublicKey[] to) =>
            new(Hashing.Sha256(BitConverter.GetBytes(++_seal)), 64, to.Select(k => RecordCrypto.Wrap(new byte[32], k, new byte[32], [])).ToList());

        public SealedRecordRef ForPatient() => Sealed(OrgKey, Patient.Encryption.PublicKey);

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        public Transaction AsDoctor(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Doctor.Signing, ++_doctorNonce, payload);

        public Transaction AsPharmacist(TxPayload payload) => Transaction.Create(TestNetwork.NetworkId, Pharmacist.Signing, ++_pharmacistNonce, payload);

        public Receipt Run(Transaction tx, ulong? at = null) => Assert.Single(Net.Append(at ?? Net.Tip.Timestamp + 1, [tx]).Execution.Receipts);

        public void Ok(Transaction tx, ulong? at = null)
        {
            var receipt = Run(tx, at);
            Assert.True(receipt.Verdict == TxVerdict.Ok, receipt.Reason);
        }

        public DefineDrugPayload Drug(string id, int version = 1) => new(id, TestNetwork.OrgId, version, Sealed(OrgKey));

        public ReceiveStockPayload Receive(string batch, string drug, int expiresInDays, int quantity) => new(batch, drug, Today + expiresInDays, quantity, Sealed(OrgKey));

        public PrescribePayload Prescribe(string id, string drug = "drug-amox", int quantity = 10, int repeats = 0) =>
            new(id, "pt-jane", TestNetwork.OrgId, drug, quantity, repeats, ForPatient());

        public DispensePayload Dispense(string id, string rx, int quantity, string batch = "") => new(id, rx, quantity, batch, ForPatient(), "ch-" + id, ForPatient());

        /// <summary>A formulary drug with the given batches (id, days to expiry, quantity).</summary>
        public void Stock(string drug, params (string Batch, int ExpiresInDays, int Quantity)[] batches)
        {
            Ok(AsPharmacist(Drug(drug)));
            foreach (var (batch, days, quantity) in batches) Ok(AsPharmacist(Receive(batch, drug, days, quantity)));
        }

        public int OnHand(string batch) => Pharmacy.OnHand(Net.State, batch);

        public void Dispose()
        {
            Patient.Dispose();
            Doctor.Dispose();
            Pharmacist.Dispose();
            Net.Dispose();
        }
    }

    [Fact]
    public void Pharmacists_and_admins_keep_the_formulary_version_after_version_and_doctors_do_not()
    {
        using var h = new Hospital();
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(h.Drug("drug-amox"))).Verdict);
        h.Ok(h.AsPharmacist(h.Drug("drug-amox")));
        h.Ok(h.Admin(h.Drug("drug-para")));
        var conflict = h.Run(h.AsPharmacist(h.Drug("drug-amox", version: 3)));
        Assert.Equal(TxVerdict.Conflict, conflict.Verdict);
        Assert.StartsWith("version:", conflict.Reason);
        h.Ok(h.AsPharmacist(h.Drug("drug-amox", version: 2)));
        Assert.Equal(2, DrugState.TryDecode(h.Net.State.TryGet(DrugState.Key("drug-amox"), out var d) ? d : [])!.Version);
        var unsealed = h.Run(h.AsPharmacist(new DefineDrugPayload("drug-x", TestNetwork.OrgId, 1, h.Sealed(h.Patient.Encryption.PublicKey))));
        Assert.Equal(TxVerdict.InvalidField, unsealed.Verdict);
        Assert.False(h.Net.State.TryGet(DrugState.Key("drug-x"), out _));
    }

    [Fact]
    public void Stock_in_needs_a_formulary_drug_a_fresh_batch_and_a_date_not_past()
    {
        using var h = new Hospital();
        var unknown = h.Run(h.AsPharmacist(h.Receive("b-1", "drug-none", 30, 10)));
        Assert.Equal(TxVerdict.NotFound, unknown.Verdict);
        Assert.StartsWith("drugId:", unknown.Reason);
        h.Ok(h.AsPharmacist(h.Drug("drug-amox")));
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(h.Receive("b-1", "drug-amox", 30, 10))).Verdict);
        var expired = h.Run(h.AsPharmacist(h.Receive("b-1", "drug-amox", -1, 10)));
        Assert.Equal((TxVerdict.InvalidField, "expiresOn: the batch has already expired"), (expired.Verdict, expired.Reason));
        h.Ok(h.AsPharmacist(h.Receive("b-1", "drug-amox", 0, 10))); // usable through its expiry day
        Assert.Equal(TxVerdict.AlreadyExists, h.Run(h.AsPharmacist(h.Receive("b-1", "drug-amox", 30, 10))).Verdict);
        Assert.Equal(10, h.OnHand("b-1"));
        Assert.Equal(10, Pharmacy.Available(h.Net.State, "drug-amox", Today));
        Assert.Equal(0, Pharmacy.Available(h.Net.State, "drug-amox", Today + 1));
    }

    [Fact]
    public void Only_a_doctor_who_may_reach_the_patients_medication_prescribes_a_formulary_drug()
    {
        using var h = new Hospital();
        h.Stock("drug-amox", ("b-1", 30, 100));
        using var other = TestNetwork.KeysFor("dr-two");
        h.Ok(h.Admin(new RegisterDoctorPayload("dr-two", TestNetwork.OrgId, other.Signing.PublicKey, other.Encryption.PublicKey, h.Sealed(h.OrgKey))));
        var notAttending = h.Run(Transaction.Create(TestNetwork.NetworkId, other.Signing, 1, h.Prescribe("rx-1")));
        Assert.Equal(TxVerdict.Unauthorized, notAttending.Verdict);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsPharmacist(h.Prescribe("rx-1"))).Verdict);
        var unknownDrug = h.Run(h.AsDoctor(h.Prescribe("rx-1", drug: "drug-none")));
        Assert.Equal(TxVerdict.NotFound, unknownDrug.Verdict);
        Assert.StartsWith("drugId:", unknownDrug.Reason);
        var badRepeats = h.AsDoctor(h.Prescribe("rx-1", repeats: Pharmacy.MaxRepeats + 1));
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(badRepeats.Encoded.Span, ChainPolicy.Default.MaxTxBytes, out _).Verdict);
        Assert.False(h.Net.State.TryGet(PrescriptionState.Key("rx-1"), out _));
        Assert.Equal(TxVerdict.NotFound, h.Run(h.AsDoctor(h.Prescribe("rx-1") with { PatientId = "pt-nobody" })).Verdict);
        var elsewhere = h.Run(h.AsDoctor(h.Prescribe("rx-1") with { PharmacyId = "other-hospital" }));
        Assert.Equal(TxVerdict.InvalidField, elsewhere.Verdict);
        Assert.StartsWith("pharmacyId:", elsewhere.Reason);
        h.Ok(h.AsDoctor(h.Prescribe("rx-1", repeats: 2)));
        Assert.Equal(30, PrescriptionState.TryDecode(h.Net.State.TryGet(PrescriptionState.Key("rx-1"), out var rx) ? rx : [])!.Authorised);
        Assert.Equal(TxVerdict.AlreadyExists, h.Run(h.AsDoctor(h.Prescribe("rx-1"))).Verdict);
    }

    [Fact]
    public void Dispensing_takes_the_earliest_expiring_batch_first_and_spills_into_the_next_and_charges_the_account()
    {
        using var h = new Hospital();
        h.Stock("drug-amox", ("b-late", 90, 50), ("b-early", 10, 3), ("b-mid", 40, 20));
        h.Ok(h.AsDoctor(h.Prescribe("rx-1", quantity: 5)));
        h.Ok(h.AsPharmacist(h.Dispense("d-1", "rx-1", 5)));
        var dispense = DispenseState.TryDecode(h.Net.State.TryGet(DispenseState.Key("d-1"), out var d) ? d : [])!;
        Assert.Equal([new DispenseLine("b-early", 3), new DispenseLine("b-mid", 2)], dispense.Lines);
        Assert.Equal((0, 18, 50), (h.OnHand("b-early"), h.OnHand("b-mid"), h.OnHand("b-late")));
        var charge = h.Net.State.TryGet(StateKeys.Entry("ch-d-1"), out var e) ? EntryState.TryDecode(e) : null;
        Assert.Equal((EntryType.Charge, "pt-jane", "ph-one"), (charge!.Type, charge.PatientId, charge.AuthorId));
        Assert.Equal((5, 1), Pharmacy.Filled(h.Net.State, "rx-1"));
    }

    [Fact]
    public void Partial_fills_and_repeats_never_exceed_what_was_prescribed()
    {
        using var h = new Hospital();
        h.Stock("drug-amox", ("b-1", 30, 100));
        h.Ok(h.AsDoctor(h.Prescribe("rx-1", quantity: 10, repeats: 1)));
        var tooMuchAtOnce = h.Run(h.AsPharmacist(h.Dispense("d-0", "rx-1", 11)));
        Assert.Equal(TxVerdict.InvalidField, tooMuchAtOnce.Verdict);
        Assert.StartsWith("quantity:", tooMuchAtOnce.Reason);
        h.Ok(h.AsPharmacist(h.Dispense("d-1", "rx-1", 4)));   // a partial first supply
        h.Ok(h.AsPharmacist(h.Dispense("d-2", "rx-1", 6)));
        h.Ok(h.AsPharmacist(h.Dispense("d-3", "rx-1", 10)));  // the repeat
        var beyond = h.Run(h.AsPharmacist(h.Dispense("d-4", "rx-1", 1)));
        Assert.Equal(TxVerdict.Conflict, beyond.Verdict);
        Assert.Contains("20 of 20 prescribed units", beyond.Reason);
        Assert.Equal((20, 3), Pharmacy.Filled(h.Net.State, "rx-1"));
        Assert.Equal(80, h.OnHand("b-1"));
        Assert.False(h.Net.State.TryGet(DispenseState.Key("d-4"), out _));
        Assert.False(h.Net.State.TryGet(StateKeys.Entry("ch-d-4"), out _));
    }

    [Fact]
    public void An_expired_batch_is_never_dispensed_and_stock_never_goes_below_zero()
    {
        using var h = new Hospital();
        h.Stock("drug-amox", ("b-old", 1, 5), ("b-new", 60, 4));
        h.Stock("drug-para", ("b-para", 60, 50));
        h.Ok(h.AsDoctor(h.Prescribe("rx-1", quantity: 10, repeats: 3)));
        var later = T + 3 * Day; // b-old expired the day before

        var named = h.Run(h.AsPharmacist(h.Dispense("d-1", "rx-1", 1, batch: "b-old")), later);
        Assert.Equal((TxVerdict.InvalidField, "batchId: batch 'b-old' has expired"), (named.Verdict, named.Reason));
        var otherDrug = h.Run(h.AsPharmacist(h.Dispense("d-1", "rx-1", 1, batch: "b-para")));
        Assert.Equal(TxVerdict.InvalidField, otherDrug.Verdict);
        var shortBatch = h.Run(h.AsPharmacist(h.Dispense("d-1", "rx-1", 5, batch: "b-new")));
        Assert.Equal((TxVerdict.Conflict, "quantity: batch 'b-new' has 4 on hand"), (shortBatch.Verdict, shortBatch.Reason));
        var short_ = h.Run(h.AsPharmacist(h.Dispense("d-1", "rx-1", 5)));
        Assert.Equal((TxVerdict.Conflict, "quantity: 4 units of the drug are in stock and not expired"), (short_.Verdict, short_.Reason));
        Assert.Equal((5, 4), (h.OnHand("b-old"), h.OnHand("b-new")));

        h.Ok(h.AsPharmacist(h.Dispense("d-1", "rx-1", 4)));
        Assert.Equal((5, 0), (h.OnHand("b-old"), h.OnHand("b-new")));
        Assert.Equal(TxVerdict.Conflict, h.Run(h.AsPharmacist(h.Dispense("d-2", "rx-1", 1))).Verdict);
    }

    [Fact]
    public void Two_dispenses_racing_for_the_last_units_in_one_block_cannot_both_pass()
    {
        using var h = new Hospital();
        h.Stock("drug-amox", ("b-1", 30, 6));
        h.Ok(h.AsDoctor(h.Prescribe("rx-1", quantity: 5)));
        h.Ok(h.AsDoctor(h.Prescribe("rx-2", quantity: 5)));
        var block = h.Net.Append(h.Net.Tip.Timestamp + 1, [h.AsPharmacist(h.Dispense("d-1", "rx-1", 5)), h.AsPharmacist(h.Dispense("d-2", "rx-2", 5))]);
        Assert.Equal([TxVerdict.Ok, TxVerdict.Conflict], block.Execution.Receipts.Select(r => r.Verdict));
        Assert.Equal(1, h.OnHand("b-1"));
    }

    [Fact]
    public void Only_a_pharmacist_of_the_prescriptions_pharmacy_dispenses()
    {
        using var h = new Hospital();
        h.Stock("drug-amox", ("b-1", 30, 10));
        h.Ok(h.AsDoctor(h.Prescribe("rx-1", quantity: 5)));
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.Admin(h.Dispense("d-1", "rx-1", 5))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, h.Run(h.AsDoctor(h.Dispense("d-1", "rx-1", 5))).Verdict);
        Assert.Equal(TxVerdict.NotFound, h.Run(h.AsPharmacist(h.Dispense("d-1", "rx-none", 5))).Verdict);
        var noPatientEnvelope = h.AsPharmacist(h.Dispense("d-1", "rx-1", 5) with { Charge = h.Sealed(h.OrgKey) });
        Assert.Equal(TxVerdict.InvalidField, h.Run(noPatientEnvelope).Verdict);
        Assert.Equal(10, h.OnHand("b-1"));
        Assert.Equal((0, 0), Pharmacy.Filled(h.Net.State, "rx-1"));
    }
}
