using HealthLedger.Core.Crypto;
using HealthLedger.Core.Emergencies;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Tests.Governance;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Emergencies;

/// <summary>
/// Declared emergencies on the chain (declare with a joining rescue service, extend, end early, end by time; approved by at
/// least 1/3 of the active organisations) and break-glass access under them or outside them, with every refusal.
/// </summary>
public class EmergencyTests
{
    private const ulong Hour = 60 * 60 * 1000;

    // Four members (test-hospital, org-2..4); pt-zoe is a patient of test-hospital, pt-max of org-2; dr-three a doctor of org-3.
    private sealed class Drill : IDisposable
    {
        public Drill()
        {
            Patient = C.Keys(75);
            Assert.Equal(TxVerdict.Ok, C.Submit(C.Members[0].Admin, RegisterPatient("pt-zoe", TestNetwork.OrgId, Patient, C.Net.Organisation.Encryption.PublicKey)).Verdict);
            var other = C.Keys(76);
            var org2 = C.Keys(102);
            Assert.Equal(TxVerdict.Ok, C.Submit(C.Members[1].Admin, RegisterPatient("pt-max", "org-2", other, org2.Encryption.PublicKey)).Verdict);
            Doctor = C.Keys(77);
            Assert.Equal(TxVerdict.Ok, C.Submit(C.Members[2].Admin, new RegisterUserPayload("dr-three", Role.Doctor, "org-3", Doctor.Signing.PublicKey, Doctor.Encryption.PublicKey)).Verdict);
        }

        public ConsortiumNetwork C { get; } = new(4);

        public UserKeys Patient { get; }

        public UserKeys Doctor { get; }

        public UserKeys Medic { get; private set; } = null!;

        /// <summary>
        /// Declares "quake" (test-hospital's patients, Red Cross = org-5 joining, demographics, 48 h, optionally an area) and
        /// registers a medic: with three approvals of four (the admission rule: Red Cross's node votes), or two (the emergency
        /// rule) when it is an observer.
        /// </summary>
        public void DeclareQuake(ConsentCategories categories = EmergencyCategories.Default, string area = "", bool nodesVote = true)
        {
            C.Decide("declare-quake", Quake(categories) with { Area = area, NewRescuerNodesVote = nodesVote }, approvals: nodesVote ? 3 : 2);
            using var redCrossAdmin = TestNetwork.Keys(205);
            Medic = C.Keys(78);
            Assert.Equal(TxVerdict.Ok, C.Submit(redCrossAdmin, new RegisterUserPayload("medic-1", Role.Rescuer, "org-5", Medic.Signing.PublicKey, Medic.Encryption.PublicKey)).Verdict);
        }

        public DeclareEmergencyAction Quake(ConsentCategories categories = EmergencyCategories.Default) =>
            new("quake", "Earthquake", "", [TestNetwork.OrgId], [], [C.NewOrganisation(5, OrganisationType.Rescuer)], categories, C.Time, C.Time + 48 * Hour);

        public BreakGlassPayload BreakGlass(string id, string patient = "pt-zoe", string emergency = "quake", ConsentCategories categories = ConsentCategories.Demographics,
            int textBytes = 40, EncryptionPublicKey? custodian = null) =>
            new(id, patient, emergency, BreakGlassReason.Unconscious, categories, new SealedJustification(new byte[RecordCrypto.NonceLength + RecordCrypto.TagLength + textBytes],
                [Wrap(Patient.Encryption.PublicKey), Wrap(custodian ?? C.Net.Organisation.Encryption.PublicKey)]));

        public void Dispose() => C.Dispose();
    }

    private static Envelope Wrap(EncryptionPublicKey to) => RecordCrypto.Wrap(new byte[32], to, Enumerable.Repeat((byte)9, 32).ToArray(), []);

    private static RegisterPatientPayload RegisterPatient(string id, string organisation, UserKeys patient, EncryptionPublicKey organisationKey) =>
        new(id, organisation, Hash256.Zero, patient.Signing.PublicKey, patient.Encryption.PublicKey,
            new SealedRecordRef(Hashing.Sha256(System.Text.Encoding.UTF8.GetBytes(id)), 10, [Wrap(organisationKey), Wrap(patient.Encryption.PublicKey)]));

