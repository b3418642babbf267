using HealthLedger.Core.Crypto;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Encoding;

/// <summary>
/// Encodings pinned to bytes (Vectors/encodings.json): a transaction of every kind (signed: Ed25519 is deterministic), their
/// signing inputs, block headers and their signing inputs, receipts, envelopes, record ciphertexts and password-sealed
/// secrets (Argon2id + AES-256-GCM with a fixed salt and nonce). A format change fails here, not in production.
/// </summary>
public class KnownAnswerTests
{
    private const string Net = "kat-net";

    // Fixed bytes, defined here so that no helper elsewhere can move a vector.
    private static byte[] Fixed(int seed, int length) => Enumerable.Range(0, length).Select(i => (byte)(seed * 31 + i * 7 + 1)).ToArray();

    private static Envelope Envelope(int seed, EncryptionPublicKey? to = null)
    {
        using var recipient = EncryptionKeyPair.FromSecret(Fixed(seed, 32));
        return RecordCrypto.Wrap(Fixed(seed + 1, RecordCrypto.DataKeyLength), to ?? recipient.PublicKey, Fixed(seed + 2, 32), "record/v1"u8);
    }

    // A record sealed for the user and the organisation (the readers the state machine expects).
    private static SealedRecordRef Record(int seed, UserKeys user, UserKeys organisation) =>
        new(Hashing.Sha256(Fixed(seed, 8)), 321, [Envelope(seed, user.Encryption.PublicKey), Envelope(seed + 10, organisation.Encryption.PublicKey)]);

