using HealthLedger.Core.Crypto;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Governance;

/// <summary>Referrals across organisations on the state machine: only active members' doctors ask, and only active members' patients are asked or answer with a grant.</summary>
public class AccessRequestMembershipTests
{
    private static SealedReason Reason(string patientId, string requestId, params UserKeys[] readers)
    {
        var key = TestNetwork.Seed(900, 32);
        var aad = SealedReason.Aad(patientId, requestId);
        return new SealedReason(RecordCrypto.Encrypt(key, TestNetwork.Seed(901, RecordCrypto.NonceLength), "Second opinion."u8, aad),
            readers.Select((r, i) => RecordCrypto.Wrap(key, r.Encryption.PublicKey, TestNetwork.Seed(902 + i, 32), aad)).ToList());
    }

    private static SealedRecordRef Record(string id, params EncryptionPublicKey[] readers) =>
        new(Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(id)), 10, readers.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)7, 32).ToArray(), [])).ToList());

    [Fact]
    public void A_doctor_of_another_member_asks_and_a_suspended_members_doctors_and_patients_are_refused_without_writing()
    {
        using var c = new ConsortiumNetwork(3);
        var m = c.Members;
        var zoe = c.Keys(75);
        var ruth = c.Keys(77);
        var two = c.Keys(78);
        var three = c.Keys(79);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new RegisterPatientPayload("pt-zoe", TestNetwork.OrgId, Hash256.Zero, zoe.Signing.PublicKey, zoe.Encryption.PublicKey,
            Record("pt-zoe", c.Net.Organisation.Encryption.PublicKey, zoe.Encryption.PublicKey))).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[2].Admin, new RegisterPatientPayload("pt-ruth", "org-3", Hash256.Zero, ruth.Signing.PublicKey, ruth.Encryption.PublicKey,
            Record("pt-ruth", c.Keys(103).Encryption.PublicKey, ruth.Encryption.PublicKey))).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new RegisterUserPayload("dr-two", Role.Doctor, "org-2", two.Signing.PublicKey, two.Encryption.PublicKey)).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[2].Admin, new RegisterUserPayload("dr-three", Role.Doctor, "org-3", three.Signing.PublicKey, three.Encryption.PublicKey)).Verdict);

        // Across organisations: org-2's and org-3's doctors ask the test hospital's patient.
        Assert.Equal(TxVerdict.Ok, c.Submit(two, new RequestAccessPayload("ar-two", "pt-zoe", "dr-two", ConsentCategories.Reports, 7, Reason("pt-zoe", "ar-two", zoe, two))).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(three, new RequestAccessPayload("ar-three", "pt-zoe", "dr-three", ConsentCategories.Reports, 7, Reason("pt-zoe", "ar-three", zoe, three))).Verdict);
        Assert.Equal("org-3", AccessRequestState.Get(c.Net.State, "pt-zoe", "ar-three")!.DoctorOrganisationId);

        c.Decide("suspend-3", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-3"), approvals: 2);
        var before = c.Net.State.RootWithoutNonces();
        // The patient cannot approve the suspended member's doctor (the grant path refuses), so the request stays pending.
        var approval = c.Submit(zoe, new AnswerAccessRequestPayload("pt-zoe", "ar-three", true, new GrantAccessPayload("gr-1", "pt-zoe", GranteeKind.Doctor, "dr-three", ConsentCategories.Reports, 0, [])));
        Assert.Equal(TxVerdict.Conflict, approval.Verdict);
        Assert.Contains("organisation 'org-3' is suspended", approval.Reason, StringComparison.Ordinal);
        // A suspended member's patient cannot be asked; its doctor cannot ask.
        var asked = c.Submit(two, new RequestAccessPayload("ar-ruth", "pt-ruth", "dr-two", ConsentCategories.Reports, 7, Reason("pt-ruth", "ar-ruth", ruth, two)));
        Assert.Equal(TxVerdict.Conflict, asked.Verdict);
        Assert.StartsWith("patientId: the patient's organisation 'org-3'", asked.Reason, StringComparison.Ordinal);
        Assert.NotEqual(TxVerdict.Ok, c.Submit(three, new RequestAccessPayload("ar-again", "pt-zoe", "dr-three", ConsentCategories.Reports, 7, Reason("pt-zoe", "ar-again", zoe, three))).Verdict);
        Assert.Equal(before, c.Net.State.RootWithoutNonces()); // no refusal wrote anything
        Assert.Equal(AccessRequestStatus.Pending, AccessRequestState.Get(c.Net.State, "pt-zoe", "ar-three")!.Status);
        // The active member's doctor is approved as usual.
        Assert.Equal(TxVerdict.Ok, c.Submit(zoe, new AnswerAccessRequestPayload("pt-zoe", "ar-two", true, new GrantAccessPayload("gr-2", "pt-zoe", GranteeKind.Doctor, "dr-two", ConsentCategories.Reports, 0, []))).Verdict);
        Assert.Equal("dr-two", Consent.CurrentGrant(c.Net.State, "pt-zoe", GranteeKind.Doctor, "dr-two")!.GranteeId);
    }
}