    [Fact]
    public void A_declaration_whose_joining_rescue_service_votes_needs_the_admission_majority_and_expires_in_six_hours()
    {
        using var d = new Drill();
        var c = d.C;
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new ProposePayload("declare-quake", d.Quake())).Verdict);
        var proposal = c.Proposal("declare-quake");
        Assert.Equal((ProposalStatus.Open, c.Time + GovernancePolicy.EmergencyProposalLifetimeMs), (proposal.Status, proposal.ExpiresAt));
        Assert.Null(EmergencyState.Get(c.Net.State, "quake")); // 1 of 4 is not a third
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[1].Admin, new VotePayload("declare-quake", true)).Verdict);
        // 2 of 4 is a third, but Red Cross's node would vote: admitting a validator needs the admission rule's majority, 3 of 4
        Assert.Equal(ProposalStatus.Open, c.Proposal("declare-quake").Status);
        Assert.Null(Consortium.GetOrganisation(c.Net.State, "org-5"));
        Assert.Equal(3, Consortium.Needed(c.Net.State, d.Quake()));
        Assert.Equal(2, Consortium.Needed(c.Net.State, d.Quake() with { NewRescuerNodesVote = false }));
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[2].Admin, new VotePayload("declare-quake", true)).Verdict);
        Assert.Equal(ProposalStatus.Executed, c.Proposal("declare-quake").Status);
        var quake = EmergencyState.Get(c.Net.State, "quake")!;
        Assert.Equal([TestNetwork.OrgId], quake.Scope);
        Assert.Equal(["org-5"], quake.Rescuers);
        Assert.Equal((ConsentCategories.Demographics, c.Time), (quake.Categories, quake.DeclaredAt));
        Assert.True(quake.IsActiveAt(c.Time));
        Assert.Equal((OrganisationType.Rescuer, OrganisationStatus.Active), (c.Organisation("org-5").Type, c.Organisation("org-5").Status));
        Assert.Contains("org-5-node-1", c.Validators); // the rescue service's node syncs and votes
        Assert.Equal(["quake"], EmergencyState.Ids(c.Net.State));
    }

    [Fact]
    public void A_declaration_may_admit_the_rescue_services_nodes_as_observers_that_never_vote_even_when_reinstated()
    {
        using var d = new Drill();
        var c = d.C;
        var before = c.Validators.ToList();
        c.Decide("declare-quake", d.Quake() with { NewRescuerNodesVote = false }, approvals: 2);
        Assert.Equal(before, c.Validators); // the quorum is unchanged: 4 voting nodes
        Assert.Equal(["org-5-node-1"], ValidatorSet.ObserverIds(c.Net.State));
        Assert.Equal(["org-5-node-1"], Consortium.NodesOf(c.Net.State, "org-5"));
        Assert.Equal("org-5", ValidatorSet.ReadObservers(c.Net.State).Single().OrganisationId);
        Assert.Equal(["org-5"], EmergencyState.Get(c.Net.State, "quake")!.Rescuers);

        c.Decide("suspend-5", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-5"), approvals: 3);
        c.Decide("reinstate-5", new OrganisationStatusAction(GovernanceAction.ReinstateOrganisation, "org-5"), approvals: 3);
        Assert.Equal(before, c.Validators); // reinstating puts back only the nodes that voted before
        Assert.Equal(["org-5-node-1"], ValidatorSet.ObserverIds(c.Net.State));

        c.Decide("remove-node", new RemoveNodeAction("org-5-node-1"), approvals: 3);
        Assert.Empty(ValidatorSet.ObserverIds(c.Net.State));
        Assert.False(c.Net.State.TryGet(StateKeys.Observers, out _));
    }

    [Fact]
    public void The_observer_choice_is_part_of_the_declarations_canonical_encoding()
    {
        using var d = new Drill();
        var voting = d.Quake();
        var observing = voting with { NewRescuerNodesVote = false };
        Assert.True(voting.NewRescuerNodesVote);
        Assert.NotEqual(voting.Encode(), observing.Encode());
        Assert.Equal(1, voting.Encode()[^1]);
        Assert.Equal(0, observing.Encode()[^1]);
        Assert.False(((DeclareEmergencyAction)Decode(observing.Encode())!).NewRescuerNodesVote);
        var bad = observing.Encode();
        bad[^1] = 2;
        Assert.Null(Decode(bad));

        static ProposedAction? Decode(byte[] bytes)
        {
            var r = new HealthLedger.Core.Encoding.CanonicalReader(bytes);
            return ProposedAction.TryRead(ref r, out var action) && r.End() ? action : null;
        }
    }

    public static TheoryData<string, TxVerdict, string> BadDeclarations() => new()
    {
        { "end-before-start", TxVerdict.InvalidField, "endsAt: the end must be after the start" },
        { "no-scope", TxVerdict.InvalidField, "scope: name at least one organisation" },
        { "unknown-scope", TxVerdict.NotFound, "scope: organisation 'nowhere' does not exist" },
        { "removed-rescuer", TxVerdict.Conflict, "rescuers: organisation 'org-4' is removed" },
        { "beyond-categories", TxVerdict.InvalidField, "categories: an emergency opens only the emergency summary" },
        { "no-rescuer", TxVerdict.InvalidField, "rescuers: admit at least one" },
        { "joining-not-rescuer", TxVerdict.InvalidField, "type rescuer" },
        { "too-long", TxVerdict.InvalidField, "at most 30 days" },
        { "area-not-a-site-code", TxVerdict.InvalidField, "area: a facility or site code" },
        { "starts-too-far-back", TxVerdict.InvalidField, "startsAt: a declaration may start at most 1 hour before it is proposed" },
        { "scope-as-rescuer", TxVerdict.InvalidField, "rescuers: organisation 'test-hospital' is in the scope" },
    };

    [Theory]
    [MemberData(nameof(BadDeclarations))]
    public void A_bad_declaration_is_refused_with_its_field_and_writes_nothing(string variant, TxVerdict verdict, string reason)
    {
        using var d = new Drill();
        var c = d.C;
        if (variant == "removed-rescuer") c.Decide("remove-4", new OrganisationStatusAction(GovernanceAction.RemoveOrganisation, "org-4"), approvals: 3);
        var quake = d.Quake();
        var action = variant switch
        {
            "end-before-start" => quake with { EndsAt = quake.StartsAt },
            "no-scope" => quake with { Scope = [] },
            "unknown-scope" => quake with { Scope = [TestNetwork.OrgId, "nowhere"] },
            "removed-rescuer" => quake with { Rescuers = ["org-4"] },
            "beyond-categories" => quake with { Categories = ConsentCategories.Demographics | ConsentCategories.Encounters },
            "no-rescuer" => quake with { NewRescuers = [] },
            "joining-not-rescuer" => quake with { NewRescuers = [c.NewOrganisation(5, OrganisationType.Clinic)] },
            "too-long" => quake with { EndsAt = quake.StartsAt + EmergencyState.MaxDurationMs + 1 },
            "area-not-a-site-code" => quake with { Area = "North district" },
            // the proposal's block is 1 s after c.Time: this start is 1 h 1 s before it
            "starts-too-far-back" => quake with { StartsAt = c.Time - Hour },
            "scope-as-rescuer" => quake with { Rescuers = [TestNetwork.OrgId] },
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var before = c.Net.State.RootWithoutNonces();
        var receipt = c.Submit(c.Members[0].Admin, new ProposePayload("declare-bad", action));
        Assert.Equal(verdict, receipt.Verdict);
        Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
    }

    [Fact]
    public void An_emergency_is_extended_and_ended_early_by_approval_and_cannot_change_once_over()
    {
        using var d = new Drill();
        var c = d.C;
        d.DeclareQuake();
        var end = EmergencyState.Get(c.Net.State, "quake")!.EndsAt;
        Assert.Equal(TxVerdict.InvalidField, c.Submit(c.Members[0].Admin, new ProposePayload("extend-short", new EmergencyChangeAction(GovernanceAction.ExtendEmergency, "quake", end - 1))).Verdict);
        c.Decide("extend-quake", new EmergencyChangeAction(GovernanceAction.ExtendEmergency, "quake", end + 24 * Hour), approvals: 2);
        Assert.Equal(end + 24 * Hour, EmergencyState.Get(c.Net.State, "quake")!.EndsAt);
        c.Decide("end-quake", new EmergencyChangeAction(GovernanceAction.EndEmergency, "quake", 0), approvals: 2);
        var ended = EmergencyState.Get(c.Net.State, "quake")!;
        Assert.Equal((c.Time, true), (ended.EndsAt, ended.EndedEarly));
        Assert.False(ended.IsActiveAt(c.Time));
        var again = c.Submit(c.Members[0].Admin, new ProposePayload("end-again", new EmergencyChangeAction(GovernanceAction.EndEmergency, "quake", 0)));
        Assert.Equal(TxVerdict.Conflict, again.Verdict);
        Assert.Contains("already over", again.Reason, StringComparison.Ordinal);
        Assert.Equal(TxVerdict.NotFound, c.Submit(c.Members[0].Admin, new ProposePayload("end-none", new EmergencyChangeAction(GovernanceAction.EndEmergency, "flood", 0))).Verdict);
        // the medic is refused once it is over
        var refused = c.Submit(d.Medic, d.BreakGlass("bg-late"));
        Assert.Equal(TxVerdict.Conflict, refused.Verdict);
        Assert.Contains("outside its time", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_emergency_ends_by_itself_at_its_end_time_and_break_glass_access_stops_with_it()
    {
        using var d = new Drill();
        var c = d.C;
        d.DeclareQuake();
        var quake = EmergencyState.Get(c.Net.State, "quake")!;
        var before = c.Net.State.Root;
        Assert.Equal(TxVerdict.Ok, c.Submit(d.Medic, d.BreakGlass("bg-1"), after: quake.EndsAt - c.Time - 2 * Hour).Verdict);
        var access = BreakGlassState.Get(c.Net.State, "pt-zoe", "bg-1")!;
        Assert.Equal(quake.EndsAt, access.ExpiresAt); // 12 h would outlast the emergency: it stops with it
        Assert.Equal((TestNetwork.OrgId, "medic-1", Role.Rescuer, "org-5", BreakGlassReview.Pending), (access.CustodianId, access.ActorId, access.ActorRole, access.ActorOrganisationId, access.Review));
        Assert.NotEqual(before, c.Net.State.Root);
        // the end time passes with nothing written: the state says the same, the rules read it against block time
        var refused = c.Submit(d.Medic, d.BreakGlass("bg-2"), after: 2 * Hour);
        Assert.Equal(TxVerdict.Conflict, refused.Verdict);
        Assert.Contains("outside its time", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(quake, EmergencyState.Get(c.Net.State, "quake"));
        Assert.False(BreakGlassState.Get(c.Net.State, "pt-zoe", "bg-1")!.IsActiveAt(c.Time));
    }

    [Fact]
    public void A_break_glass_access_lasts_twelve_hours_and_enters_the_custodians_review_queue()
    {
        using var d = new Drill();
        var c = d.C;
        d.DeclareQuake();
        Assert.Equal(TxVerdict.Ok, c.Submit(d.Medic, d.BreakGlass("bg-1")).Verdict);
        var access = BreakGlassState.Get(c.Net.State, "pt-zoe", "bg-1")!;
        Assert.Equal(c.Time + BreakGlassState.DurationMs, access.ExpiresAt);
        Assert.True(c.Net.State.TryGet(BreakGlassState.QueueKey(TestNetwork.OrgId, "pt-zoe", "bg-1"), out _));
        Assert.Equal(TxVerdict.AlreadyExists, c.Submit(d.Medic, d.BreakGlass("bg-1")).Verdict);
        // review: only an admin of the custodian, once
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(c.Members[1].Admin, new ReviewBreakGlassPayload("pt-zoe", "bg-1", BreakGlassReview.Misuse)).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new ReviewBreakGlassPayload("pt-zoe", "bg-1", BreakGlassReview.Reviewed)).Verdict);
        var reviewed = BreakGlassState.Get(c.Net.State, "pt-zoe", "bg-1")!;
        Assert.Equal((BreakGlassReview.Reviewed, "admin", c.Time), (reviewed.Review, reviewed.ReviewedBy, reviewed.ReviewedAt));
        Assert.Equal(TxVerdict.Conflict, c.Submit(c.Members[0].Admin, new ReviewBreakGlassPayload("pt-zoe", "bg-1", BreakGlassReview.Misuse)).Verdict);
        Assert.Equal(TxVerdict.NotFound, c.Submit(c.Members[0].Admin, new ReviewBreakGlassPayload("pt-zoe", "bg-9", BreakGlassReview.Misuse)).Verdict);
    }

    public static TheoryData<string, TxVerdict, string> Refusals() => new()
    {
        { "no-justification", TxVerdict.InvalidField, "justification: a justification of at least 10 bytes is required" },
        { "outside-scope", TxVerdict.Unauthorized, "outside the scope of emergency 'quake'" },
        { "before-start", TxVerdict.Conflict, "outside its time" },
        { "org-not-admitted", TxVerdict.Unauthorized, "organisation 'org-3' is not admitted as a rescuer" },
        { "beyond-emergency-set", TxVerdict.InvalidField, "categories: an emergency opens only the emergency summary" },
        { "beyond-declared", TxVerdict.InvalidField, "categories: emergency 'quake' does not open them" },
        { "no-emergency", TxVerdict.NotFound, "emergency 'flood' does not exist" },
        { "rescuer-without-emergency", TxVerdict.Unauthorized, "outside a declared emergency only a doctor" },
        { "patient-cannot", TxVerdict.Unauthorized, "only a rescuer or a doctor" },
        { "no-envelope-for-custodian", TxVerdict.InvalidField, "no key envelope for the patient's organisation" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Every_break_glass_refusal_writes_nothing(string variant, TxVerdict verdict, string reason)
    {
        using var d = new Drill();
        var c = d.C;
        d.DeclareQuake();
        var (signer, payload) = variant switch
        {
            "no-justification" => (d.Medic, d.BreakGlass("bg-x", textBytes: 0)),
            "outside-scope" => (d.Medic, d.BreakGlass("bg-x", patient: "pt-max")),
            "before-start" => (d.Medic, d.BreakGlass("bg-x", emergency: "later")),
            "org-not-admitted" => (d.Doctor, d.BreakGlass("bg-x")),
            "beyond-emergency-set" => (d.Medic, d.BreakGlass("bg-x", categories: ConsentCategories.Demographics | ConsentCategories.Account)),
            "beyond-declared" => (d.Medic, d.BreakGlass("bg-x", categories: ConsentCategories.Reports)),
            "no-emergency" => (d.Medic, d.BreakGlass("bg-x", emergency: "flood")),
            "rescuer-without-emergency" => (d.Medic, d.BreakGlass("bg-x", emergency: "")),
            "patient-cannot" => (d.Patient, d.BreakGlass("bg-x")),
            "no-envelope-for-custodian" => (d.Medic, d.BreakGlass("bg-x", custodian: d.Doctor.Encryption.PublicKey)),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        if (variant == "before-start")
        {
            c.Decide("declare-later", d.Quake() with { EmergencyId = "later", Rescuers = ["org-5"], NewRescuers = [], StartsAt = c.Time + 24 * Hour, EndsAt = c.Time + 48 * Hour }, approvals: 2);
        }
        var before = c.Net.State.RootWithoutNonces();
        var receipt = c.Submit(signer, payload);
        Assert.Equal(verdict, receipt.Verdict);
        Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
    }

    [Fact]
    public void Outside_an_emergency_a_doctor_of_a_member_organisation_may_break_the_glass_for_twelve_hours()
    {
        using var d = new Drill();
        var c = d.C;
        Assert.Equal(TxVerdict.Ok, c.Submit(d.Doctor, d.BreakGlass("bg-er", emergency: "")).Verdict);
        var access = BreakGlassState.Get(c.Net.State, "pt-zoe", "bg-er")!;
        Assert.Equal(("", "org-3", c.Time + BreakGlassState.DurationMs), (access.EmergencyId, access.ActorOrganisationId, access.ExpiresAt));
    }

    [Fact]
    public void Only_a_node_of_a_custodian_in_scope_wraps_emergency_keys_for_an_admitted_rescuer()
    {
        using var d = new Drill();
        var c = d.C;
        d.DeclareQuake();
        var redCross = c.Organisation("org-5");
        var lookup = Wrap(redCross.EncryptionKey);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [], lookup)).Verdict);
        Assert.True(c.Net.State.TryGet(EmergencyKey.LookupKey("quake", "org-5", TestNetwork.OrgId), out _));
        var cases = new (SigningKeyPair Signer, WrapEmergencyKeysPayload Payload, TxVerdict Verdict, string Reason)[]
        {
            (c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-3", [], Wrap(c.Organisation("org-3").EncryptionKey)), TxVerdict.Unauthorized, "not admitted as a rescuer"),
            (c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [], Wrap(d.Doctor.Encryption.PublicKey)), TxVerdict.InvalidField, "not wrapped for the rescuer organisation"),
            (c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [new EmergencyKey("pt-zoe", ConsentCategories.Demographics, 1, lookup)], null), TxVerdict.NotFound, "no Demographics key of epoch 1"),
            (c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [new EmergencyKey("pt-max", ConsentCategories.Demographics, 1, lookup)], null), TxVerdict.NotFound, "not a patient of organisation 'test-hospital'"),
            (c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [new EmergencyKey("pt-zoe", ConsentCategories.Reports, 1, lookup)], null), TxVerdict.InvalidField, "does not open Reports"),
            (c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [new EmergencyKey("pt-zoe", ConsentCategories.Encounters, 1, lookup)], null), TxVerdict.InvalidField, "emergency summary"),
            (c.Members[0].Admin.Signing, new WrapEmergencyKeysPayload("quake", "org-5", [], lookup), TxVerdict.Unauthorized, "only a node"),
        };
        foreach (var (signer, payload, verdict, reason) in cases)
        {
            var before = c.Net.State.RootWithoutNonces();
            var receipt = c.Submit(signer, payload);
            Assert.Equal(verdict, receipt.Verdict);
            Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
            Assert.Equal(before, c.Net.State.RootWithoutNonces());
        }
    }

    [Fact]
    public void Once_an_emergency_is_over_the_epoch_its_rescuers_received_is_stale_and_the_next_record_opens_a_new_one()
    {
        using var d = new Drill();
        var c = d.C;
        var patient = c.Keys(79);
        var custodian = c.Net.Organisation.Encryption.PublicKey;
        var keys = new Dictionary<int, byte[]> { [1] = TestNetwork.Seed(501, 32), [2] = TestNetwork.Seed(502, 32) };
        SealedRecordRef Demographics(int version, int epoch, bool opens)
        {
            var dataKey = TestNetwork.Seed(600 + version, 32);
            var wrapped = CategoryKeyCrypto.WrapDataKey(keys[epoch], TestNetwork.Seed(700 + version, RecordCrypto.NonceLength), dataKey,
                CategoryKeyCrypto.DataKeyAad("pt-kay", (byte)ConsentCategories.Demographics, epoch, "pt-kay", version));
            IReadOnlyList<CategoryKeyReader> readers = opens
                ? [new(KeyReaderKind.Organisation, TestNetwork.OrgId, CategoryKeyCrypto.WrapForReader(keys[epoch], custodian, TestNetwork.Seed(800 + epoch, 32), "pt-kay", 1, epoch)),
                   new(KeyReaderKind.Patient, "pt-kay", CategoryKeyCrypto.WrapForReader(keys[epoch], patient.Encryption.PublicKey, TestNetwork.Seed(900 + epoch, 32), "pt-kay", 1, epoch))]
                : [];
            return new SealedRecordRef(Hashing.Sha256(dataKey), 10, [], new CategoryKeyWrap("pt-kay", ConsentCategories.Demographics, epoch, wrapped, readers));
        }
        var admin = c.Members[0].Admin;
        Assert.Equal(TxVerdict.Ok, c.Submit(admin, new RegisterPatientPayload("pt-kay", TestNetwork.OrgId, Hashing.Sha256("MRN-KAY"u8), patient.Signing.PublicKey, patient.Encryption.PublicKey, Demographics(1, 1, opens: true))).Verdict);
        d.DeclareQuake();
        var redCross = c.Organisation("org-5").EncryptionKey;
        var envelope = CategoryKeyCrypto.WrapForReader(keys[1], redCross, TestNetwork.Seed(950, 32), "pt-kay", 1, 1);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [new EmergencyKey("pt-kay", ConsentCategories.Demographics, 1, envelope)], null)).Verdict);
        Assert.True(c.Net.State.TryGet(EmergencyKey.StateKey("quake", "org-5", "pt-kay", ConsentCategories.Demographics, 1), out _));
        // while the emergency is in force, epoch 1 stays in use
        Assert.Equal(TxVerdict.Ok, c.Submit(admin, new UpdateRecordPayload(RecordSubject.Patient, "pt-kay", 2, Demographics(2, 1, opens: false))).Verdict);
        c.Decide("end-quake", new EmergencyChangeAction(GovernanceAction.EndEmergency, "quake", 0), approvals: 2);
        var before = c.Net.State.RootWithoutNonces();
        var stale = c.Submit(admin, new UpdateRecordPayload(RecordSubject.Patient, "pt-kay", 3, Demographics(3, 1, opens: false)));
        Assert.Equal(TxVerdict.Conflict, stale.Verdict);
        Assert.Contains("rescuers of emergency 'quake', now over", stale.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
        Assert.Equal(TxVerdict.Ok, c.Submit(admin, new UpdateRecordPayload(RecordSubject.Patient, "pt-kay", 3, Demographics(3, 2, opens: true))).Verdict);
        Assert.Equal(2, CategoryKeyState.CurrentEpoch(c.Net.State, "pt-kay", ConsentCategories.Demographics));
        Assert.Null(ReleasedEpochs.StaleUnder(c.Net.State, "pt-kay", ConsentCategories.Demographics, 2, c.Time));
    }

    private static readonly Hash256 AdaIndex = Hashing.Sha256("ada lovelace|1815-12-10"u8);
    private static readonly Hash256 OtherIndex = Hashing.Sha256("ada byron|1815-12-10"u8);

    [Fact]
    public void The_name_index_is_accepted_only_from_the_custodian_organisation_for_its_own_patients_and_refusals_write_nothing()
    {
        using var d = new Drill();
        var c = d.C;
        using var org2Node = SigningKeyPair.FromSeed(TestNetwork.Seed(302, 32));
        var cases = new (SigningKeyPair Signer, IndexPatientPayload Payload, TxVerdict Verdict, string Reason)[]
        {
            (c.Members[1].Admin.Signing, new IndexPatientPayload("pt-zoe", AdaIndex, null), TxVerdict.Unauthorized, "only an admin of organisation 'test-hospital'"),
            (c.Members[1].Admin.Signing, new IndexPatientPayload("pt-zoe", null, "north-campus"), TxVerdict.Unauthorized, "only an admin of organisation 'test-hospital'"),
            (c.Members[0].Admin.Signing, new IndexPatientPayload("pt-max", AdaIndex, null), TxVerdict.Unauthorized, "only an admin of organisation 'org-2'"),
            (c.Members[0].Admin.Signing, new IndexPatientPayload("pt-nobody", AdaIndex, null), TxVerdict.NotFound, "patient 'pt-nobody' does not exist"),
            (org2Node, new IndexPatientPayload("pt-zoe", AdaIndex, null), TxVerdict.Unauthorized, "only an admin or a node of organisation 'test-hospital'"),
            (c.Net.Node, new IndexPatientPayload("pt-zoe", null, "north-campus"), TxVerdict.Unauthorized, "only an admin of organisation 'test-hospital' sets a patient's area tag"),
            (d.Doctor.Signing, new IndexPatientPayload("pt-zoe", AdaIndex, null), TxVerdict.Unauthorized, "only an admin"),
            (c.Members[0].Admin.Signing, new IndexPatientPayload("pt-zoe", null, "North Campus"), TxVerdict.InvalidField, "area: a facility or site code"),
            (c.Members[0].Admin.Signing, new IndexPatientPayload("pt-zoe", null, new string('a', SiteCodes.MaxLength + 1)), TxVerdict.Malformed, "area"),
        };
        foreach (var (signer, payload, verdict, reason) in cases)
        {
            var before = c.Net.State.RootWithoutNonces();
            var receipt = c.Submit(signer, payload);
            Assert.Equal(verdict, receipt.Verdict);
            Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
            Assert.Equal(before, c.Net.State.RootWithoutNonces());
        }

        // The custodian's node sets the name index; its admin sets the area: each part kept when the other changes.
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Net.Node, new IndexPatientPayload("pt-zoe", AdaIndex, null)).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new IndexPatientPayload("pt-zoe", null, "north-campus")).Verdict);
        Assert.Equal(new PatientIndexState(AdaIndex, "north-campus"), PatientIndexState.Get(c.Net.State, "pt-zoe"));
        Assert.True(c.Net.State.TryGet(PatientIndexState.NameKey(TestNetwork.OrgId, AdaIndex, "pt-zoe"), out var listed));
        Assert.Equal("pt-zoe", System.Text.Encoding.UTF8.GetString(listed));
    }

    [Fact]
    public void Several_patients_share_a_name_index_and_a_changed_name_moves_one_of_them()
    {
        using var d = new Drill();
        var c = d.C;
        var twin = c.Keys(80);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, RegisterPatient("pt-twin", TestNetwork.OrgId, twin, c.Net.Organisation.Encryption.PublicKey) with { MrnIndex = Hashing.Sha256("MRN-TWIN"u8) }).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new IndexPatientPayload("pt-zoe", AdaIndex, "north-campus")).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Net.Node, new IndexPatientPayload("pt-twin", AdaIndex, null)).Verdict);
        Assert.Equal(["pt-twin", "pt-zoe"], Listed(AdaIndex));

        // pt-twin's name changes: the old entry goes, the new one comes; pt-zoe stays under the old index.
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Net.Node, new IndexPatientPayload("pt-twin", OtherIndex, null)).Verdict);
        Assert.Equal(["pt-zoe"], Listed(AdaIndex));
        Assert.Equal(["pt-twin"], Listed(OtherIndex));
        Assert.Equal(new PatientIndexState(OtherIndex, ""), PatientIndexState.Get(c.Net.State, "pt-twin"));

        List<string> Listed(Hash256 index) => [.. new[] { "pt-twin", "pt-zoe" }.Where(id => c.Net.State.TryGet(PatientIndexState.NameKey(TestNetwork.OrgId, index, id), out _))];
    }

    [Fact]
    public void An_emergency_naming_an_area_covers_only_the_patients_tagged_with_it_and_refusals_write_nothing()
    {
        using var d = new Drill();
        var c = d.C;
        var other = c.Keys(81);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, RegisterPatient("pt-south", TestNetwork.OrgId, other, c.Net.Organisation.Encryption.PublicKey) with { MrnIndex = Hashing.Sha256("MRN-S"u8) }).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new IndexPatientPayload("pt-south", null, "south-campus")).Verdict);
        d.DeclareQuake(area: "north-campus");
        Assert.Equal("north-campus", EmergencyState.Get(c.Net.State, "quake")!.Area);

        // pt-zoe is untagged and pt-south tagged elsewhere: both refused, nothing written.
        foreach (var patient in new[] { "pt-zoe", "pt-south" })
        {
            var before = c.Net.State.RootWithoutNonces();
            var refused = c.Submit(d.Medic, d.BreakGlass("bg-" + patient, patient: patient));
            Assert.Equal(TxVerdict.Unauthorized, refused.Verdict);
            Assert.Contains("outside the area 'north-campus' of emergency 'quake'", refused.Reason, StringComparison.Ordinal);
            Assert.Equal(before, c.Net.State.RootWithoutNonces());
        }
        // ...nor are their keys wrapped for the rescuers (the area check comes before the key's own checks).
        var redCross = c.Organisation("org-5").EncryptionKey;
        var root = c.Net.State.RootWithoutNonces();
        var wrap = c.Submit(c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [new EmergencyKey("pt-zoe", ConsentCategories.Demographics, 1, Wrap(redCross))], null));
        Assert.Equal(TxVerdict.Unauthorized, wrap.Verdict);
        Assert.Contains("outside the area 'north-campus'", wrap.Reason, StringComparison.Ordinal);
        Assert.Equal(root, c.Net.State.RootWithoutNonces());

        // Tagged with the area, pt-zoe is covered: the break-glass commits, and a key wrap passes the area check.
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new IndexPatientPayload("pt-zoe", null, "north-campus")).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(d.Medic, d.BreakGlass("bg-zoe")).Verdict);
        var passes = c.Submit(c.Net.Node, new WrapEmergencyKeysPayload("quake", "org-5", [new EmergencyKey("pt-zoe", ConsentCategories.Demographics, 1, Wrap(redCross))], null));
        Assert.Equal(TxVerdict.NotFound, passes.Verdict);
        Assert.Contains("no Demographics key of epoch 1", passes.Reason, StringComparison.Ordinal); // past the area: these test patients have no category keys

        // Untagged again: refused again.
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new IndexPatientPayload("pt-zoe", null, "")).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(d.Medic, d.BreakGlass("bg-zoe-2")).Verdict);
    }

    [Fact]
    public void The_index_payload_encodes_only_the_parts_it_sets_and_refuses_an_empty_or_unknown_parts_byte()
    {
        TxKinds.TryGet(TxKind.IndexPatient, out var handler);
        foreach (var payload in new[] { new IndexPatientPayload("pt-zoe", AdaIndex, null), new IndexPatientPayload("pt-zoe", null, ""), new IndexPatientPayload("pt-zoe", AdaIndex, "north-campus") })
        {
            var w = new HealthLedger.Core.Encoding.CanonicalWriter();
            payload.Write(w);
            var (result, decoded) = handler!.Decode(w.ToArray());
            Assert.True(result.IsOk, result.Reason);
            Assert.Equal(payload, decoded);
        }
        foreach (var parts in new byte[] { 0, 4 })
        {
            var w = new HealthLedger.Core.Encoding.CanonicalWriter().Text("pt-zoe").U8(parts);
            Assert.Equal(TxVerdict.Malformed, handler!.Decode(w.ToArray()).Result.Verdict);
        }
    }

    [Fact]
    public void A_declaration_may_start_up_to_an_hour_before_its_proposal()
    {
        using var d = new Drill();
        var c = d.C;
        var quake = d.Quake() with { StartsAt = c.Time + 1000 - Hour }; // exactly 1 h before the proposal's block
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new ProposePayload("declare-quake", quake)).Verdict);
    }

    [Fact]
    public void A_second_end_or_extend_proposal_is_refused_while_one_is_open_for_the_same_emergency()
    {
        using var d = new Drill();
        var c = d.C;
        d.DeclareQuake();
        var end = EmergencyState.Get(c.Net.State, "quake")!.EndsAt;
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new ProposePayload("end-1", new EmergencyChangeAction(GovernanceAction.EndEmergency, "quake", 0))).Verdict);
        Assert.Equal(ProposalStatus.Open, c.Proposal("end-1").Status); // 1 of 4: not yet
        foreach (var (id, action) in new[]
        {
            ("end-2", new EmergencyChangeAction(GovernanceAction.EndEmergency, "quake", 0)),
            ("extend-1", new EmergencyChangeAction(GovernanceAction.ExtendEmergency, "quake", end + Hour)),
        })
        {
            var before = c.Net.State.RootWithoutNonces();
            var refused = c.Submit(c.Members[1].Admin, new ProposePayload(id, action));
            Assert.Equal(TxVerdict.Conflict, refused.Verdict);
            Assert.Contains("proposal 'end-1' to end emergency 'quake' is open", refused.Reason, StringComparison.Ordinal);
            Assert.Equal(before, c.Net.State.RootWithoutNonces());
        }
        // once it is withdrawn another may be proposed
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new WithdrawPayload("end-1")).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[1].Admin, new ProposePayload("extend-1", new EmergencyChangeAction(GovernanceAction.ExtendEmergency, "quake", end + Hour))).Verdict);
        Assert.Equal(TxVerdict.Conflict, c.Submit(c.Members[0].Admin, new ProposePayload("end-3", new EmergencyChangeAction(GovernanceAction.EndEmergency, "quake", 0))).Verdict);
    }

    [Fact]
    public void An_organisation_admitted_by_a_declaration_is_a_rescue_service_that_does_not_govern()
    {
        using var d = new Drill();
        var c = d.C;
        d.DeclareQuake(nodesVote: false);
        using var redCrossAdmin = TestNetwork.Keys(205);
        Assert.True(Consortium.IsRescueService(c.Net.State, "org-5"));
        Assert.Equal("quake", Consortium.RescueServiceEmergency(c.Net.State, "org-5"));
        Assert.Contains("org-5", Consortium.ActiveOrganisations(c.Net.State));
        Assert.DoesNotContain("org-5", Consortium.GoverningOrganisations(c.Net.State));
        Assert.Equal(4, Consortium.GoverningOrganisations(c.Net.State).Count);

        // it neither proposes nor votes; nothing is written
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new ProposePayload("policy-1", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-4"))).Verdict);
        foreach (TxPayload payload in new TxPayload[]
        {
            new VotePayload("policy-1", true),
            new ProposePayload("declare-flood", d.Quake() with { EmergencyId = "flood", NewRescuers = [], Rescuers = ["org-5"] }),
            new WithdrawPayload("policy-1"),
        })
        {
            var before = c.Net.State.RootWithoutNonces();
            var refused = c.Submit(redCrossAdmin, payload);
            Assert.Equal(TxVerdict.Unauthorized, refused.Verdict);
            Assert.Contains("organisation 'org-5' is a rescue service admitted with emergency 'quake': it takes no part in governance", refused.Reason, StringComparison.Ordinal);
            Assert.Equal(before, c.Net.State.RootWithoutNonces());
        }

        // its admin registers rescuers only: no doctor, lab or pharmacy staff, auditor, admin or patient
        var staff = c.Keys(81);
        foreach (var role in Enum.GetValues<Role>().Where(r => r != Role.Rescuer))
        {
            var before = c.Net.State.RootWithoutNonces();
            var refused = c.Submit(redCrossAdmin, new RegisterUserPayload("staff-" + (byte)role, role, "org-5", staff.Signing.PublicKey, staff.Encryption.PublicKey));
            Assert.Equal(TxVerdict.Unauthorized, refused.Verdict);
            Assert.Contains("its admin registers only rescuers", refused.Reason, StringComparison.Ordinal);
            Assert.Equal(before, c.Net.State.RootWithoutNonces());
        }
        var redCrossKey = c.Organisation("org-5").EncryptionKey;
        var doctor = c.Submit(redCrossAdmin, new RegisterDoctorPayload("dr-red", "org-5", staff.Signing.PublicKey, staff.Encryption.PublicKey,
            new SealedRecordRef(Hashing.Sha256("dr-red"u8), 10, [Wrap(redCrossKey)])));
        Assert.Equal((TxVerdict.Unauthorized, true), (doctor.Verdict, doctor.Reason.Contains("registers only rescuers, not a doctor", StringComparison.Ordinal)));
        var patient = c.Submit(redCrossAdmin, RegisterPatient("pt-red", "org-5", staff, redCrossKey));
        Assert.Equal((TxVerdict.Unauthorized, true), (patient.Verdict, patient.Reason.Contains("registers only rescuers, not a patient", StringComparison.Ordinal)));
        Assert.Equal(TxVerdict.Ok, c.Submit(redCrossAdmin, new RegisterUserPayload("medic-2", Role.Rescuer, "org-5", staff.Signing.PublicKey, staff.Encryption.PublicKey)).Verdict);

        // its medics break the glass only under an emergency in force that admits it
        Assert.Equal(TxVerdict.Ok, c.Submit(d.Medic, d.BreakGlass("bg-1")).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(d.Medic, d.BreakGlass("bg-2", emergency: "")).Verdict);
        c.Decide("end-quake", new EmergencyChangeAction(GovernanceAction.EndEmergency, "quake", 0), approvals: 2);
        Assert.Equal(TxVerdict.Conflict, c.Submit(d.Medic, d.BreakGlass("bg-3")).Verdict);
        // and it stays a rescue service after the emergency ends
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(redCrossAdmin, new VotePayload("policy-1", true)).Verdict);
    }

    [Fact]
    public void The_last_governing_organisation_cannot_be_suspended_while_only_rescue_services_would_remain()
    {
        using var c = new ConsortiumNetwork(1);
        var quake = new DeclareEmergencyAction("quake", "Earthquake", "", [TestNetwork.OrgId], [], [c.NewOrganisation(5, OrganisationType.Rescuer)],
            EmergencyCategories.Default, c.Time, c.Time + 48 * Hour, NewRescuerNodesVote: false);
        c.Decide("declare-quake", quake, approvals: 1);
        Assert.Equal([TestNetwork.OrgId], Consortium.GoverningOrganisations(c.Net.State));
        var before = c.Net.State.RootWithoutNonces();
        var refused = c.Submit(c.Members[0].Admin, new ProposePayload("suspend-self", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, TestNetwork.OrgId)));
        Assert.Equal(TxVerdict.Conflict, refused.Verdict);
        Assert.Contains("the last one that governs", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
    }

    [Fact]
    public void A_rescue_organisation_admitted_by_an_ordinary_join_request_is_a_full_member()
    {
        using var d = new Drill();
        var c = d.C;
        c.Decide("join-5", c.NewOrganisation(5, OrganisationType.Rescuer), approvals: 3);
        using var redCrossAdmin = TestNetwork.Keys(205);
        Assert.False(Consortium.IsRescueService(c.Net.State, "org-5"));
        Assert.Contains("org-5", Consortium.GoverningOrganisations(c.Net.State));
        Assert.Equal(TxVerdict.Ok, c.Submit(redCrossAdmin, new ProposePayload("suspend-4", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-4"))).Verdict);
        var staff = c.Keys(81);
        Assert.Equal(TxVerdict.Ok, c.Submit(redCrossAdmin, new RegisterUserPayload("dr-red", Role.Doctor, "org-5", staff.Signing.PublicKey, staff.Encryption.PublicKey)).Verdict);
    }

    [Fact]
    public void A_misuse_review_ends_the_access_at_the_reviews_block()
    {
        using var d = new Drill();
        var c = d.C;
        d.DeclareQuake();
        Assert.Equal(TxVerdict.Ok, c.Submit(d.Medic, d.BreakGlass("bg-1")).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(d.Doctor, d.BreakGlass("bg-er", emergency: "")).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new ReviewBreakGlassPayload("pt-zoe", "bg-1", BreakGlassReview.Misuse)).Verdict);
        var flagged = BreakGlassState.Get(c.Net.State, "pt-zoe", "bg-1")!;
        Assert.Equal((BreakGlassReview.Misuse, c.Time, c.Time), (flagged.Review, flagged.ReviewedAt, flagged.ExpiresAt));
        Assert.False(flagged.IsActiveAt(c.Time));
        // "reviewed" leaves the access to run its time
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[0].Admin, new ReviewBreakGlassPayload("pt-zoe", "bg-er", BreakGlassReview.Reviewed)).Verdict);
        var reviewed = BreakGlassState.Get(c.Net.State, "pt-zoe", "bg-er")!;
        Assert.True(reviewed.IsActiveAt(c.Time));
        Assert.Equal(reviewed.GrantedAt + BreakGlassState.DurationMs, reviewed.ExpiresAt);
    }

    [Fact]
    public void An_epoch_released_to_a_doctor_is_stale_once_a_misuse_review_ended_the_access()
    {
        using var d = new Drill();
        var c = d.C;
        Assert.Equal(TxVerdict.Ok, c.Submit(d.Doctor, d.BreakGlass("bg-er", emergency: "")).Verdict);
        var access = BreakGlassState.Get(c.Net.State, "pt-zoe", "bg-er")!;
        var overlay = new HealthLedger.Core.State.StateOverlay(c.Net.State);
        ReleasedEpochs.MarkForBreakGlass(overlay, ConsentCategories.Demographics, 1, access);
        Assert.Null(ReleasedEpochs.StaleUnder(overlay, "pt-zoe", ConsentCategories.Demographics, 1, c.Time + 1));
        overlay.Set(BreakGlassState.Key("pt-zoe", "bg-er"), (access with { Review = BreakGlassReview.Misuse, ExpiresAt = c.Time + 1 }).Encode());
        Assert.Equal("the doctor of break-glass access 'bg-er'", ReleasedEpochs.StaleUnder(overlay, "pt-zoe", ConsentCategories.Demographics, 1, c.Time + 1));
    }
}