    /// <summary>One payload of every transaction kind, with fixed contents.</summary>
    public static IReadOnlyList<TxPayload> Payloads()
    {
        using var user = UserKeys.FromSecret(Fixed(40, UserKeys.SecretLength));
        using var organisation = UserKeys.FromSecret(Fixed(43, UserKeys.SecretLength));
        using var node = SigningKeyPair.FromSeed(Fixed(41, 32));
        var nodeRecord = new NodeRecord("kat-node-1", "kat-hospital", node.PublicKey, "http://127.0.0.1:5180");
        return
        [
            // Genesis v2: two founders, the hospital (which signs) and a laboratory, each with its admin and node.
            new GenesisPayload(Net, ChainPolicy.Default,
                [
                    new AddOrganisationAction(new OrganisationRecord("kat-hospital", "KAT Hospital", organisation.Signing.PublicKey, organisation.Encryption.PublicKey),
                        "admin", user.Signing.PublicKey, user.Encryption.PublicKey, [nodeRecord]),
                    AddOrganisation(organisation),
                ], new NetworkPolicy(7, 30)),
            new RegisterUserPayload("alice", Role.Patient, "kat-hospital", user.Signing.PublicKey, user.Encryption.PublicKey),
            new RegisterPatientPayload("p-1", "kat-hospital", Hashing.Sha256("MRN-1"u8), user.Signing.PublicKey, user.Encryption.PublicKey, Record(50, user, organisation)),
            new RegisterDoctorPayload("dr-1", "kat-hospital", user.Signing.PublicKey, user.Encryption.PublicKey, Record(60, user, organisation)),
            new AddEntryPayload("e-1", "p-1", EntryType.Admission, "dr-1", "", Record(70, user, organisation), Hashing.Sha256("W1/1"u8)),
            new AddReportPayload("r-1", "p-1", 2, ReportType.Lab, Hashing.Sha256("pdf"u8), Record(80, user, organisation), new DocumentRef(Hashing.Sha256("pdf"u8), Hashing.Sha256("sealed pdf"u8), 4096)),
            new UpdateRecordPayload(RecordSubject.Patient, "p-1", 3, Record(90, user, organisation)),
            new GrantAccessPayload("g-1", "p-1", GranteeKind.Doctor, "dr-1", ConsentCategories.Demographics, 1_800_000_000_000, [new GrantedKey("p-1", 1, Envelope(100))],
                [new GrantedCategoryKey(ConsentCategories.Demographics, 1, CategoryKeyCrypto.WrapForReader(Fixed(150, 32), user.Encryption.PublicKey, Fixed(101, 32), "p-1", 1, 1))]),
            new RevokeAccessPayload("g-1", "p-1"),
            new RecordDisclosuresPayload([new DisclosureEvent(new Hash256(Fixed(105, 32)), "dr-1", "doctor", "p-1", "patient/p-1", "care", true, 1_700_000_000_123)]),
            new RecordVitalSignsPayload("v-1", "p-1", Record(110, user, organisation)),
            new ConfigureNodesPayload(NodeChange.Add, nodeRecord with { Id = "kat-node-2" }),
            new ConfigureWardsPayload("kat-hospital", 1, [Hashing.Sha256("W1/1"u8), Hashing.Sha256("W1/2"u8)], Record(120, user, organisation)),
            new EndCarePayload("p-1", "dr-1"),
            new ConfigurePolicyPayload(2, new NetworkPolicy(1, 14)),
            new RecordPrintoutPayload("r-1", 2, Hashing.Sha256("printout"u8)),
            new ProposePayload("prop-1", AddOrganisation(organisation)),
            new VotePayload("prop-1", Approve: true),
            new WithdrawPayload("prop-1"),
            new SealLoginPayload("dr-1", 2, Enumerable.Range(0, 40).Select(i => (byte)i).ToArray()),
            new RequestAccessPayload("ar-1", "p-1", "dr-1", ConsentCategories.Encounters | ConsentCategories.Reports, 7, Reason(user, organisation)),
            new AnswerAccessRequestPayload("p-1", "ar-1", Approve: true,
                new GrantAccessPayload("g-2", "p-1", GranteeKind.Doctor, "dr-1", ConsentCategories.Encounters, 0, [],
                    [new GrantedCategoryKey(ConsentCategories.Encounters, 1, CategoryKeyCrypto.WrapForReader(Fixed(151, 32), user.Encryption.PublicKey, Fixed(102, 32), "p-1", 2, 1))])),
            new BreakGlassPayload("bg-1", "p-1", "quake-1", BreakGlassReason.Unconscious, ConsentCategories.Demographics,
                new SealedJustification(Fixed(160, 40), [Envelope(161, user.Encryption.PublicKey), Envelope(162, organisation.Encryption.PublicKey)])),
            new ReviewBreakGlassPayload("p-1", "bg-1", BreakGlassReview.Misuse),
            new WrapEmergencyKeysPayload("quake-1", "kat-lab", [new EmergencyKey("p-1", ConsentCategories.Demographics, 1,
                CategoryKeyCrypto.WrapForReader(Fixed(170, 32), organisation.Encryption.PublicKey, Fixed(171, 32), "p-1", 1, 1))], Envelope(172, organisation.Encryption.PublicKey)),
            new IndexPatientPayload("p-1", Hashing.Sha256("namedob"u8), "north-campus"),
            new WrapBreakGlassKeysPayload("p-1", "bg-1", [BreakGlassKey.Wrap(Fixed(173, 32), "bg-1", "p-1", ConsentCategories.Demographics, 1, "dr-1", user.Encryption.PublicKey, Fixed(174, 32))]),
            new ConfigureLabCataloguePayload("kat-hospital", 1, Record(170, user, organisation)),
            new PlaceLabOrderPayload("lo-1", "p-1", "kat-hospital", Record(171, user, organisation)),
            new RecordLabSpecimenPayload("lo-1", 2, LabOrderStatus.Collected, "sp-1", Record(172, user, organisation)),
            new EnterLabResultsPayload("lo-1", 4, Record(173, user, organisation)),
            new ValidateLabResultsPayload("lo-1", 5, Record(174, user, organisation), "e-lab-1", Record(175, user, organisation)),
            new PostLabChargePayload("lo-1", "e-lab-2", Record(176, user, organisation)),
            new DefineDrugPayload("drug-1", "kat-hospital", 1, Record(180, user, organisation)),
            new ReceiveStockPayload("batch-1", "drug-1", 20_500, 100, Record(181, user, organisation)),
            new PrescribePayload("rx-1", "p-1", "kat-hospital", "drug-1", 21, 2, Record(182, user, organisation)),
            new DispensePayload("disp-1", "rx-1", 7, "", Record(183, user, organisation), "en-charge-1", Record(184, user, organisation)),
            new SetExpensePolicyPayload("kat-hospital", 250_000),
            new RecordExpensePayload("exp-1", "kat-hospital", 20_400, "supplies", "Radiology", 312_550, "bank-transfer", Record(190, user, organisation),
                Hashing.Sha256("invoice"u8), Record(191, user, organisation)),
            new ApproveExpensePayload("exp-1"),
            new RejectExpensePayload("exp-2"),
            new SetBudgetPayload("kat-hospital", 202611, "Radiology", 5_000_000),
        ];
    }

