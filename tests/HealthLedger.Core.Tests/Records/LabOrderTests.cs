using HealthLedger.Core.Crypto;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Records;

/// <summary>The state machine of lab orders: ordered → collected → received → resulted → validated, who may do each step, and every refusal.</summary>
public class LabOrderTests
{
    private const ulong T = 1_700_000_100_000;

    private sealed class Lab : IDisposable
    {
        private readonly Dictionary<string, ulong> _nonces = [];
        private int _seal;

        public TestNetwork Net { get; } = new();
        public UserKeys Patient { get; } = TestNetwork.KeysFor("pt-jane");
        public UserKeys Doctor { get; } = TestNetwork.KeysFor("dr-one");
        public UserKeys Technician { get; } = TestNetwork.KeysFor("lt-one");
        public UserKeys Pathologist { get; } = TestNetwork.KeysFor("pa-one");
        public UserKeys Pathologist2 { get; } = TestNetwork.KeysFor("pa-two");

        public Lab(bool catalogue = true)
        {
            var block = Net.Append(T, [
                Admin(new RegisterDoctorPayload("dr-one", TestNetwork.OrgId, Doctor.Signing.PublicKey, Doctor.Encryption.PublicKey, Sealed(OrgKey))),
                Admin(new RegisterPatientPayload("pt-jane", TestNetwork.OrgId, Hashing.Sha256("mrn-1"u8), Patient.Signing.PublicKey, Patient.Encryption.PublicKey, Sealed(OrgKey, PatientKey))),
                Admin(new RegisterUserPayload("lt-one", Role.LabTechnician, TestNetwork.OrgId, Technician.Signing.PublicKey, Technician.Encryption.PublicKey)),
                Admin(new RegisterUserPayload("pa-one", Role.Pathologist, TestNetwork.OrgId, Pathologist.Signing.PublicKey, Pathologist.Encryption.PublicKey)),
                Admin(new RegisterUserPayload("pa-two", Role.Pathologist, TestNetwork.OrgId, Pathologist2.Signing.PublicKey, Pathologist2.Encryption.PublicKey)),
                Admin(new AddEntryPayload("en-adm", "pt-jane", EntryType.Admission, "dr-one", "", Sealed(OrgKey, PatientKey), Hashing.Sha256("bed-1"u8))),
            ]);
            Assert.All(block.Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
            if (catalogue) Assert.Equal(TxVerdict.Ok, Run(Admin(new ConfigureLabCataloguePayload(TestNetwork.OrgId, 1, Sealed(OrgKey)))).Verdict);
        }

        public EncryptionPublicKey OrgKey => Net.Organisation.Encryption.PublicKey;
        public EncryptionPublicKey PatientKey => Patient.Encryption.PublicKey;

        public SealedRecordRef Sealed(params EncryptionPublicKey[] to) =>
            new(Hashing.Sha256(BitConverter.GetBytes(++_seal)), 64, to.Select(k => RecordCrypto.Wrap(new byte[32], k, new byte[32], [])).ToList());

        public SealedRecordRef Step() => Sealed(OrgKey, PatientKey);

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        public Transaction As(UserKeys keys, TxPayload payload)
        {
            var name = keys.Signing.PublicKey.ToString();
            _nonces[name] = _nonces.GetValueOrDefault(name) + 1;
            return Transaction.Create(TestNetwork.NetworkId, keys.Signing, _nonces[name], payload);
        }

        public Receipt Run(Transaction tx) => Assert.Single(Net.Append(Net.Tip.Timestamp + 1, [tx]).Execution.Receipts);

        public LabOrderState? Order(string id = "lo-1") => Net.State.TryGet(LabOrderState.Key(id), out var b) ? LabOrderState.TryDecode(b) : null;

        public Receipt PlaceOrder(string id = "lo-1", UserKeys? by = null, string lab = TestNetwork.OrgId) =>
            Run(As(by ?? Doctor, new PlaceLabOrderPayload(id, "pt-jane", lab, Step())));

        public Receipt Collect(int version = 2, string specimen = "sp-1", UserKeys? by = null, string order = "lo-1") =>
            Run(As(by ?? Technician, new RecordLabSpecimenPayload(order, version, LabOrderStatus.Collected, specimen, Step())));

        public Receipt Receive(int version = 3, string specimen = "sp-1", UserKeys? by = null) =>
            Run(As(by ?? Technician, new RecordLabSpecimenPayload("lo-1", version, LabOrderStatus.Received, specimen, Step())));

        public Receipt Results(int version = 4, UserKeys? by = null) => Run(As(by ?? Technician, new EnterLabResultsPayload("lo-1", version, Step())));

        public Receipt Validate(int version = 5, UserKeys? by = null, string charge = "en-lab-1") =>
            Run(As(by ?? Pathologist, new ValidateLabResultsPayload("lo-1", version, Step(), charge, charge.Length > 0 ? Step() : null)));

        public void Dispose()
        {
            foreach (var k in new[] { Patient, Doctor, Technician, Pathologist, Pathologist2 }) k.Dispose();
            Net.Dispose();
        }
    }

