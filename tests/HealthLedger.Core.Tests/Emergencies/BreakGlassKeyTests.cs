using HealthLedger.Core.Crypto;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Tests.Governance;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Emergencies;

/// <summary>
/// <see cref="WrapBreakGlassKeysPayload"/> (kind 30): the custodian's node wraps a patient's category keys for the doctor of
/// another organisation who broke the glass outside an emergency — accepted only from the custodian's node, for an access in
/// force without an emergency, its categories and existing epochs, to the doctor's key, once; every refusal writes nothing;
/// once the access has expired, the epoch the doctor received is stale and the next record opens a new one.
/// </summary>
public sealed class BreakGlassKeyTests : IDisposable
{
    private const ulong Hour = 60 * 60 * 1000;
    private const string Patient = "pt-kay";

    private readonly ConsortiumNetwork _c = new(3);
    private readonly UserKeys _patient;
    private readonly UserKeys _doctor;
    private readonly UserKeys _ownDoctor;
    private readonly Dictionary<int, byte[]> _keys = new() { [1] = TestNetwork.Seed(501, 32), [2] = TestNetwork.Seed(502, 32) };

    // pt-kay of test-hospital with a demographics key (epoch 1); dr-two a doctor of org-2; dr-own a doctor of test-hospital.
    public BreakGlassKeyTests()
    {
        _patient = _c.Keys(79);
        _doctor = _c.Keys(80);
        _ownDoctor = _c.Keys(81);
        Assert.Equal(TxVerdict.Ok, _c.Submit(_c.Members[0].Admin, new RegisterPatientPayload(Patient, TestNetwork.OrgId, Hashing.Sha256("MRN-KAY"u8),
            _patient.Signing.PublicKey, _patient.Encryption.PublicKey, Demographics(1, 1, opens: true))).Verdict);
        Assert.Equal(TxVerdict.Ok, _c.Submit(_c.Members[1].Admin, new RegisterUserPayload("dr-two", Role.Doctor, "org-2", _doctor.Signing.PublicKey, _doctor.Encryption.PublicKey)).Verdict);
        Assert.Equal(TxVerdict.Ok, _c.Submit(_c.Members[0].Admin, new RegisterUserPayload("dr-own", Role.Doctor, TestNetwork.OrgId, _ownDoctor.Signing.PublicKey, _ownDoctor.Encryption.PublicKey)).Verdict);
    }

    public void Dispose() => _c.Dispose();