    // An access request's reason ("Referred for a cardiology review.") sealed for two readers with fixed key, nonce and ephemeral secrets.
    private static SealedReason Reason(UserKeys patient, UserKeys doctor)
    {
        var aad = SealedReason.Aad("p-1", "ar-1");
        var ciphertext = RecordCrypto.Encrypt(Fixed(160, 32), Fixed(161, RecordCrypto.NonceLength), "Referred for a cardiology review."u8, aad);
        return new SealedReason(ciphertext, [RecordCrypto.Wrap(Fixed(160, 32), patient.Encryption.PublicKey, Fixed(162, 32), aad),
            RecordCrypto.Wrap(Fixed(160, 32), doctor.Encryption.PublicKey, Fixed(163, 32), aad)]);
    }

    // An approved access request as the state holds it.
    private static byte[] AccessRequestVector()
    {
        using var user = UserKeys.FromSecret(Fixed(40, UserKeys.SecretLength));
        using var organisation = UserKeys.FromSecret(Fixed(43, UserKeys.SecretLength));
        return new AccessRequestState("ar-1", "p-1", "dr-1", "kat-hospital", ConsentCategories.Encounters | ConsentCategories.Reports, 7, Reason(user, organisation),
            1_700_000_000_000, 1_700_000_000_000 + AccessRequestState.LifetimeMs, AccessRequestStatus.Approved, 1_700_000_500_000, "g-2",
            new RecordProof(Hashing.Sha256("ar-1"u8), 12, 1_700_000_000_000)).Encode();
    }

    [Fact]
    public void The_access_request_state_vector_decodes_and_encodes_back_to_its_bytes()
    {
        var bytes = AccessRequestVector();
        var decoded = AccessRequestState.TryDecode(bytes);
        Assert.NotNull(decoded);
        Assert.Equal((AccessRequestStatus.Approved, "g-2", 7), (decoded.Status, decoded.GrantId, decoded.DurationDays));
        Assert.Equal(bytes, decoded.Encode());
        Assert.Null(AccessRequestState.TryDecode(bytes.AsSpan(0, bytes.Length - 1)));
    }

    // A laboratory with its admin and one node, as a proposal carries it.
    private static AddOrganisationAction AddOrganisation(UserKeys organisation)
    {
        using var lab = UserKeys.FromSecret(Fixed(44, UserKeys.SecretLength));
        using var labAdmin = UserKeys.FromSecret(Fixed(45, UserKeys.SecretLength));
        using var labNode = SigningKeyPair.FromSeed(Fixed(46, 32));
        return new AddOrganisationAction(
            new OrganisationRecord("kat-lab", "KAT Lab", lab.Signing.PublicKey, lab.Encryption.PublicKey, OrganisationType.Laboratory, "+1 555 0100"),
            "lab-admin", labAdmin.Signing.PublicKey, labAdmin.Encryption.PublicKey,
            [new NodeRecord("kat-lab-node-1", "kat-lab", labNode.PublicKey, "http://10.0.0.7:5180")]);
    }