    [Fact]
    public void An_order_goes_ordered_collected_received_resulted_validated_and_the_validation_posts_the_charge()
    {
        using var lab = new Lab();
        Assert.Equal(TxVerdict.Ok, lab.PlaceOrder().Verdict);
        Assert.Equal(LabOrderStatus.Ordered, lab.Order()!.Status);
        Assert.Equal(TxVerdict.Ok, lab.Collect().Verdict);
        Assert.Equal(("sp-1", LabOrderStatus.Collected), (lab.Order()!.SpecimenId, lab.Order()!.Status));
        Assert.Equal(TxVerdict.Ok, lab.Receive().Verdict);
        Assert.Equal(TxVerdict.Ok, lab.Results().Verdict);
        Assert.Equal("lt-one", lab.Order()!.ResultsAuthorId);
        Assert.Equal(TxVerdict.Ok, lab.Validate().Verdict);
        var order = lab.Order()!;
        Assert.Equal(LabOrderStatus.Validated, order.Status);
        Assert.Equal([LabOrderStatus.Ordered, LabOrderStatus.Collected, LabOrderStatus.Received, LabOrderStatus.Resulted, LabOrderStatus.Validated], order.Steps.Select(s => s.Step));
        Assert.Equal(("dr-one", "en-lab-1"), (order.DoctorId, order.ChargeEntryId));
        var charge = lab.Net.State.TryGet(StateKeys.Entry("en-lab-1"), out var e) ? EntryState.TryDecode(e) : null;
        Assert.Equal((EntryType.Charge, "pt-jane", "pa-one"), (charge!.Type, charge.PatientId, charge.AuthorId));
        // Every step is a record of the patient (record id = order id, version = step), so a grant can re-wrap it.
        var context = new TxContext(new Core.State.StateOverlay(lab.Net.State), lab.Net.Tip.Height + 1, lab.Net.Tip.Timestamp + 1, null);
        Assert.True(TxKinds.IsRecordOfPatient(context, "lo-1", 5, "pt-jane"));
        Assert.False(TxKinds.IsRecordOfPatient(context, "lo-1", 6, "pt-jane"));
    }

    [Fact]
    public void An_amendment_after_sign_off_needs_a_new_validation_and_posts_no_second_charge()
    {
        using var lab = new Lab();
        lab.PlaceOrder(); lab.Collect(); lab.Receive(); lab.Results();
        Assert.Equal(TxVerdict.Ok, lab.Validate().Verdict);
        Assert.Equal(TxVerdict.Ok, lab.Results(6, lab.Pathologist).Verdict);
        Assert.Equal(LabOrderStatus.Resulted, lab.Order()!.Status);
        // pa-one entered the amendment, so pa-one may not validate it; a second charge is refused.
        Assert.Equal(TxVerdict.Unauthorized, lab.Validate(7, lab.Pathologist, charge: "").Verdict);
        var second = lab.Validate(7, lab.Pathologist2, charge: "en-lab-2");
        Assert.Equal(TxVerdict.Conflict, second.Verdict);
        Assert.StartsWith("chargeEntryId:", second.Reason);
        Assert.False(lab.Net.State.TryGet(StateKeys.Entry("en-lab-2"), out _));
        Assert.Equal(TxVerdict.Ok, lab.Validate(7, lab.Pathologist2, charge: "").Verdict);
        Assert.Equal((LabOrderStatus.Validated, 7, "en-lab-1"), (lab.Order()!.Status, lab.Order()!.Steps.Count, lab.Order()!.ChargeEntryId));
    }