    [Fact]
    public void Only_the_custodians_node_wraps_the_keys_for_the_doctor_once_and_every_refusal_writes_nothing()
    {
        Assert.Equal(TxVerdict.Ok, _c.Submit(_doctor, BreakGlass("bg-1")).Verdict);
        Assert.Equal(TxVerdict.Ok, _c.Submit(_ownDoctor, BreakGlass("bg-own")).Verdict);
        var org2Node = _c.Own(SigningKeyPair.FromSeed(TestNetwork.Seed(302, 32)));
        var good = Key("bg-1", ConsentCategories.Demographics, 1, _doctor.Encryption.PublicKey);
        var cases = new (SigningKeyPair Signer, WrapBreakGlassKeysPayload Payload, TxVerdict Verdict, string Reason)[]
        {
            (org2Node, new(Patient, "bg-1", [good]), TxVerdict.Unauthorized, "only a node of the patient's organisation 'test-hospital'"),
            (_c.Members[0].Admin.Signing, new(Patient, "bg-1", [good]), TxVerdict.Unauthorized, "only a node of the patient's organisation"),
            (_c.Net.Node, new(Patient, "bg-9", [good]), TxVerdict.NotFound, "has no break-glass access 'bg-9'"),
            (_c.Net.Node, new(Patient, "bg-1", [Key("bg-1", ConsentCategories.Demographics, 1, _c.Organisation("org-2").EncryptionKey)]), TxVerdict.InvalidField, "not wrapped for the key of 'dr-two'"),
            (_c.Net.Node, new(Patient, "bg-1", [Key("bg-1", ConsentCategories.Reports, 1, _doctor.Encryption.PublicKey)]), TxVerdict.InvalidField, "does not open Reports"),
            (_c.Net.Node, new(Patient, "bg-1", [Key("bg-1", ConsentCategories.Demographics, 2, _doctor.Encryption.PublicKey)]), TxVerdict.NotFound, "no Demographics key of epoch 2"),
            (_c.Net.Node, new(Patient, "bg-1", [Key("bg-1", ConsentCategories.Encounters, 1, _doctor.Encryption.PublicKey)]), TxVerdict.InvalidField, "emergency summary"),
            (_c.Net.Node, new(Patient, "bg-own", [Key("bg-own", ConsentCategories.Demographics, 1, _ownDoctor.Encryption.PublicKey)]), TxVerdict.Conflict, "patient's own organisation"),
            (_c.Net.Node, new(Patient, "bg-1", []), TxVerdict.InvalidField, "wrap at least one key"),
        };
        foreach (var (signer, payload, verdict, reason) in cases) Refused(signer, payload, verdict, reason);

        Assert.Equal(TxVerdict.Ok, _c.Submit(_c.Net.Node, new WrapBreakGlassKeysPayload(Patient, "bg-1", [good])).Verdict);
        var stored = BreakGlassKey.Get(_c.Net.State, Patient, "bg-1", ConsentCategories.Demographics, 1)!;
        Assert.True(stored.TryOpen("bg-1", Patient, "dr-two", _doctor.Encryption, out var opened));
        Assert.Equal(_keys[1], opened);
        Assert.False(stored.TryOpen("bg-2", Patient, "dr-two", _doctor.Encryption, out _)); // the aad binds the access
        Assert.False(stored.TryOpen("bg-1", Patient, "dr-own", _doctor.Encryption, out _)); // and the reader
        Assert.False(stored.TryOpen("bg-1", Patient, "dr-two", _ownDoctor.Encryption, out _));
        Assert.Null(ReleasedEpochs.StaleUnder(_c.Net.State, Patient, ConsentCategories.Demographics, 1, _c.Time)); // in force: epoch 1 stays usable

        Refused(_c.Net.Node, new(Patient, "bg-1", [Key("bg-1", ConsentCategories.Demographics, 1, _doctor.Encryption.PublicKey)]), TxVerdict.AlreadyExists, "already wrapped");
    }

    [Fact]
    public void An_expired_access_or_one_under_an_emergency_gets_no_keys()
    {
        Assert.Equal(TxVerdict.Ok, _c.Submit(_doctor, BreakGlass("bg-1")).Verdict);
        // A rescuer's access under an emergency is served by WrapEmergencyKeys (the rescuer organisation's key), never by kind 30.
        _c.Decide("declare-quake", new Core.Governance.DeclareEmergencyAction("quake", "Earthquake", "", [TestNetwork.OrgId], ["org-2"], [], ConsentCategories.Demographics,
            _c.Time, _c.Time + 48 * Hour), approvals: 1);
        Assert.Equal(TxVerdict.Ok, _c.Submit(_doctor, BreakGlass("bg-quake", emergency: "quake")).Verdict);
        Refused(_c.Net.Node, new(Patient, "bg-quake", [Key("bg-quake", ConsentCategories.Demographics, 1, _doctor.Encryption.PublicKey)]), TxVerdict.Conflict, "under emergency 'quake'");
        // 12 hours later the access is over: no keys any more.
        var access = BreakGlassState.Get(_c.Net.State, Patient, "bg-1")!;
        var before = _c.Net.State.RootWithoutNonces();
        var late = _c.Submit(_c.Net.Node, new WrapBreakGlassKeysPayload(Patient, "bg-1", [Key("bg-1", ConsentCategories.Demographics, 1, _doctor.Encryption.PublicKey)]),
            after: access.ExpiresAt - _c.Time);
        Assert.Equal(TxVerdict.Conflict, late.Verdict);
        Assert.Contains("not in force", late.Reason, StringComparison.Ordinal);
        Assert.Equal(before, _c.Net.State.RootWithoutNonces());
    }