    /// <summary>Every governance action's encoding, the policy and a proposal record (state encodings).</summary>
    private static IEnumerable<(string Name, byte[] Bytes)> GovernanceVectors()
    {
        using var organisation = UserKeys.FromSecret(Fixed(43, UserKeys.SecretLength));
        using var node = SigningKeyPair.FromSeed(Fixed(47, 32));
        var add = AddOrganisation(organisation);
        var nodeRecord = new NodeRecord("kat-node-3", "kat-hospital", node.PublicKey, "https://node3.example:5180");
        var strict = GovernancePolicy.Default.With(new GovernanceRule(GovernanceAction.ChangePolicy, 2, 3, Inclusive: true, SelfService: false)) with
        {
            ProposalLifetimeMs = 3 * 24 * 60 * 60 * 1000UL,
        };
        ProposedAction[] actions =
        [
            add,
            new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "kat-lab"),
            new OrganisationStatusAction(GovernanceAction.ReinstateOrganisation, "kat-lab"),
            new OrganisationStatusAction(GovernanceAction.RemoveOrganisation, "kat-lab"),
            new NodeAction(GovernanceAction.AddNode, nodeRecord),
            new RemoveNodeAction("kat-node-3"),
            new NodeAction(GovernanceAction.ReplaceNode, nodeRecord with { Address = "https://node3.example:5181" }),
            new ChangePolicyAction(strict),
            new ChangeNetworkPolicyAction(new NetworkPolicy(3, 21)),
            new DeclareEmergencyAction("quake-1", "Earthquake", "north-district", ["kat-hospital"], ["kat-lab"],
                [add with { Organisation = add.Organisation with { Id = "kat-rescue", Type = OrganisationType.Rescuer }, Nodes = [] }],
                ConsentCategories.Demographics | ConsentCategories.Reports, 1_700_000_000_000, 1_700_259_200_000),
            new EmergencyChangeAction(GovernanceAction.EndEmergency, "quake-1", 0),
            new EmergencyChangeAction(GovernanceAction.ExtendEmergency, "quake-1", 1_700_345_600_000),
        ];
        foreach (var action in actions) yield return ("governance/action/" + action.Action, action.Encode());
        yield return ("governance/policy/default", GovernancePolicy.Default.Encode());
        yield return ("state/emergency", new EmergencyState("quake-1", "Earthquake", "", ["kat-hospital"], ["kat-lab", "kat-rescue"],
            ConsentCategories.Demographics, 1_700_000_000_000, 1_700_259_200_000, 1_700_000_060_000, EndedEarly: true).Encode());
        yield return ("state/organisation", (add.Organisation with { Status = OrganisationStatus.Suspended }).Encode());
        yield return ("state/proposal", new ProposalState("prop-1", add, "kat-hospital", "admin", 1_700_000_000_000, 1_700_604_800_000,
            ProposalStatus.Executed, 1_700_000_360_000,
            [new ProposalVote("kat-clinic", "clinic-admin", false, 1_700_000_120_000), new ProposalVote("kat-hospital", "admin", true, 1_700_000_000_000)]).Encode());
    }

    private static IReadOnlyList<(string Name, byte[] Bytes)> Vectors()
    {
        var list = new List<(string, byte[])>();
        using var signer = SigningKeyPair.FromSeed(Fixed(30, 32));
        var kinds = new HashSet<TxKind>();
        foreach (var payload in Payloads())
        {
            var tx = Transaction.Create(Net, signer, 7, payload);
            var name = "tx/" + payload.Kind;
            kinds.Add(payload.Kind);
            list.Add((name, tx.Encoded.ToArray()));
            list.Add((name + "/id", tx.Id.ToArray()));
            list.Add((name + "/signing-input", Transaction.SigningMessage(Net, tx.Encoded.Span[..^Signature64.Length])));
        }
        Assert.Equal(Enum.GetValues<TxKind>().Where(k => k != default), kinds.Order()); // every kind has its vector
        // Version 2: a transaction carrying out a client request (RequestMarker), and the state value recording it.
        var marked = Transaction.Create(Net, signer, 8, Payloads().First(p => p.Kind == TxKind.RegisterUser),
            new RequestMarker(new Hash256(Fixed(140, 32)), new Hash256(Fixed(141, 32))));
        list.Add(("tx/v2/RegisterUser", marked.Encoded.ToArray()));
        list.Add(("tx/v2/RegisterUser/signing-input", Transaction.SigningMessage(Net, marked.Encoded.Span[..^Signature64.Length])));
        list.Add(("state/request", new CarriedOutRequest(new Hash256(Fixed(141, 32)), marked.Id, 300).Encode()));

        using var net = new TestNetwork(); // its keys and genesis time are fixed
        var block1 = net.Append(1_700_000_001_000, [net.Register("kat-user")]);
        foreach (var (name, header) in new[] { ("header/genesis", net.Blocks[0].Block.Header), ("header/1", block1.Block.Header) })
        {
            list.Add((name, header.Encode()));
            list.Add((name + "/hash", header.Hash.ToArray()));
            list.Add((name + "/signing-input", BlockHeader.SigningMessage(TestNetwork.NetworkId, header.Hash)));
        }
        list.Add(("receipt/ok", block1.Execution.Receipts[0].Encode()));
        list.Add(("receipt/rejected", new Receipt(Hashing.Sha256("tx"u8), TxVerdict.BadNonce, "nonce 3 is not above the signer's last nonce 5").Encode()));

        var w = new HealthLedger.Core.Encoding.CanonicalWriter();
        Envelope(120).Write(w);
        list.Add(("envelope", w.ToArray()));
        list.Add(("record-ciphertext", RecordCrypto.Encrypt(Fixed(130, 32), Fixed(131, RecordCrypto.NonceLength), "{\"name\":\"Łukasiewicz\"}"u8, "p-1/v1"u8)));
        list.Add(("sealed-secret/argon2id-aes256gcm", SealedKey().Encode()));
        list.AddRange(CategoryKeyVectors());
        list.AddRange(GovernanceVectors());
        list.Add(("state/access-request", AccessRequestVector()));
        return list;
    }

    // The key hierarchy: a data key wrapped under a category key, a category key's envelope, a record sealed under a
    // category key that opens an epoch, and the epoch as the state holds it.
    private static IEnumerable<(string Name, byte[] Bytes)> CategoryKeyVectors()
    {
        using var user = UserKeys.FromSecret(Fixed(40, UserKeys.SecretLength));
        using var organisation = UserKeys.FromSecret(Fixed(43, UserKeys.SecretLength));
        var categoryKey = Fixed(150, CategoryKeyCrypto.KeyLength);
        var wrapped = CategoryKeyCrypto.WrapDataKey(categoryKey, Fixed(151, RecordCrypto.NonceLength), Fixed(152, RecordCrypto.DataKeyLength),
            CategoryKeyCrypto.DataKeyAad("p-1", (byte)ConsentCategories.Encounters, 1, "e-1", 1));
        yield return ("category-key/data-key-wrap", wrapped);
        var readers = new[]
        {
            new CategoryKeyReader(KeyReaderKind.Organisation, "kat-hospital",
                CategoryKeyCrypto.WrapForReader(categoryKey, organisation.Encryption.PublicKey, Fixed(153, 32), "p-1", (byte)ConsentCategories.Encounters, 1)),
            new CategoryKeyReader(KeyReaderKind.Patient, "p-1",
                CategoryKeyCrypto.WrapForReader(categoryKey, user.Encryption.PublicKey, Fixed(154, 32), "p-1", (byte)ConsentCategories.Encounters, 1)),
        };
        var w = new HealthLedger.Core.Encoding.CanonicalWriter();
        readers[1].Envelope.Write(w);
        yield return ("category-key/envelope", w.ToArray());
        w = new HealthLedger.Core.Encoding.CanonicalWriter();
        new SealedRecordRef(Hashing.Sha256(Fixed(155, 8)), 321, [], new CategoryKeyWrap("p-1", ConsentCategories.Encounters, 1, wrapped, readers)).Write(w);
        yield return ("category-key/sealed-record", w.ToArray());
        yield return ("state/category-key", new CategoryKeyState("p-1", ConsentCategories.Encounters, 1, readers,
            new RecordProof(Hashing.Sha256("tx"u8), 12, 1_700_000_000_000)).Encode());
    }

    [Fact]
    public void The_category_key_vectors_open_with_their_keys_and_decode_back()
    {
        var all = CategoryKeyVectors().ToDictionary(v => v.Name, v => v.Bytes);
        var aad = CategoryKeyCrypto.DataKeyAad("p-1", (byte)ConsentCategories.Encounters, 1, "e-1", 1);
        Assert.True(CategoryKeyCrypto.TryUnwrapDataKey(Fixed(150, 32), all["category-key/data-key-wrap"], aad, out var dataKey));
        Assert.Equal(Fixed(152, RecordCrypto.DataKeyLength), dataKey);
        Assert.False(CategoryKeyCrypto.TryUnwrapDataKey(Fixed(150, 32), all["category-key/data-key-wrap"], CategoryKeyCrypto.DataKeyAad("p-1", (byte)ConsentCategories.Encounters, 1, "e-1", 2), out _));
        Assert.False(CategoryKeyCrypto.TryUnwrapDataKey(Fixed(151, 32), all["category-key/data-key-wrap"], aad, out _));

        using var user = UserKeys.FromSecret(Fixed(40, UserKeys.SecretLength));
        var r = new HealthLedger.Core.Encoding.CanonicalReader(all["category-key/envelope"]);
        Assert.True(HealthLedger.Core.Crypto.Envelope.TryRead(ref r, out var envelope) && r.End());
        Assert.True(CategoryKeyCrypto.TryOpenForReader(envelope, user.Encryption, "p-1", (byte)ConsentCategories.Encounters, 1, out var categoryKey));
        Assert.Equal(Fixed(150, 32), categoryKey);
        Assert.False(CategoryKeyCrypto.TryOpenForReader(envelope, user.Encryption, "p-1", (byte)ConsentCategories.Encounters, 2, out _));

        r = new HealthLedger.Core.Encoding.CanonicalReader(all["category-key/sealed-record"]);
        Assert.True(SealedRecordRef.TryRead(ref r, out var record) && r.End());
        var again = new HealthLedger.Core.Encoding.CanonicalWriter();
        record.Write(again);
        Assert.Equal(all["category-key/sealed-record"], again.ToArray());
        Assert.Equal(all["state/category-key"], CategoryKeyState.TryDecode(all["state/category-key"])!.Encode());
    }

    private static SealedSecret SealedKey() =>
        PasswordSealing.Seal("correct horse battery staple", Fixed(140, 64), "user/alice"u8, Fixed(141, PasswordSealing.SaltLength), Fixed(142, PasswordSealing.NonceLength), Argon2Parameters.TestOnly);

    [Fact]
    public void Every_encoding_matches_its_checked_in_bytes_and_hash() => Assert.Null(VectorFile.Compare("encodings.json", Vectors()));

    [Fact]
    public void Every_governance_vector_decodes_back_to_its_value()
    {
        foreach (var (name, bytes) in GovernanceVectors())
        {
            if (name.StartsWith("governance/action/", StringComparison.Ordinal))
            {
                var r = new HealthLedger.Core.Encoding.CanonicalReader(bytes);
                Assert.True(ProposedAction.TryRead(ref r, out var action) && r.End(), $"{name}: {r.Error}");
                Assert.Equal(bytes, action.Encode());
            }
        }
        var all = GovernanceVectors().ToDictionary(v => v.Name, v => v.Bytes);
        Assert.Equal(all["governance/policy/default"], GovernancePolicy.TryDecode(all["governance/policy/default"])!.Encode());
        Assert.Equal(all["state/organisation"], OrganisationRecord.TryDecode(all["state/organisation"])!.Encode());
        Assert.Equal(all["state/proposal"], ProposalState.TryDecode(all["state/proposal"])!.Encode());
        Assert.Equal(all["state/emergency"], EmergencyState.TryDecode(all["state/emergency"])!.Encode());
    }

    [Fact]
    public void The_password_sealed_vector_opens_with_its_password_only()
    {
        var bytes = Vectors().Single(v => v.Name == "sealed-secret/argon2id-aes256gcm").Bytes;
        Assert.True(SealedSecret.TryDecode(bytes, out var sealedSecret));
        Assert.True(PasswordSealing.TryOpen("correct horse battery staple", sealedSecret!, "user/alice"u8, out var secret));
        Assert.Equal(Fixed(140, 64), secret);
        Assert.False(PasswordSealing.TryOpen("correct horse battery stable", sealedSecret!, "user/alice"u8, out _));
        Assert.False(PasswordSealing.TryOpen("correct horse battery staple", sealedSecret!, "user/bob"u8, out _));
    }

    [Fact]
    public void Every_transaction_vector_decodes_back_to_its_payload()
    {
        foreach (var (name, bytes) in Vectors().Where(v => v.Name.StartsWith("tx/", StringComparison.Ordinal) && v.Name.Count(c => c == '/') == 1))
        {
            var result = Transaction.TryDecode(bytes, ChainPolicy.Default.MaxTxBytes, out var tx);
            Assert.True(result.IsOk, $"{name}: {result}");
            Assert.True(tx!.VerifySignature(Net), name);
        }
    }
}