    [Fact]
    public void An_order_of_the_patients_own_laboratory_is_charged_by_its_validation_not_by_a_separate_lab_charge()
    {
        using var lab = new Lab();
        lab.PlaceOrder(); lab.Collect(); lab.Receive(); lab.Results();
        Assert.Equal(TxVerdict.Ok, lab.Validate(charge: "").Verdict);
        var refused = lab.Run(lab.Admin(new PostLabChargePayload("lo-1", "en-lab-9", lab.Step())));
        Assert.Equal(TxVerdict.Conflict, refused.Verdict);
        Assert.StartsWith("orderId:", refused.Reason, StringComparison.Ordinal);
        Assert.Equal("", lab.Order()!.ChargeEntryId);
    }

    [Fact]
    public void Ordering_needs_a_doctor_who_reaches_the_patients_laboratory_data_a_fresh_id_and_a_laboratory_with_a_catalogue()
    {
        using (var none = new Lab(catalogue: false))
        {
            var noCatalogue = none.PlaceOrder();
            Assert.Equal(TxVerdict.NotFound, noCatalogue.Verdict);
            Assert.Contains("no test catalogue", noCatalogue.Reason);
            Assert.Null(none.Order());
        }
        using var lab = new Lab();
        Assert.Equal(TxVerdict.Unauthorized, lab.PlaceOrder(by: lab.Technician).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, lab.PlaceOrder(by: lab.Pathologist).Verdict);
        Assert.Equal(TxVerdict.NotFound, lab.PlaceOrder(lab: "no-such-lab").Verdict);
        Assert.Equal(TxVerdict.Ok, lab.PlaceOrder().Verdict);
        Assert.Equal(TxVerdict.AlreadyExists, lab.PlaceOrder().Verdict);
        // A doctor who no longer attends (discharge ends care after the policy's time) cannot order: a doctor without care or grant.
        using var stranger = TestNetwork.KeysFor("dr-two");
        Assert.Equal(TxVerdict.Ok, lab.Run(lab.Admin(new RegisterDoctorPayload("dr-two", TestNetwork.OrgId, stranger.Signing.PublicKey, stranger.Encryption.PublicKey, lab.Sealed(lab.OrgKey)))).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, lab.PlaceOrder("lo-2", by: stranger).Verdict);
        Assert.Null(lab.Order("lo-2"));
    }

    [Fact]
    public void Steps_out_of_order_or_at_a_stale_version_are_refused_and_change_nothing()
    {
        using var lab = new Lab();
        Assert.Equal(TxVerdict.NotFound, lab.Collect().Verdict);
        lab.PlaceOrder();
        Assert.Equal(TxVerdict.Conflict, lab.Receive(2).Verdict);     // not collected yet
        Assert.Equal(TxVerdict.Conflict, lab.Results(2).Verdict);     // no specimen received
        Assert.Equal(TxVerdict.Conflict, lab.Validate(2).Verdict);    // nothing to validate
        Assert.Equal(TxVerdict.Conflict, lab.Collect(version: 3).Verdict); // stale or future version
        Assert.Single(lab.Order()!.Steps);
        Assert.Equal(TxVerdict.Ok, lab.Collect().Verdict);
        Assert.Equal(TxVerdict.Conflict, lab.Collect(version: 3, specimen: "sp-2").Verdict); // collected once
        Assert.False(lab.Net.State.TryGet(LabOrderState.SpecimenKey("sp-2"), out _));
    }

