using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Governance;

/// <summary>
/// <see cref="PostLabChargePayload"/> on the state machine: the patient's organisation (member 1) bills the patient for an
/// order another member's laboratory (org-2) validated — only from its node or admin, only once validated, only once.
/// </summary>
public class LabChargeAcrossOrganisationsTests
{
    private static SealedRecordRef Record(string id, params EncryptionPublicKey[] readers) =>
        new(Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(id)), 10, readers.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)7, 32).ToArray(), [])).ToList());

    private sealed class Setup : IDisposable
    {
        public ConsortiumNetwork C { get; } = new(2);
        public UserKeys Patient { get; }
        public UserKeys Doctor { get; }
        public UserKeys Technician { get; }
        public UserKeys Pathologist { get; }
        public SigningKeyPair LabNode { get; }

        public Setup()
        {
            var m = C.Members;
            Patient = C.Keys(75);
            Doctor = C.Keys(76);
            Technician = C.Keys(77);
            Pathologist = C.Keys(78);
            LabNode = C.Own(SigningKeyPair.FromSeed(TestNetwork.Seed(302, 32)));
            Ok(C.Submit(m[0].Admin, new RegisterPatientPayload("pt-zoe", TestNetwork.OrgId, Hash256.Zero, Patient.Signing.PublicKey, Patient.Encryption.PublicKey, Record("pt-zoe", HospitalKey, PatientKey))));
            Ok(C.Submit(m[0].Admin, new RegisterUserPayload("dr-one", Role.Doctor, TestNetwork.OrgId, Doctor.Signing.PublicKey, Doctor.Encryption.PublicKey)));
            Ok(C.Submit(m[1].Admin, new RegisterUserPayload("lt-two", Role.LabTechnician, "org-2", Technician.Signing.PublicKey, Technician.Encryption.PublicKey)));
            Ok(C.Submit(m[1].Admin, new RegisterUserPayload("pa-two", Role.Pathologist, "org-2", Pathologist.Signing.PublicKey, Pathologist.Encryption.PublicKey)));
            Ok(C.Submit(m[1].Admin, new ConfigureLabCataloguePayload("org-2", 1, Record("cat-2", C.Keys(102).Encryption.PublicKey))));
            Ok(C.Submit(Patient, new GrantAccessPayload("gr-dr", "pt-zoe", GranteeKind.Doctor, "dr-one", ConsentCategories.Laboratory, 0, [])));
            Ok(C.Submit(Patient, new GrantAccessPayload("gr-lab", "pt-zoe", GranteeKind.Organisation, "org-2", ConsentCategories.Laboratory, 0, [])));
            Ok(C.Submit(Doctor, new PlaceLabOrderPayload("lo-x", "pt-zoe", "org-2", Step(1))));
            Ok(C.Submit(Technician, new RecordLabSpecimenPayload("lo-x", 2, LabOrderStatus.Collected, "sp-x", Step(2))));
            Ok(C.Submit(Technician, new RecordLabSpecimenPayload("lo-x", 3, LabOrderStatus.Received, "sp-x", Step(3))));
            Ok(C.Submit(Technician, new EnterLabResultsPayload("lo-x", 4, Step(4))));
        }

        public EncryptionPublicKey HospitalKey => C.Net.Organisation.Encryption.PublicKey;
        public EncryptionPublicKey PatientKey => Patient.Encryption.PublicKey;

        public SealedRecordRef Step(int version) => Record($"lo-x/{version}", HospitalKey, PatientKey);

        public SealedRecordRef Charge(string id) => Record($"charge/{id}", HospitalKey, PatientKey);

        public LabOrderState Order => LabOrderState.TryDecode(C.Net.State.TryGet(LabOrderState.Key("lo-x"), out var b) ? b : [])!;

        public EntryState? Entry(string id) => C.Net.State.TryGet(StateKeys.Entry(id), out var b) ? EntryState.TryDecode(b) : null;

        public void Validate() => Ok(C.Submit(Pathologist, new ValidateLabResultsPayload("lo-x", 5, Step(5), "", null)));

        public static void Ok(Receipt r) => Assert.True(r.Verdict == TxVerdict.Ok, r.Reason);

        public void Dispose() => C.Dispose();
    }

    [Fact]
    public void The_patients_organisations_node_charges_a_validated_order_of_another_laboratory_once()
    {
        using var s = new Setup();
        s.Validate();
        Assert.Equal("", s.Order.ChargeEntryId);
        var steps = s.Order.Steps.Count;

        Setup.Ok(s.C.Submit(s.C.Net.Node, new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("en-lab-x"))));

        var entry = s.Entry("en-lab-x");
        Assert.NotNull(entry);
        Assert.Equal((EntryType.Charge, "pt-zoe", "test-node-1"), (entry.Type, entry.PatientId, entry.AuthorId));
        Assert.Equal("en-lab-x", s.Order.ChargeEntryId);
        Assert.Equal((steps, LabOrderStatus.Validated), (s.Order.Steps.Count, s.Order.Status));

        // A second charge — from the same node, another one or an admin of the organisation — is refused and writes nothing.
        var root = s.C.Net.State.RootWithoutNonces();
        var again = s.C.Submit(s.C.Net.Node, new PostLabChargePayload("lo-x", "en-lab-y", s.Charge("en-lab-y")));
        Assert.Equal(TxVerdict.Conflict, again.Verdict);
        Assert.StartsWith("chargeEntryId:", again.Reason, StringComparison.Ordinal);
        Assert.Equal(TxVerdict.Conflict, s.C.Submit(s.C.Members[0].Admin, new PostLabChargePayload("lo-x", "en-lab-z", s.Charge("en-lab-z"))).Verdict);
        Assert.Null(s.Entry("en-lab-y"));
        Assert.Null(s.Entry("en-lab-z"));
        Assert.Equal(root, s.C.Net.State.RootWithoutNonces());
    }

    [Fact]
    public void The_laboratorys_node_or_admin_and_the_hospitals_doctor_may_not_post_the_charge()
    {
        using var s = new Setup();
        s.Validate();
        var root = s.C.Net.State.RootWithoutNonces();
        foreach (var refused in new[]
        {
            s.C.Submit(s.LabNode, new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("en-lab-x"))),
            s.C.Submit(s.C.Members[1].Admin, new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("en-lab-x"))),
            s.C.Submit(s.Pathologist, new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("en-lab-x"))),
            s.C.Submit(s.Doctor, new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("en-lab-x"))),
        })
        {
            Assert.Equal(TxVerdict.Unauthorized, refused.Verdict);
        }
        Assert.Equal(root, s.C.Net.State.RootWithoutNonces());
        Assert.Equal("", s.Order.ChargeEntryId);
        // The organisation's admin may (the node's background writer is the usual sender).
        Setup.Ok(s.C.Submit(s.C.Members[0].Admin, new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("en-lab-x"))));
        Assert.Equal("admin", s.Entry("en-lab-x")!.AuthorId);
    }

    [Fact]
    public void An_order_is_charged_only_once_validated_and_its_charge_must_be_sealed_for_the_organisation_and_the_patient()
    {
        using var s = new Setup();
        var early = s.C.Submit(s.C.Net.Node, new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("en-lab-x")));
        Assert.Equal(TxVerdict.Conflict, early.Verdict);
        Assert.StartsWith("status:", early.Reason, StringComparison.Ordinal);
        Assert.Equal(TxVerdict.NotFound, s.C.Submit(s.C.Net.Node, new PostLabChargePayload("lo-none", "en-lab-x", s.Charge("en-lab-x"))).Verdict);
        s.Validate();
        // Sealed for the laboratory only: neither the hospital nor the patient could read their own account line.
        var labOnly = s.C.Submit(s.C.Net.Node, new PostLabChargePayload("lo-x", "en-lab-x", Record("charge/lab-only", s.C.Organisation("org-2").EncryptionKey)));
        Assert.Equal(TxVerdict.InvalidField, labOnly.Verdict);
        Setup.Ok(s.C.Submit(s.C.Net.Node, new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("en-lab-x"))));
        Assert.Equal("en-lab-x", s.Order.ChargeEntryId);
    }

    [Fact]
    public void Payload_fields_are_checked_at_the_door_and_the_payload_round_trips()
    {
        using var s = new Setup();
        Assert.Equal(TxVerdict.InvalidField, s.C.Submit(s.C.Net.Node, new PostLabChargePayload("LO X", "en-lab-x", s.Charge("a"))).Verdict);
        Assert.Equal(TxVerdict.InvalidField, s.C.Submit(s.C.Net.Node, new PostLabChargePayload("lo-x", "", s.Charge("b"))).Verdict);
        var payload = new PostLabChargePayload("lo-x", "en-lab-x", s.Charge("c"));
        var tx = Core.Transactions.Transaction.Create(TestNetwork.NetworkId, s.C.Net.Node, 99, payload);
        Assert.True(Core.Transactions.Transaction.TryDecode(tx.Encoded.Span, ChainPolicy.MaxTxBytesCeiling, out var back).IsOk);
        Assert.Equal(payload, back!.Payload);
    }
}