    [Fact]
    public void Once_the_access_has_expired_the_epoch_the_doctor_received_is_stale_and_the_next_record_opens_a_new_one()
    {
        var admin = _c.Members[0].Admin;
        Assert.Equal(TxVerdict.Ok, _c.Submit(_doctor, BreakGlass("bg-1")).Verdict);
        Assert.Equal(TxVerdict.Ok, _c.Submit(_c.Net.Node, new WrapBreakGlassKeysPayload(Patient, "bg-1", [Key("bg-1", ConsentCategories.Demographics, 1, _doctor.Encryption.PublicKey)])).Verdict);
        // While the access is in force, epoch 1 stays in use.
        Assert.Equal(TxVerdict.Ok, _c.Submit(admin, new UpdateRecordPayload(RecordSubject.Patient, Patient, 2, Demographics(2, 1, opens: false))).Verdict);
        var access = BreakGlassState.Get(_c.Net.State, Patient, "bg-1")!;
        var before = _c.Net.State.RootWithoutNonces();
        var stale = _c.Submit(admin, new UpdateRecordPayload(RecordSubject.Patient, Patient, 3, Demographics(3, 1, opens: false)), after: access.ExpiresAt - _c.Time);
        Assert.Equal(TxVerdict.Conflict, stale.Verdict);
        Assert.Contains("the doctor of break-glass access 'bg-1', now over", stale.Reason, StringComparison.Ordinal);
        Assert.Equal(before, _c.Net.State.RootWithoutNonces());
        Assert.Equal(TxVerdict.Ok, _c.Submit(admin, new UpdateRecordPayload(RecordSubject.Patient, Patient, 3, Demographics(3, 2, opens: true))).Verdict);
        Assert.Equal(2, CategoryKeyState.CurrentEpoch(_c.Net.State, Patient, ConsentCategories.Demographics));
        Assert.Null(ReleasedEpochs.StaleUnder(_c.Net.State, Patient, ConsentCategories.Demographics, 2, _c.Time));
    }

    private void Refused(SigningKeyPair signer, WrapBreakGlassKeysPayload payload, TxVerdict verdict, string reason)
    {
        var before = _c.Net.State.RootWithoutNonces();
        var receipt = _c.Submit(signer, payload);
        Assert.Equal(verdict, receipt.Verdict);
        Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
        Assert.Equal(before, _c.Net.State.RootWithoutNonces());
    }

    private BreakGlassKey Key(string access, ConsentCategories category, int epoch, EncryptionPublicKey to) =>
        BreakGlassKey.Wrap(_keys[epoch], access, Patient, category, epoch, "dr-two", to, TestNetwork.Seed(960 + epoch, 32));

    private BreakGlassPayload BreakGlass(string id, string emergency = "") =>
        new(id, Patient, emergency, BreakGlassReason.Unconscious, ConsentCategories.Demographics, new SealedJustification(new byte[RecordCrypto.NonceLength + RecordCrypto.TagLength + 40],
            [Wrap(_patient.Encryption.PublicKey), Wrap(_c.Net.Organisation.Encryption.PublicKey)]));

    private static Envelope Wrap(EncryptionPublicKey to) => RecordCrypto.Wrap(new byte[32], to, Enumerable.Repeat((byte)9, 32).ToArray(), []);

    // A demographics record of pt-kay under the category key of an epoch (opening it, with the custodian and the patient as readers).
    private SealedRecordRef Demographics(int version, int epoch, bool opens)
    {
        var dataKey = TestNetwork.Seed(600 + version, 32);
        var wrapped = CategoryKeyCrypto.WrapDataKey(_keys[epoch], TestNetwork.Seed(700 + version, RecordCrypto.NonceLength), dataKey,
            CategoryKeyCrypto.DataKeyAad(Patient, (byte)ConsentCategories.Demographics, epoch, Patient, version));
        IReadOnlyList<CategoryKeyReader> readers = opens
            ? [new(KeyReaderKind.Organisation, TestNetwork.OrgId, CategoryKeyCrypto.WrapForReader(_keys[epoch], _c.Net.Organisation.Encryption.PublicKey, TestNetwork.Seed(800 + epoch, 32), Patient, 1, epoch)),
               new(KeyReaderKind.Patient, Patient, CategoryKeyCrypto.WrapForReader(_keys[epoch], _patient.Encryption.PublicKey, TestNetwork.Seed(900 + epoch, 32), Patient, 1, epoch))]
            : [];
        return new SealedRecordRef(Hashing.Sha256(dataKey), 10, [], new CategoryKeyWrap(Patient, ConsentCategories.Demographics, epoch, wrapped, readers));
    }
}