    [Fact]
    public void Specimen_ids_are_unique_and_the_received_specimen_must_be_the_orders()
    {
        using var lab = new Lab();
        lab.PlaceOrder();
        lab.PlaceOrder("lo-2");
        Assert.Equal(TxVerdict.Ok, lab.Collect().Verdict);
        Assert.Equal(TxVerdict.AlreadyExists, lab.Collect(order: "lo-2").Verdict);
        var wrong = lab.Receive(specimen: "sp-9");
        Assert.Equal(TxVerdict.InvalidField, wrong.Verdict);
        Assert.StartsWith("specimenId:", wrong.Reason);
        Assert.Equal(TxVerdict.Ok, lab.Receive().Verdict);
    }

    [Fact]
    public void Only_laboratory_staff_handle_specimens_and_results_and_only_another_pathologist_validates()
    {
        using var lab = new Lab();
        lab.PlaceOrder();
        Assert.Equal(TxVerdict.Unauthorized, lab.Collect(by: lab.Patient).Verdict);
        Assert.Equal(TxVerdict.Ok, lab.Collect(by: lab.Doctor).Verdict);   // the ordering doctor may collect
        Assert.Equal(TxVerdict.Unauthorized, lab.Receive(by: lab.Doctor).Verdict);
        Assert.Equal(TxVerdict.Ok, lab.Receive().Verdict);
        Assert.Equal(TxVerdict.Unauthorized, lab.Results(by: lab.Doctor).Verdict);
        Assert.Equal(TxVerdict.Ok, lab.Results(by: lab.Pathologist).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, lab.Validate(by: lab.Technician).Verdict);
        var own = lab.Validate(by: lab.Pathologist);
        Assert.Equal(TxVerdict.Unauthorized, own.Verdict);
        Assert.Contains("other than the one who entered them", own.Reason);
        Assert.False(lab.Net.State.TryGet(StateKeys.Entry("en-lab-1"), out _));
        Assert.Equal(TxVerdict.Ok, lab.Validate(by: lab.Pathologist2).Verdict);
    }

    [Fact]
    public void Records_must_be_sealed_for_the_organisation_and_the_patient()
    {
        using var lab = new Lab();
        var bare = lab.Run(lab.As(lab.Doctor, new PlaceLabOrderPayload("lo-1", "pt-jane", TestNetwork.OrgId, lab.Sealed(lab.OrgKey))));
        Assert.Equal(TxVerdict.InvalidField, bare.Verdict);
        Assert.Contains("the patient", bare.Reason);
        Assert.Null(lab.Order());
    }

    [Fact]
    public void Only_an_admin_of_the_organisation_configures_its_catalogue_version_after_version()
    {
        using var lab = new Lab();
        Assert.Equal(TxVerdict.Unauthorized, lab.Run(lab.As(lab.Pathologist, new ConfigureLabCataloguePayload(TestNetwork.OrgId, 2, lab.Sealed(lab.OrgKey)))).Verdict);
        Assert.Equal(TxVerdict.Conflict, lab.Run(lab.Admin(new ConfigureLabCataloguePayload(TestNetwork.OrgId, 3, lab.Sealed(lab.OrgKey)))).Verdict);
        Assert.Equal(TxVerdict.Ok, lab.Run(lab.Admin(new ConfigureLabCataloguePayload(TestNetwork.OrgId, 2, lab.Sealed(lab.OrgKey)))).Verdict);
    }

    [Fact]
    public void Payload_fields_are_checked_at_the_door()
    {
        using var lab = new Lab();
        var badStep = lab.As(lab.Technician, new RecordLabSpecimenPayload("lo-1", 2, LabOrderStatus.Resulted, "sp-1", lab.Step()));
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(badStep.Encoded.Span, 65536, out _).Verdict);
        var halfCharge = lab.As(lab.Pathologist, new ValidateLabResultsPayload("lo-1", 5, lab.Step(), "en-x", null));
        Assert.Equal(TxVerdict.InvalidField, Transaction.TryDecode(halfCharge.Encoded.Span, 65536, out _).Verdict);
        var round = new ValidateLabResultsPayload("lo-1", 5, lab.Step(), "en-x", lab.Step());
        var tx = lab.As(lab.Pathologist, round);
        Assert.Equal(TxVerdict.Ok, Transaction.TryDecode(tx.Encoded.Span, 65536, out var back).Verdict);
        Assert.Equal(tx.Encoded.ToArray(), back!.Encoded.ToArray());
    }

