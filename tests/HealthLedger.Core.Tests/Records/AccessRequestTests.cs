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
/// Referrals on the state machine: a doctor asks a patient for access (<see cref="TxKind.RequestAccess"/>); the patient
/// approves, with the grant in the same transaction, or declines (<see cref="TxKind.AnswerAccessRequest"/>), once, before
/// the request expires. Every refusal writes nothing.
/// </summary>
public class AccessRequestTests
{
    private const ulong T0 = 1_700_000_100_000;
    private const string Patient = "pt-kim";
    private const ulong Day = AccessRequestState.DayMs;

    private sealed class World : IDisposable
    {
        private readonly Dictionary<string, ulong> _nonces = [];
        private int _seed = 1;

        public TestNetwork Net { get; } = new(T0 - 1000);
        public UserKeys PatientKeys { get; } = TestNetwork.KeysFor(Patient);
        public UserKeys Doctor { get; } = TestNetwork.KeysFor("dr-ref");
        public UserKeys Other { get; } = TestNetwork.KeysFor("dr-oth");
        public UserKeys Clerk { get; } = TestNetwork.KeysFor("clerk");
        public byte[] DemographicsKey { get; }

        public World()
        {
            var org = Net.Organisation.Encryption.PublicKey;
            DemographicsKey = Fresh(CategoryKeyCrypto.KeyLength);
            var readers = new[] { (KeyReaderKind.Organisation, TestNetwork.OrgId, org), (KeyReaderKind.Patient, Patient, PatientKeys.Encryption.PublicKey) }
                .Select(r => new CategoryKeyReader(r.Item1, r.Item2, CategoryKeyCrypto.WrapForReader(DemographicsKey, r.Item3, Fresh(32), Patient, (byte)ConsentCategories.Demographics, 1))).ToList();
            var dataKey = Fresh(RecordCrypto.DataKeyLength);
            var wrapped = CategoryKeyCrypto.WrapDataKey(DemographicsKey, Fresh(RecordCrypto.NonceLength), dataKey,
                CategoryKeyCrypto.DataKeyAad(Patient, (byte)ConsentCategories.Demographics, 1, Patient, 1));
            var record = new SealedRecordRef(Hashing.Sha256(dataKey), 10, [], new CategoryKeyWrap(Patient, ConsentCategories.Demographics, 1, wrapped, readers));
            var receipts = Net.Append(T0, [
                Admin(new RegisterDoctorPayload("dr-ref", TestNetwork.OrgId, Doctor.Signing.PublicKey, Doctor.Encryption.PublicKey, Legacy(1, org))),
                Admin(new RegisterDoctorPayload("dr-oth", TestNetwork.OrgId, Other.Signing.PublicKey, Other.Encryption.PublicKey, Legacy(2, org))),
                Admin(new RegisterUserPayload("clerk", Role.Admin, TestNetwork.OrgId, Clerk.Signing.PublicKey, Clerk.Encryption.PublicKey)),
                Admin(new RegisterPatientPayload(Patient, TestNetwork.OrgId, Hash256.Zero, PatientKeys.Signing.PublicKey, PatientKeys.Encryption.PublicKey, record)),
            ]).Execution.Receipts;
            Assert.All(receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
        }

        public byte[] Fresh(int length) => TestNetwork.Seed(_seed++ + 2000, length);

        public SealedRecordRef Legacy(int n, params EncryptionPublicKey[] to) =>
            new(Hashing.Sha256(BitConverter.GetBytes(n)), 10, to.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)n, 32).ToArray(), [])).ToList());

        public Transaction Admin(TxPayload payload)
        {
            Net.UseAdminNonce(Net.AdminNonce + 1);
            return Transaction.Create(TestNetwork.NetworkId, Net.Admin.Signing, Net.AdminNonce, payload);
        }

        /// <summary>The reason sealed for <paramref name="readers"/>, as the doctor's node seals it.</summary>
        public SealedReason Reason(string requestId, string text, params EncryptionPublicKey[] readers)
        {
            var key = Fresh(32);
            var aad = SealedReason.Aad(Patient, requestId);
            return new SealedReason(RecordCrypto.Encrypt(key, Fresh(RecordCrypto.NonceLength), System.Text.Encoding.UTF8.GetBytes(text), aad),
                readers.Select(r => RecordCrypto.Wrap(key, r, Fresh(32), aad)).ToList());
        }

        public RequestAccessPayload Request(string id, ConsentCategories categories = ConsentCategories.Demographics | ConsentCategories.Reports, int days = 7,
            string patient = Patient, string doctor = "dr-ref", SealedReason? reason = null) =>
            new(id, patient, doctor, categories, days, reason ?? Reason(id, "Referred for a cardiology review.", PatientKeys.Encryption.PublicKey, Doctor.Encryption.PublicKey));

        /// <summary>The approval the patient's node builds: the demographics key of epoch 1 re-wrapped for the doctor.</summary>
        public AnswerAccessRequestPayload Approve(string requestId, string grantId, ConsentCategories categories = ConsentCategories.Demographics | ConsentCategories.Reports,
            string doctor = "dr-ref", EncryptionPublicKey? to = null) =>
            new(Patient, requestId, true, new GrantAccessPayload(grantId, Patient, GranteeKind.Doctor, doctor, categories, 0, [],
                [new GrantedCategoryKey(ConsentCategories.Demographics, 1,
                    CategoryKeyCrypto.WrapForReader(DemographicsKey, to ?? Doctor.Encryption.PublicKey, Fresh(32), Patient, (byte)ConsentCategories.Demographics, 1))]));

        public AnswerAccessRequestPayload Decline(string requestId) => new(Patient, requestId, false, null);

        /// <summary>Runs one transaction signed by <paramref name="keys"/> in its own block; a refused one uses up its nonce too (once past the signer check).</summary>
        public Receipt Run(ulong at, UserKeys keys, TxPayload payload)
        {
            var name = keys.Signing.PublicKey.ToString();
            var nonce = _nonces.GetValueOrDefault(name) + 1;
            var receipt = Assert.Single(Net.Append(at, [Transaction.Create(TestNetwork.NetworkId, keys.Signing, nonce, payload)]).Execution.Receipts);
            if (receipt.Verdict is not (TxVerdict.BadNonce or TxVerdict.BadSignature)) _nonces[name] = nonce;
            return receipt;
        }

        public AccessRequestState? Stored(string id) => AccessRequestState.Get(Net.State, Patient, id);

        public GrantState? CurrentGrant(string doctor = "dr-ref") => Consent.CurrentGrant(Net.State, Patient, GranteeKind.Doctor, doctor);

        public UserRecord User(string id) => UserRecord.TryDecode(Net.State.TryGet(StateKeys.User(id), out var b) ? b : [])!;

        public void Dispose()
        {
            PatientKeys.Dispose();
            Doctor.Dispose();
            Other.Dispose();
            Clerk.Dispose();
            Net.Dispose();
        }
    }

    private static TxResult Decoded(TxPayload payload, UserKeys signer) =>
        Transaction.TryDecode(Transaction.Create(TestNetwork.NetworkId, signer.Signing, 1, payload).Encoded.Span, 65536, out _);

    [Fact]
    public void A_request_is_stored_pending_with_its_reason_sealed_for_the_patient_and_the_doctor_only()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.Doctor, w.Request("ar-1")).Verdict);

        var stored = w.Stored("ar-1")!;
        Assert.Equal((AccessRequestStatus.Pending, "dr-ref", TestNetwork.OrgId, 7, T0 + 10, T0 + 10 + 14 * Day),
            (stored.Status, stored.DoctorId, stored.DoctorOrganisationId, stored.DurationDays, stored.RequestedAt, stored.ExpiresAt));
        Assert.True(stored.IsOpenAt(T0 + 11));
        Assert.True(w.Net.State.TryGet(StateKeys.DoctorAccessRequest("dr-ref", "ar-1"), out var listed));
        Assert.Equal(Patient, System.Text.Encoding.UTF8.GetString(listed));
        // The patient opens the reason with their own key; no plaintext is in the state.
        var envelope = stored.Reason.Envelopes.Single(e => e.Recipient == w.PatientKeys.Encryption.PublicKey);
        Assert.True(RecordCrypto.TryUnwrap(envelope, w.PatientKeys.Encryption, SealedReason.Aad(Patient, "ar-1"), out var key));
        Assert.True(RecordCrypto.TryDecrypt(key, stored.Reason.Ciphertext, SealedReason.Aad(Patient, "ar-1"), out var text));
        Assert.Equal("Referred for a cardiology review.", System.Text.Encoding.UTF8.GetString(text));
        Assert.True(w.Net.State.TryGet(StateKeys.AccessRequest(Patient, "ar-1"), out var raw));
        Assert.Equal(-1, raw.AsSpan().IndexOf("cardiology"u8));
    }

    [Fact]
    public void Requests_are_refused_for_a_non_doctor_another_doctors_name_an_unknown_patient_bad_fields_a_taken_id_a_duplicate_and_a_badly_sealed_reason()
    {
        using var w = new World();
        var before = w.Net.State.RootWithoutNonces();
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 1, w.Clerk, w.Request("ar-1", doctor: "clerk")).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 2, w.PatientKeys, w.Request("ar-1")).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 3, w.Other, w.Request("ar-1")).Verdict); // in dr-ref's name
        var unknown = w.Run(T0 + 4, w.Doctor, w.Request("ar-1", patient: "pt-nobody"));
        Assert.Equal(TxVerdict.NotFound, unknown.Verdict);
        Assert.StartsWith("patientId:", unknown.Reason, StringComparison.Ordinal);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 5, w.Doctor, w.Request("ar-1", patient: "dr-oth")).Verdict); // a doctor is not a patient
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 6, w.Doctor,
            w.Request("ar-1", reason: w.Reason("ar-1", "why", w.PatientKeys.Encryption.PublicKey))).Verdict); // not sealed for the doctor
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 7, w.Doctor,
            w.Request("ar-1", reason: w.Reason("ar-1", "why", w.PatientKeys.Encryption.PublicKey, w.Doctor.Encryption.PublicKey, w.Other.Encryption.PublicKey))).Verdict); // and a third reader
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 8, w.Doctor,
            w.Request("ar-1", reason: w.Reason("ar-1", "why", w.Other.Encryption.PublicKey, w.Doctor.Encryption.PublicKey))).Verdict); // not for the patient
        // Stateless field checks: categories outside the set or none, durations out of 1..365, an empty reason, a bad id.
        Assert.Equal(TxVerdict.InvalidField, Decoded(w.Request("ar-1", categories: ConsentCategories.None), w.Doctor).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Decoded(w.Request("ar-1", categories: (ConsentCategories)0x40), w.Doctor).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Decoded(w.Request("ar-1", days: 0), w.Doctor).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Decoded(w.Request("ar-1", days: 366), w.Doctor).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Decoded(w.Request("ar-1", reason: w.Reason("ar-1", "", w.PatientKeys.Encryption.PublicKey, w.Doctor.Encryption.PublicKey)), w.Doctor).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Decoded(w.Request("AR 1"), w.Doctor).Verdict);
        Assert.Equal(before, w.Net.State.RootWithoutNonces()); // nothing written by any refusal

        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.Doctor, w.Request("ar-1")).Verdict);
        Assert.Equal(TxVerdict.AlreadyExists, w.Run(T0 + 11, w.Other, w.Request("ar-1", doctor: "dr-oth",
            reason: w.Reason("ar-1", "why", w.PatientKeys.Encryption.PublicKey, w.Other.Encryption.PublicKey))).Verdict);
        var duplicate = w.Run(T0 + 12, w.Doctor, w.Request("ar-2"));
        Assert.Equal(TxVerdict.Conflict, duplicate.Verdict);
        Assert.Contains("'ar-1'", duplicate.Reason, StringComparison.Ordinal);
        Assert.Null(w.Stored("ar-2"));
        // Another doctor may ask the same patient meanwhile.
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 13, w.Other, w.Request("ar-3", doctor: "dr-oth",
            reason: w.Reason("ar-3", "why", w.PatientKeys.Encryption.PublicKey, w.Other.Encryption.PublicKey))).Verdict);
    }

    [Fact]
    public void Approval_makes_the_grant_with_the_category_key_for_the_doctor_for_the_requested_days_from_the_approving_block()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.Doctor, w.Request("ar-1")).Verdict);
        var approvedAt = T0 + 3 * Day;
        Assert.Equal(TxVerdict.Ok, w.Run(approvedAt, w.PatientKeys, w.Approve("ar-1", "gr-1")).Verdict);

        var request = w.Stored("ar-1")!;
        Assert.Equal((AccessRequestStatus.Approved, approvedAt, "gr-1"), (request.Status, request.AnsweredAt, request.GrantId));
        var grant = w.CurrentGrant()!;
        Assert.Equal(("gr-1", ConsentCategories.Demographics | ConsentCategories.Reports, approvedAt + 7 * Day), (grant.Id, grant.Categories, grant.ExpiresAt));
        var doctor = w.User("dr-ref");
        Assert.True(Consent.DoctorMay(w.Net.State, Patient, doctor, ConsentCategories.Reports, approvedAt + 7 * Day - 1));
        Assert.False(Consent.DoctorMay(w.Net.State, Patient, doctor, ConsentCategories.Encounters, approvedAt + 1));
        Assert.False(Consent.DoctorMay(w.Net.State, Patient, doctor, ConsentCategories.Reports, approvedAt + 7 * Day));
        // The doctor became a reader of the demographics key, as with GrantAccess: their envelope opens it.
        var epoch = CategoryKeyState.Get(w.Net.State, Patient, ConsentCategories.Demographics, 1)!;
        var mine = epoch.Reader(KeyReaderKind.Doctor, "dr-ref")!;
        Assert.True(CategoryKeyCrypto.TryOpenForReader(mine.Envelope, w.Doctor.Encryption, Patient, (byte)ConsentCategories.Demographics, 1, out var opened));
        Assert.Equal(w.DemographicsKey, opened);
        // The doctor may ask again once the request is answered.
        Assert.Equal(TxVerdict.Ok, w.Run(approvedAt + 1, w.Doctor, w.Request("ar-2", categories: ConsentCategories.Encounters)).Verdict);
    }

    [Fact]
    public void Decline_writes_no_grant_and_a_request_is_answered_once_by_its_patient_only()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.Doctor, w.Request("ar-1")).Verdict);
        var before = w.Net.State.RootWithoutNonces();
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 11, w.Doctor, w.Decline("ar-1")).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, w.Run(T0 + 12, w.Clerk, w.Approve("ar-1", "gr-1")).Verdict);
        Assert.Equal(TxVerdict.NotFound, w.Run(T0 + 13, w.PatientKeys, w.Decline("ar-404")).Verdict);
        Assert.Equal(before, w.Net.State.RootWithoutNonces());

        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 20, w.PatientKeys, w.Decline("ar-1")).Verdict);
        Assert.Equal((AccessRequestStatus.Declined, T0 + 20, ""), (w.Stored("ar-1")!.Status, w.Stored("ar-1")!.AnsweredAt, w.Stored("ar-1")!.GrantId));
        Assert.Null(w.CurrentGrant());
        Assert.False(Consent.DoctorMay(w.Net.State, Patient, w.User("dr-ref"), ConsentCategories.Demographics, T0 + 21));

        var again = w.Run(T0 + 30, w.PatientKeys, w.Approve("ar-1", "gr-1"));
        Assert.Equal(TxVerdict.Conflict, again.Verdict);
        Assert.Contains("already declined", again.Reason, StringComparison.Ordinal);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 31, w.PatientKeys, w.Decline("ar-1")).Verdict);
        Assert.Null(w.CurrentGrant());
    }

    [Fact]
    public void An_approval_is_refused_for_another_doctor_more_categories_a_preset_expiry_or_a_key_not_for_the_doctor_and_writes_nothing()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.Doctor, w.Request("ar-1", categories: ConsentCategories.Demographics)).Verdict);
        var before = w.Net.State.RootWithoutNonces();
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 11, w.PatientKeys, w.Approve("ar-1", "gr-1", ConsentCategories.Demographics, doctor: "dr-oth", to: w.Other.Encryption.PublicKey)).Verdict);
        var wider = w.Run(T0 + 12, w.PatientKeys, w.Approve("ar-1", "gr-1", ConsentCategories.Demographics | ConsentCategories.Account));
        Assert.Equal(TxVerdict.InvalidField, wider.Verdict);
        Assert.Contains("did not ask", wider.Reason, StringComparison.Ordinal);
        Assert.Equal(TxVerdict.InvalidField, w.Run(T0 + 13, w.PatientKeys, w.Approve("ar-1", "gr-1", ConsentCategories.Demographics, to: w.Other.Encryption.PublicKey)).Verdict); // GrantAccess's own check
        var preset = w.Approve("ar-1", "gr-1", ConsentCategories.Demographics);
        Assert.Equal(TxVerdict.InvalidField, Decoded(preset with { Grant = preset.Grant! with { ExpiresAt = T0 + 99 * Day } }, w.PatientKeys).Verdict);
        Assert.Equal(TxVerdict.InvalidField, Decoded(preset with { Grant = preset.Grant! with { PatientId = "pt-other" } }, w.PatientKeys).Verdict);
        Assert.Equal(before, w.Net.State.RootWithoutNonces());
        Assert.Equal(AccessRequestStatus.Pending, w.Stored("ar-1")!.Status);
        // Narrower than asked is fine.
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 14, w.PatientKeys, w.Approve("ar-1", "gr-1", ConsentCategories.Demographics)).Verdict);
    }

    [Fact]
    public void A_request_expires_fourteen_days_of_block_time_after_it_was_made_and_the_doctor_may_then_ask_again()
    {
        using var w = new World();
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10, w.Doctor, w.Request("ar-1")).Verdict);
        Assert.Equal(TxVerdict.Conflict, w.Run(T0 + 10 + 14 * Day - 1, w.Doctor, w.Request("ar-2")).Verdict); // still open
        var expired = w.Run(T0 + 10 + 14 * Day, w.PatientKeys, w.Approve("ar-1", "gr-1"));
        Assert.Equal(TxVerdict.Conflict, expired.Verdict);
        Assert.Contains("expired", expired.Reason, StringComparison.Ordinal);
        Assert.Null(w.CurrentGrant());
        Assert.False(w.Stored("ar-1")!.IsOpenAt(T0 + 10 + 14 * Day));
        Assert.Equal(TxVerdict.Ok, w.Run(T0 + 10 + 14 * Day + 1, w.Doctor, w.Request("ar-2")).Verdict);
    }
}
