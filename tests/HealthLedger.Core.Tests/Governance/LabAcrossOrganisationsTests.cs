using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Governance;

/// <summary>Lab orders to another member organisation's laboratory on the state machine: only with the patient's laboratory grant to it, and only its staff work on them.</summary>
public class LabAcrossOrganisationsTests
{
    private static SealedRecordRef Record(string id, params EncryptionPublicKey[] readers) =>
        new(Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(id)), 10, readers.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)7, 32).ToArray(), [])).ToList());

    [Fact]
    public void A_hospital_doctor_orders_from_a_member_laboratory_only_with_the_patients_grant_and_only_its_staff_handle_the_specimen()
    {
        using var c = new ConsortiumNetwork(2);
        var m = c.Members;
        var hospitalKey = c.Net.Organisation.Encryption.PublicKey;
        var zoe = c.Keys(75);
        var doctor = c.Keys(76);
        var tech = c.Keys(77);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new RegisterPatientPayload("pt-zoe", TestNetwork.OrgId, Hash256.Zero, zoe.Signing.PublicKey, zoe.Encryption.PublicKey,
            Record("pt-zoe", hospitalKey, zoe.Encryption.PublicKey))).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new RegisterUserPayload("dr-one", Role.Doctor, TestNetwork.OrgId, doctor.Signing.PublicKey, doctor.Encryption.PublicKey)).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new RegisterUserPayload("lt-two", Role.LabTechnician, "org-2", tech.Signing.PublicKey, tech.Encryption.PublicKey)).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new ConfigureLabCataloguePayload("org-2", 1, Record("cat-2", c.Keys(102).Encryption.PublicKey))).Verdict);
        // The patient lets the doctor reach their laboratory data (a referral-like grant).
        Assert.Equal(TxVerdict.Ok, c.Submit(zoe, new GrantAccessPayload("gr-dr", "pt-zoe", GranteeKind.Doctor, "dr-one", ConsentCategories.Laboratory, 0, [])).Verdict);

        var order = new PlaceLabOrderPayload("lo-x", "pt-zoe", "org-2", Record("lo-x/1", hospitalKey, zoe.Encryption.PublicKey));
        var before = c.Net.State.RootWithoutNonces();
        var refused = c.Submit(doctor, order);
        Assert.Equal(TxVerdict.Unauthorized, refused.Verdict);
        Assert.StartsWith("laboratoryId:", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());

        Assert.Equal(TxVerdict.Ok, c.Submit(zoe, new GrantAccessPayload("gr-lab", "pt-zoe", GranteeKind.Organisation, "org-2", ConsentCategories.Laboratory, 0, [])).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(doctor, order).Verdict);
        // The hospital's admin is no laboratory staff of org-2; org-2's technician is.
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(m[0].Admin, new RecordLabSpecimenPayload("lo-x", 2, LabOrderStatus.Collected, "sp-x", Record("lo-x/2", hospitalKey, zoe.Encryption.PublicKey))).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(tech, new RecordLabSpecimenPayload("lo-x", 2, LabOrderStatus.Collected, "sp-x", Record("lo-x/2b", hospitalKey, zoe.Encryption.PublicKey))).Verdict);
        var state = LabOrderState.TryDecode(c.Net.State.TryGet(LabOrderState.Key("lo-x"), out var bytes) ? bytes : [])!;
        Assert.Equal(("org-2", "dr-one", LabOrderStatus.Collected, "lt-two"), (state.LabOrganisationId, state.DoctorId, state.Status, state.Steps[^1].AuthorId));
    }
}