    [Fact]
    public void Only_a_node_records_a_printout_of_a_validation_step_and_the_hash_then_names_the_lab_order_step()
    {
        using var lab = new Lab();
        lab.PlaceOrder(); lab.Collect(); lab.Receive(); lab.Results();
        var pdf = Hashing.Sha256("lab report lo-1 v5"u8);
        Transaction ByNode(ulong nonce, int version) =>
            Transaction.Create(TestNetwork.NetworkId, lab.Net.Node, nonce, new RecordPrintoutPayload("lo-1", version, pdf, PrintoutSubject.LabReport));
        Assert.Equal(TxVerdict.Conflict, lab.Run(ByNode(1, 4)).Verdict); // results, not yet validated
        Assert.Equal(TxVerdict.Ok, lab.Validate().Verdict);
        Assert.Equal(TxVerdict.NotFound, lab.Run(ByNode(2, 6)).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, lab.Run(lab.As(lab.Doctor, new RecordPrintoutPayload("lo-1", 5, pdf, PrintoutSubject.LabReport))).Verdict);
        Assert.Equal(TxVerdict.Ok, lab.Run(ByNode(3, 5)).Verdict);
        Assert.True(lab.Net.State.TryGet(StateKeys.ContentHash(pdf), out var pointer));
        Assert.Equal("laborder/lo-1/5", System.Text.Encoding.UTF8.GetString(pointer));
        // A lab order is not a medical report: the report subject finds no report lo-1.
        Assert.Equal(TxVerdict.NotFound, lab.Run(Transaction.Create(TestNetwork.NetworkId, lab.Net.Node, 4, new RecordPrintoutPayload("lo-1", 5, pdf))).Verdict);
        var tx = ByNode(5, 5);
        Assert.True(Transaction.TryDecode(tx.Encoded.Span, 65536, out var decoded).IsOk);
        Assert.Equal(tx.Payload, decoded!.Payload);
    }
    [Fact]
    public void A_whole_record_printout_names_an_existing_patient_at_a_past_block_and_keeps_its_recording_proof()
    {
        using var lab = new Lab();
        var pdf = Hashing.Sha256("whole record pt-jane"u8);
        var height = lab.Net.Tip.Height;
        Transaction ByNode(ulong nonce, string patient, ulong at) =>
            Transaction.Create(TestNetwork.NetworkId, lab.Net.Node, nonce, new RecordPrintoutPayload(patient, (int)at, pdf, PrintoutSubject.PatientRecord));
        Assert.Equal(TxVerdict.NotFound, lab.Run(ByNode(1, "pt-nobody", height)).Verdict);
        Assert.Equal(TxVerdict.Conflict, lab.Run(ByNode(2, "pt-jane", height + 50)).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, lab.Run(lab.As(lab.Patient, new RecordPrintoutPayload("pt-jane", (int)height, pdf, PrintoutSubject.PatientRecord))).Verdict);
        Assert.False(lab.Net.State.TryGet(StateKeys.ContentHash(pdf), out _));
        var recorded = ByNode(3, "pt-jane", height);
        Assert.Equal(TxVerdict.Ok, lab.Run(recorded).Verdict);
        Assert.True(lab.Net.State.TryGet(StateKeys.ContentHash(pdf), out var pointer));
        Assert.Equal($"patientrecord/pt-jane/{height}", System.Text.Encoding.UTF8.GetString(pointer));
        Assert.True(lab.Net.State.TryGet(StateKeys.RecordPrintout("pt-jane", height, pdf), out var proofBytes));
        var reader = new CanonicalReader(proofBytes);
        Assert.True(RecordProof.TryRead(ref reader, out var proof));
        Assert.Equal(recorded.Id, proof.TxId);
        Assert.True(Transaction.TryDecode(recorded.Encoded.Span, 65536, out var decoded).IsOk);
        Assert.Equal(recorded.Payload, decoded!.Payload);
    }
}
