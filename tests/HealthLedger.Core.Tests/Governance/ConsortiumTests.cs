using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Records;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Core.Verification;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Governance;

/// <summary>
/// Consortium governance on the chain: organisations join, are suspended, reinstated and removed, nodes and the policy
/// change, each by the approval of a strict majority of the active organisations (each voting once), unless the policy lets
/// one organisation act alone on its own node.
/// </summary>
public class ConsortiumTests
{
    [Fact]
    public void Genesis_founds_one_active_hospital_and_the_default_policy()
    {
        using var net = new TestNetwork();
        Assert.Equal([TestNetwork.OrgId], Consortium.OrganisationIds(net.State));
        var org = Consortium.GetOrganisation(net.State, TestNetwork.OrgId)!;
        Assert.Equal((OrganisationType.Hospital, OrganisationStatus.Active), (org.Type, org.Status));
        Assert.Equal(["test-node-1"], Consortium.NodesOf(net.State, TestNetwork.OrgId));
        Assert.True(net.State.TryGet(StateKeys.Governance, out var policy));
        Assert.Equal(GovernancePolicy.Default.Encode(), policy);
    }

    [Fact]
    public void Four_organisations_join_one_by_one_and_each_node_votes()
    {
        using var c = new ConsortiumNetwork(4);
        Assert.Equal(["org-2", "org-3", "org-4", TestNetwork.OrgId], Consortium.OrganisationIds(c.Net.State));
        Assert.Equal(["org-2-node-1", "org-3-node-1", "org-4-node-1", "test-node-1"], c.Validators);
        Assert.Equal(OrganisationType.Laboratory, c.Organisation("org-2").Type);
        // the second joined with the founder alone (1 active: 1 needed), the third and fourth with two approvals (2 or 3 active: 2 needed)
        Assert.Single(c.Proposal("join-org-2").Votes);
        Assert.Equal(2, c.Proposal("join-org-3").Votes.Count);
        Assert.Equal(2, c.Proposal("join-org-4").Votes.Count);
        var newAdmin = UserRecord.TryDecode(c.Net.State.TryGet(StateKeys.User("admin-4"), out var u) ? u : [])!;
        Assert.Equal((Role.Admin, "org-4"), (newAdmin.Role, newAdmin.OrganisationId));
    }

    [Fact]
    public void Adding_a_fifth_organisation_needs_three_approvals_of_four()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new ProposePayload("add-clinic", c.NewOrganisation(5, OrganisationType.Clinic))).Verdict);
        Assert.Equal(ProposalStatus.Open, c.Proposal("add-clinic").Status);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new VotePayload("add-clinic", true)).Verdict);
        Assert.Equal(ProposalStatus.Open, c.Proposal("add-clinic").Status); // 2 of 4 are not a majority
        Assert.DoesNotContain("org-5-node-1", c.Validators);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[2].Admin, new VotePayload("add-clinic", true)).Verdict);
        var proposal = c.Proposal("add-clinic");
        Assert.Equal((ProposalStatus.Executed, c.Time), (proposal.Status, proposal.ClosedAt));
        Assert.Contains("org-5-node-1", c.Validators); // the set that decides the next block
        Assert.Equal(OrganisationType.Clinic, c.Organisation("org-5").Type);
        // the newcomer's admin acts at once: registers a doctor
        using var admin5 = TestNetwork.Keys(205);
        Assert.Equal(TxVerdict.Ok, c.Submit(admin5, new RegisterUserPayload("dr-five", Role.Doctor, "org-5", c.Keys(60).Signing.PublicKey, c.Keys(60).Encryption.PublicKey)).Verdict);
        // a vote after execution is refused
        var late = c.Submit(m[3].Admin, new VotePayload("add-clinic", true));
        Assert.Equal(TxVerdict.Conflict, late.Verdict);
        Assert.Contains("closed (executed)", late.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_proposal_and_its_deciding_votes_may_share_one_block()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        Transaction Signed(UserKeys signer, TxPayload payload) =>
            Transaction.Create(TestNetwork.NetworkId, signer.Signing, SignerCheck.LastNonce(c.Net.State, signer.Signing.PublicKey) + 1, payload);
        var block = c.Net.Append(c.Time + 1000, [
            Signed(m[0].Admin, new ProposePayload("add-5", c.NewOrganisation(5))),
            Signed(m[1].Admin, new VotePayload("add-5", true)),
            Signed(m[2].Admin, new VotePayload("add-5", true)),
            Signed(m[3].Admin, new VotePayload("add-5", true)), // after execution in the same block: refused
        ]);
        Assert.Equal([TxVerdict.Ok, TxVerdict.Ok, TxVerdict.Ok, TxVerdict.Conflict], block.Execution.Receipts.Select(r => r.Verdict));
        Assert.Equal(ProposalStatus.Executed, c.Proposal("add-5").Status);
        Assert.Contains("org-5-node-1", c.Validators);
    }

    [Fact]
    public void Each_organisation_votes_once_even_through_another_admin()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        var secondAdmin = c.Keys(70);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new RegisterUserPayload("admin-2b", Role.Admin, "org-2", secondAdmin.Signing.PublicKey, secondAdmin.Encryption.PublicKey)).Verdict);
        c.Submit(m[0].Admin, new ProposePayload("add-5", c.NewOrganisation(5)));
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new VotePayload("add-5", true)).Verdict);
        var before = c.Net.State.RootWithoutNonces();
        foreach (var (signer, approve) in new[] { (m[1].Admin, true), (secondAdmin, true), (secondAdmin, false), (m[0].Admin, true) })
        {
            var again = c.Submit(signer, new VotePayload("add-5", approve));
            Assert.Equal(TxVerdict.AlreadyExists, again.Verdict);
            Assert.Contains("has already voted", again.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
        Assert.Equal(ProposalStatus.Open, c.Proposal("add-5").Status);
    }

    [Fact]
    public void Non_admins_and_non_members_can_neither_propose_nor_vote()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        var doctor = c.Keys(71);
        c.Submit(m[1].Admin, new RegisterUserPayload("dr-two", Role.Doctor, "org-2", doctor.Signing.PublicKey, doctor.Encryption.PublicKey));
        c.Submit(m[0].Admin, new ProposePayload("add-5", c.NewOrganisation(5)));
        var before = c.Net.State.RootWithoutNonces();
        var stranger = c.Keys(72);
        var organisationKey = c.Keys(102); // org-2's own key signs as the organisation, not as an admin
        var cases = new (UserKeys Signer, TxPayload Payload, TxVerdict Verdict, string Reason)[]
        {
            (doctor, new VotePayload("add-5", true), TxVerdict.Unauthorized, "only an admin of an active member organisation may vote"),
            (doctor, new ProposePayload("p-doc", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-3")), TxVerdict.Unauthorized, "may propose"),
            (organisationKey, new VotePayload("add-5", true), TxVerdict.Unauthorized, "only an admin"),
            (stranger, new VotePayload("add-5", true), TxVerdict.UnknownSigner, "not registered"),
            (stranger, new ProposePayload("p-x", new RemoveNodeAction("org-2-node-1")), TxVerdict.UnknownSigner, "not registered"),
            (m[1].Admin, new VotePayload("no-such", true), TxVerdict.NotFound, "does not exist"),
            (m[1].Admin, new WithdrawPayload("add-5"), TxVerdict.Unauthorized, "only an admin of the proposing organisation"),
        };
        foreach (var (signer, payload, verdict, reason) in cases)
        {
            var receipt = c.Submit(signer, payload);
            Assert.Equal(verdict, receipt.Verdict);
            Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new WithdrawPayload("add-5")).Verdict);
        Assert.Equal(ProposalStatus.Withdrawn, c.Proposal("add-5").Status);
        Assert.Equal(TxVerdict.Conflict, c.Submit(m[1].Admin, new VotePayload("add-5", true)).Verdict);
    }

    [Fact]
    public void A_proposal_expires_after_the_policy_lifetime_in_block_time()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        c.Submit(m[0].Admin, new ProposePayload("add-5", c.NewOrganisation(5)));
        var expires = c.Proposal("add-5").ExpiresAt;
        Assert.Equal(c.Time + GovernancePolicy.DefaultProposalLifetimeMs, expires);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new VotePayload("add-5", true), after: GovernancePolicy.DefaultProposalLifetimeMs - 2000).Verdict);
        var before = c.Net.State.RootWithoutNonces();
        var late = c.Submit(m[2].Admin, new VotePayload("add-5", true), after: 2000); // exactly at ExpiresAt
        Assert.Equal(TxVerdict.Conflict, late.Verdict);
        Assert.Contains("expired", late.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
        Assert.DoesNotContain("org-5-node-1", c.Validators);
        Assert.Equal(TxVerdict.Conflict, c.Submit(m[0].Admin, new WithdrawPayload("add-5")).Verdict);
        Assert.Equal(TxVerdict.AlreadyExists, c.Submit(m[0].Admin, new ProposePayload("add-5", c.NewOrganisation(5))).Verdict); // ids are never reused
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new ProposePayload("add-5-again", c.NewOrganisation(5))).Verdict);
    }

    public static TheoryData<string, TxVerdict, string> TakenIdentities() => new()
    {
        { "organisation-id", TxVerdict.AlreadyExists, "organisation id 'org-2' is taken" },
        { "organisation-key", TxVerdict.AlreadyExists, "the organisation's signing key already belongs" },
        { "admin-id", TxVerdict.AlreadyExists, "user id 'admin-2' is taken" },
        { "admin-key", TxVerdict.AlreadyExists, "signing key is already registered" },
        { "node-id", TxVerdict.AlreadyExists, "node 'test-node-1' already exists" },
        { "node-key", TxVerdict.AlreadyExists, "already belongs to a signer" },
        { "keys-repeated", TxVerdict.InvalidField, "must all differ" },
        { "node-of-another", TxVerdict.InvalidField, "must be the new organisation" },
        { "organisation-encryption-key", TxVerdict.AlreadyExists, "the organisation's encryption key already belongs to organisation 'org-2'" },
        { "admin-encryption-key", TxVerdict.AlreadyExists, "the admin's encryption key already belongs to organisation 'org-3'" },
        { "admin-encryption-key-is-the-organisations", TxVerdict.InvalidField, "must differ from the organisation's" },
        { "node-address", TxVerdict.AlreadyExists, "is already the address of node 'org-2-node-1'" },
    };

    [Theory]
    [MemberData(nameof(TakenIdentities))]
    public void Admitting_an_organisation_whose_ids_or_keys_are_in_use_is_refused_and_writes_nothing(string variant, TxVerdict verdict, string reason)
    {
        using var c = new ConsortiumNetwork(4);
        var fresh = c.NewOrganisation(5);
        var node = fresh.Nodes[0];
        var action = variant switch
        {
            "organisation-id" => fresh with { Organisation = fresh.Organisation with { Id = "org-2" }, Nodes = [node with { OrganisationId = "org-2" }] },
            "organisation-key" => fresh with { Organisation = fresh.Organisation with { SigningKey = c.Members[2].Admin.Signing.PublicKey } },
            "admin-id" => fresh with { AdminId = "admin-2" },
            "admin-key" => fresh with { AdminSigningKey = c.Members[1].Admin.Signing.PublicKey },
            "node-id" => fresh with { Nodes = [node with { Id = "test-node-1" }] },
            "node-key" => fresh with { Nodes = [node with { SigningKey = c.Members[3].NodeKey }] },
            "keys-repeated" => fresh with { AdminSigningKey = fresh.Organisation.SigningKey },
            "node-of-another" => fresh with { Nodes = [node with { OrganisationId = "org-3" }] },
            // Encryption keys are checked too: what is wrapped for the newcomer must not open with a member's key.
            "organisation-encryption-key" => fresh with { Organisation = fresh.Organisation with { EncryptionKey = Consortium.GetOrganisation(c.Net.State, "org-2")!.EncryptionKey } },
            "admin-encryption-key" => fresh with { AdminEncryptionKey = Consortium.GetOrganisation(c.Net.State, "org-3")!.EncryptionKey },
            "admin-encryption-key-is-the-organisations" => fresh with { AdminEncryptionKey = fresh.Organisation.EncryptionKey },
            // A member's peer address answers the reachability probe for a newcomer naming it: refused as taken.
            "node-address" => fresh with { Nodes = [node with { Address = AddressOf(c, c.Members[1].NodeId).ToUpperInvariant() + "/" }] },
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var before = c.Net.State.RootWithoutNonces();
        var receipt = c.Submit(c.Members[0].Admin, new ProposePayload("add-5", action));
        Assert.Equal(verdict, receipt.Verdict);
        Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
    }

    [Fact]
    public void An_approved_proposal_whose_keys_were_taken_since_is_refused_at_the_deciding_vote()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        c.Submit(m[0].Admin, new ProposePayload("add-5", c.NewOrganisation(5)));
        c.Submit(m[1].Admin, new VotePayload("add-5", true));
        var taken = c.NewOrganisation(5).AdminSigningKey; // org-3 registers a user with the newcomer's admin key meanwhile
        c.Submit(m[2].Admin, new RegisterUserPayload("someone", Role.Patient, "org-3", taken, c.Keys(73).Encryption.PublicKey));
        var before = c.Net.State.RootWithoutNonces();
        var vote = c.Submit(m[3].Admin, new VotePayload("add-5", true));
        Assert.Equal(TxVerdict.AlreadyExists, vote.Verdict);
        Assert.Contains("approved but cannot be applied", vote.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
        Assert.Equal(ProposalStatus.Open, c.Proposal("add-5").Status);
    }

    [Fact]
    public void Enough_rejections_close_a_proposal_as_rejected()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        c.Submit(m[0].Admin, new ProposePayload("suspend-3", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-3")));
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new VotePayload("suspend-3", false)).Verdict);
        Assert.Equal(ProposalStatus.Open, c.Proposal("suspend-3").Status); // 1 yes, 1 no, 2 to vote: 3 still possible
        Assert.Equal(TxVerdict.Ok, c.Submit(m[2].Admin, new VotePayload("suspend-3", false)).Verdict);
        Assert.Equal(ProposalStatus.Rejected, c.Proposal("suspend-3").Status); // at most 2 of the 3 needed
        Assert.Equal(OrganisationStatus.Active, c.Organisation("org-3").Status);
        Assert.Contains("closed (rejected)", c.Submit(m[3].Admin, new VotePayload("suspend-3", true)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_suspended_organisation_stops_voting_signing_and_counting_until_reinstated()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        c.Decide("suspend-4", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-4"), approvals: 3);
        Assert.Equal(OrganisationStatus.Suspended, c.Organisation("org-4").Status);
        Assert.DoesNotContain("org-4-node-1", c.Validators); // its node no longer votes from the next block
        Assert.Equal(["org-4-node-1"], Consortium.NodesOf(c.Net.State, "org-4")); // kept for reinstatement

        // its admin can no longer vote, propose or sign anything
        c.Submit(m[0].Admin, new ProposePayload("add-5", c.NewOrganisation(5)));
        var vote = c.Submit(m[3].Admin, new VotePayload("add-5", true));
        Assert.Equal(TxVerdict.Unauthorized, vote.Verdict);
        Assert.Contains("organisation 'org-4' is suspended", vote.Reason, StringComparison.Ordinal);
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(m[3].Admin, new RegisterUserPayload("x-user", Role.Patient, "org-4", c.Keys(74).Signing.PublicKey, c.Keys(74).Encryption.PublicKey)).Verdict);
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(c.Keys(104), new VotePayload("add-5", true)).Verdict); // the organisation key too

        // with 3 active organisations, 2 approvals decide
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new VotePayload("add-5", true)).Verdict);
        Assert.Equal(ProposalStatus.Executed, c.Proposal("add-5").Status);

        // a node of a suspended organisation cannot be added
        using var extra = SigningKeyPair.FromSeed(TestNetwork.Seed(80, 32));
        var addNode = c.Submit(m[0].Admin, new ProposePayload("node-4b", new NodeAction(GovernanceAction.AddNode, new NodeRecord("org-4-node-2", "org-4", extra.PublicKey, ""))));
        Assert.Equal(TxVerdict.Conflict, addNode.Verdict);
        Assert.Contains("not an active member", addNode.Reason, StringComparison.Ordinal);

        // reinstated (4 active of 5 → 3 approvals): its node votes again
        c.Decide("reinstate-4", new OrganisationStatusAction(GovernanceAction.ReinstateOrganisation, "org-4"), approvals: 3);
        Assert.Equal(OrganisationStatus.Active, c.Organisation("org-4").Status);
        Assert.Contains("org-4-node-1", c.Validators);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[3].Admin, new RegisterUserPayload("x-user", Role.Patient, "org-4", c.Keys(74).Signing.PublicKey, c.Keys(74).Encryption.PublicKey)).Verdict);
    }

    [Fact]
    public void The_validator_set_follows_the_decision_from_the_next_block()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        using var node4 = SigningKeyPair.FromSeed(TestNetwork.Seed(304, 32));
        Assert.True(ProposedBy(c, node4).IsOk); // admitted by the vote in the last block: proposes the next one

        c.Submit(m[0].Admin, new ProposePayload("suspend-4", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-4")));
        c.Submit(m[1].Admin, new VotePayload("suspend-4", true));
        Assert.True(ProposedBy(c, node4).IsOk); // 2 of 4: still a validator
        c.Submit(m[2].Admin, new VotePayload("suspend-4", true));
        var refused = ProposedBy(c, node4);
        Assert.Equal(BlockRefusal.UnknownProposer, refused.Refusal);
        Assert.Equal(3, ValidatorSet.Quorum(c.Validators.Count)); // three validators left, all needed
    }

    // A block after the tip proposed by proposer, validated as a node does: against the validator set in the state after the tip.
    private static BlockVerdict ProposedBy(ConsortiumNetwork c, SigningKeyPair proposer)
    {
        var built = BlockBuilder.Build(c.Net.State, TestNetwork.NetworkId, c.Net.Tip, c.Time + 1000, [], proposer);
        var context = new BlockContext
        {
            NetworkId = TestNetwork.NetworkId,
            Previous = c.Net.Tip,
            Validators = ValidatorSet.Read(c.Net.State).Select(n => n.SigningKey).ToList(),
        };
        return BlockValidator.Validate(built.Block, context, c.Net.State);
    }

    [Fact]
    public void A_patient_cannot_grant_access_to_a_suspended_organisation_or_its_doctors()
    {
        using var c = new ConsortiumNetwork(3);
        var m = c.Members;
        var patient = c.Keys(75);
        var doctor = c.Keys(76);
        var readers = new[] { c.Net.Organisation.Encryption.PublicKey, patient.Encryption.PublicKey };
        var record = new SealedRecordRef(Hashing.Sha256("pt-zoe"u8), 10,
            readers.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)7, 32).ToArray(), [])).ToList());
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new RegisterPatientPayload("pt-zoe", TestNetwork.OrgId, Hash256.Zero, patient.Signing.PublicKey, patient.Encryption.PublicKey, record)).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[2].Admin, new RegisterUserPayload("dr-three", Role.Doctor, "org-3", doctor.Signing.PublicKey, doctor.Encryption.PublicKey)).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(patient, new GrantAccessPayload("gr-1", "pt-zoe", GranteeKind.Organisation, "org-3", ConsentCategories.Reports, 0, [])).Verdict);

        c.Decide("suspend-3", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, "org-3"), approvals: 2);
        Assert.Equal(OrganisationStatus.Suspended, c.Organisation("org-3").Status);
        foreach (var (kind, grantee) in new[] { (GranteeKind.Organisation, "org-3"), (GranteeKind.Doctor, "dr-three") })
        {
            var refused = c.Submit(patient, new GrantAccessPayload("gr-2", "pt-zoe", kind, grantee, ConsentCategories.Reports, 0, []));
            Assert.Equal(TxVerdict.Conflict, refused.Verdict);
            Assert.Contains("organisation 'org-3' is suspended, not an active member", refused.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_removed_organisation_loses_its_nodes_for_good()
    {
        using var c = new ConsortiumNetwork(3);
        var m = c.Members;
        c.Decide("remove-3", new OrganisationStatusAction(GovernanceAction.RemoveOrganisation, "org-3"), approvals: 2);
        Assert.Equal(OrganisationStatus.Removed, c.Organisation("org-3").Status);
        Assert.Equal(["org-2-node-1", "test-node-1"], c.Validators);
        Assert.False(c.Net.State.TryGet(StateKeys.Node("org-3-node-1"), out _));
        Assert.False(BlockChecks.IsNode(c.Net.State, m[2].NodeKey));
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(m[2].Admin, new VotePayload("remove-3", true)).Verdict);
        // its id is never reused
        var again = c.Submit(m[0].Admin, new ProposePayload("readd-3", c.NewOrganisation(3) with { Nodes = [] }));
        Assert.Equal(TxVerdict.AlreadyExists, again.Verdict);
    }

    [Fact]
    public void The_last_voting_node_and_the_last_active_organisation_cannot_go()
    {
        using var c = new ConsortiumNetwork(1);
        var removeNode = c.Submit(c.Members[0].Admin, new ProposePayload("prop-1", new RemoveNodeAction("test-node-1")));
        Assert.Equal(TxVerdict.Conflict, removeNode.Verdict);
        Assert.Contains("last voting node", removeNode.Reason, StringComparison.Ordinal);
        var suspend = c.Submit(c.Members[0].Admin, new ProposePayload("prop-2", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, TestNetwork.OrgId)));
        Assert.Contains("last active organisation", suspend.Reason, StringComparison.Ordinal);

        // a member without nodes: suspending the only organisation with nodes would leave no validator
        c.Submit(c.Members[0].Admin, new ProposePayload("join-2", c.NewOrganisation(2) with { Nodes = [] }));
        var last = c.Submit(c.Members[0].Admin, new ProposePayload("prop-3", new OrganisationStatusAction(GovernanceAction.SuspendOrganisation, TestNetwork.OrgId)));
        Assert.Equal(TxVerdict.Conflict, last.Verdict);
        Assert.Contains("last voting node", last.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_policy_changes_only_by_proposal_and_then_governs_the_next_ones()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        var all = GovernancePolicy.Default.With(new GovernanceRule(GovernanceAction.AddOrganisation, 1, 1, Inclusive: true, SelfService: false));
        c.Submit(m[0].Admin, new ProposePayload("unanimous", new ChangePolicyAction(all)));
        c.Submit(m[1].Admin, new VotePayload("unanimous", true));
        Assert.Equal(GovernancePolicy.Default.Encode(), GovernancePolicy.Read(c.Net.State).Encode()); // 2 of 4: not yet
        c.Submit(m[2].Admin, new VotePayload("unanimous", true));
        Assert.Equal(all.Encode(), GovernancePolicy.Read(c.Net.State).Encode());

        c.Submit(m[0].Admin, new ProposePayload("add-5", c.NewOrganisation(5)));
        c.Submit(m[1].Admin, new VotePayload("add-5", true));
        c.Submit(m[2].Admin, new VotePayload("add-5", true));
        Assert.Equal(ProposalStatus.Open, c.Proposal("add-5").Status); // 3 of 4 no longer enough
        c.Submit(m[3].Admin, new VotePayload("add-5", true));
        Assert.Equal(ProposalStatus.Executed, c.Proposal("add-5").Status);
    }

    public static TheoryData<string, TxVerdict, string> ImpossiblePolicies() => new()
    {
        { "more-than-all", TxVerdict.InvalidField, "can never approve" },
        { "policy-alone", TxVerdict.InvalidField, "only node actions" },
        { "lifetime", TxVerdict.InvalidField, "proposal lifetime" },
        { "rule-missing", TxVerdict.Malformed, "one rule for each of the 12 actions, not 11" },
    };

    [Theory]
    [MemberData(nameof(ImpossiblePolicies))]
    public void A_policy_that_would_make_actions_impossible_is_refused(string variant, TxVerdict verdict, string reason)
    {
        using var c = new ConsortiumNetwork(2);
        var policy = variant switch
        {
            "more-than-all" => GovernancePolicy.Default.With(new GovernanceRule(GovernanceAction.RemoveNode, 1, 1, Inclusive: false, SelfService: false)),
            "policy-alone" => GovernancePolicy.Default.With(GovernanceRule.Majority(GovernanceAction.ChangePolicy, selfService: true)),
            "lifetime" => GovernancePolicy.Default with { ProposalLifetimeMs = 1000 },
            "rule-missing" => GovernancePolicy.Default with { Rules = GovernancePolicy.Default.Rules.Skip(1).ToList() },
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var receipt = c.Submit(c.Members[0].Admin, new ProposePayload("bad-policy", new ChangePolicyAction(policy)));
        Assert.Equal(verdict, receipt.Verdict); // a policy without a rule for every action does not even decode
        Assert.Contains(reason, receipt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_founding_organisation_alone_cannot_change_the_network_policy_of_a_consortium()
    {
        using var c = new ConsortiumNetwork(4);
        var before = c.Net.State.RootWithoutNonces();
        var change = c.Submit(c.Members[0].Admin, new ConfigurePolicyPayload(2, new NetworkPolicy(1, 14)));
        Assert.Equal(TxVerdict.Unauthorized, change.Verdict);
        Assert.Contains("needs the approval of 3 governing organisations", change.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
    }

    [Fact]
    public void The_network_policy_of_a_consortium_changes_by_proposal_three_of_four_and_governs_visits_from_the_next_block()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        using var doctor = TestNetwork.KeysFor("dr-care");
        using var patient = TestNetwork.KeysFor("pt-care");
        var org = c.Net.Organisation.Encryption.PublicKey;
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new RegisterDoctorPayload("dr-care", TestNetwork.OrgId, doctor.Signing.PublicKey, doctor.Encryption.PublicKey, Sealed(1, org))).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new RegisterPatientPayload("pt-care", TestNetwork.OrgId, Hash256.Zero, patient.Signing.PublicKey, patient.Encryption.PublicKey, Sealed(2, org, patient.Encryption.PublicKey))).Verdict);
        var before = PolicyState.Read(c.Net.State)!;

        // Proposed by a member that does not hold the policy record: the consortium decides, not the founder.
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new ProposePayload("care-14", new ChangeNetworkPolicyAction(new NetworkPolicy(1, 14)))).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[2].Admin, new VotePayload("care-14", true)).Verdict);
        Assert.Equal(ProposalStatus.Open, c.Proposal("care-14").Status);
        Assert.Equal(before, PolicyState.Read(c.Net.State)); // 2 of 4: not enough
        var deciding = c.Submit(m[3].Admin, new VotePayload("care-14", true));
        Assert.Equal(TxVerdict.Ok, deciding.Verdict);
        Assert.Equal(ProposalStatus.Executed, c.Proposal("care-14").Status);
        var after = PolicyState.Read(c.Net.State)!;
        Assert.Equal((2, TestNetwork.OrgId, new NetworkPolicy(1, 14)), (after.Version, after.OrganisationId, after.Policy));
        Assert.Equal(new RecordProof(deciding.TxId, c.Net.Tip.Height, c.Time), after.Proof);

        // The next block's visit gives its doctor 14 days, not the 30 of the genesis policy.
        Assert.Equal(TxVerdict.Ok, c.Submit(m[0].Admin, new AddEntryPayload("en-visit", "pt-care", EntryType.Visit, "dr-care", "", Sealed(3, org, patient.Encryption.PublicKey), Hash256.Zero)).Verdict);
        var visit = c.Time;
        Assert.True(Consent.Attends(c.Net.State, "dr-care", "pt-care", visit + 13 * NetworkPolicy.DayMs));
        Assert.False(Consent.Attends(c.Net.State, "dr-care", "pt-care", visit + 15 * NetworkPolicy.DayMs));

        // A founder's ConfigurePolicy alone stays refused, and an out-of-range policy cannot even be proposed.
        Assert.Equal(TxVerdict.Unauthorized, c.Submit(m[0].Admin, new ConfigurePolicyPayload(3, new NetworkPolicy(2, 2))).Verdict);
        var bad = c.Submit(m[0].Admin, new ProposePayload("care-0", new ChangeNetworkPolicyAction(new NetworkPolicy(1, 0))));
        Assert.Equal(TxVerdict.InvalidField, bad.Verdict);
        Assert.Contains("networkPolicy.careAfterVisitDays", bad.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_network_policy_proposals_made_from_one_version_cannot_both_apply_and_a_change_of_nothing_is_refused()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new ProposePayload("care-a", new ChangeNetworkPolicyAction(new NetworkPolicy(3, 14), BasedOnVersion: 1))).Verdict);
        Assert.Equal(TxVerdict.Ok, c.Submit(m[2].Admin, new ProposePayload("care-b", new ChangeNetworkPolicyAction(new NetworkPolicy(4, 14), BasedOnVersion: 1))).Verdict);
        c.Submit(m[2].Admin, new VotePayload("care-a", true));
        Assert.Equal(TxVerdict.Ok, c.Submit(m[3].Admin, new VotePayload("care-a", true)).Verdict);
        Assert.Equal((2, new NetworkPolicy(3, 14)), (PolicyState.Read(c.Net.State)!.Version, PolicyState.Read(c.Net.State)!.Policy));

        // B was made from version 1 too: its deciding vote is refused and the policy A set stays.
        c.Submit(m[1].Admin, new VotePayload("care-b", true));
        var before = c.Net.State.RootWithoutNonces();
        var stale = c.Submit(m[3].Admin, new VotePayload("care-b", true));
        Assert.Equal(TxVerdict.Conflict, stale.Verdict);
        Assert.Contains("version: the network policy changed since this proposal was made", stale.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());
        Assert.Equal(new NetworkPolicy(3, 14), PolicyState.Read(c.Net.State)!.Policy);

        // A proposal that changes nothing is refused at once, for either policy.
        var same = c.Submit(m[0].Admin, new ProposePayload("care-same", new ChangeNetworkPolicyAction(new NetworkPolicy(3, 14))));
        Assert.Equal(TxVerdict.InvalidField, same.Verdict);
        Assert.Contains("nothing would change", same.Reason, StringComparison.Ordinal);
        var governance = c.Submit(m[0].Admin, new ProposePayload("policy-same", new ChangePolicyAction(GovernancePolicy.Read(c.Net.State))));
        Assert.Equal(TxVerdict.InvalidField, governance.Verdict);
        Assert.Contains("nothing would change", governance.Reason, StringComparison.Ordinal);
    }

    private static string AddressOf(ConsortiumNetwork c, string nodeId) =>
        c.Net.State.TryGet(StateKeys.Node(nodeId), out var bytes) && NodeRecord.TryDecode(bytes) is { } node ? node.Address : throw new InvalidOperationException(nodeId);

    private static SealedRecordRef Sealed(int n, params EncryptionPublicKey[] to) =>
        new(Hashing.Sha256(BitConverter.GetBytes(n)), 10, to.Select(k => RecordCrypto.Wrap(new byte[32], k, Enumerable.Repeat((byte)n, 32).ToArray(), [])).ToList());

    [Fact]
    public void ConfigureNodes_alone_is_refused_in_a_consortium_except_rotating_ones_own_node()
    {
        using var c = new ConsortiumNetwork(4);
        var m = c.Members;
        using var newKey = SigningKeyPair.FromSeed(TestNetwork.Seed(81, 32));
        var before = c.Net.State.RootWithoutNonces();
        var add = c.Submit(m[1].Admin, new ConfigureNodesPayload(NodeChange.Add, new NodeRecord("org-2-node-2", "org-2", newKey.PublicKey, "")));
        Assert.Equal(TxVerdict.Unauthorized, add.Verdict);
        Assert.Contains("needs the approval of 3 governing organisations", add.Reason, StringComparison.Ordinal);
        Assert.Contains("Propose", add.Reason, StringComparison.Ordinal);
        var remove = c.Submit(m[1].Admin, new ConfigureNodesPayload(NodeChange.Remove, new NodeRecord("org-2-node-1", "org-2", m[1].NodeKey, "")));
        Assert.Equal(TxVerdict.Unauthorized, remove.Verdict);
        var others = c.Submit(m[1].Admin, new ConfigureNodesPayload(NodeChange.Replace, new NodeRecord("org-3-node-1", "org-3", newKey.PublicKey, "")));
        Assert.Equal(TxVerdict.Unauthorized, others.Verdict);
        Assert.Contains("only an admin of organisation 'org-3'", others.Reason, StringComparison.Ordinal);
        Assert.Equal(before, c.Net.State.RootWithoutNonces());

        // rotating its own node's key and address is the policy's single-organisation action
        var rotated = new NodeRecord("org-2-node-1", "org-2", newKey.PublicKey, "http://10.0.1.2:5180");
        Assert.Equal(TxVerdict.Ok, c.Submit(m[1].Admin, new ConfigureNodesPayload(NodeChange.Replace, rotated)).Verdict);
        Assert.Equal(rotated, ValidatorSet.Read(c.Net.State).Single(n => n.Id == "org-2-node-1"));
        Assert.False(BlockChecks.IsNode(c.Net.State, m[1].NodeKey));

        // proposed, the same add passes with three approvals
        c.Submit(m[1].Admin, new ProposePayload("node-2b", new NodeAction(GovernanceAction.AddNode, new NodeRecord("org-2-node-2", "org-2", c.Keys(82).Signing.PublicKey, ""))));
        c.Submit(m[0].Admin, new VotePayload("node-2b", true));
        c.Submit(m[2].Admin, new VotePayload("node-2b", true));
        Assert.Contains("org-2-node-2", c.Validators);
        Assert.Equal(["org-2-node-1", "org-2-node-2"], Consortium.NodesOf(c.Net.State, "org-2"));
    }

    [Fact]
    public void Replacing_ones_own_node_by_proposal_applies_at_once_under_the_default_policy()
    {
        using var c = new ConsortiumNetwork(3);
        var rotated = new NodeRecord("org-3-node-1", "org-3", c.Keys(83).Signing.PublicKey, "http://10.0.1.3:5180");
        Assert.Equal(TxVerdict.Ok, c.Submit(c.Members[2].Admin, new ProposePayload("rotate-3", new NodeAction(GovernanceAction.ReplaceNode, rotated))).Verdict);
        Assert.Equal(ProposalStatus.Executed, c.Proposal("rotate-3").Status);
        // someone else's node is not one's own: it waits for the majority
        var other = new NodeRecord("org-2-node-1", "org-2", c.Keys(84).Signing.PublicKey, "");
        c.Submit(c.Members[2].Admin, new ProposePayload("rotate-2", new NodeAction(GovernanceAction.ReplaceNode, other)));
        Assert.Equal(ProposalStatus.Open, c.Proposal("rotate-2").Status);
    }

    [Fact]
    public void An_unknown_governance_action_cannot_be_proposed()
    {
        using var c = new ConsortiumNetwork(1);
        foreach (var action in new byte[] { 0, 13, 200 })
        {
            var receipt = c.Submit(c.Members[0].Admin, new RawProposal([4, .. "em-1"u8, action]));
            Assert.Equal(TxVerdict.Malformed, receipt.Verdict);
            Assert.Contains($"governance action {action} is not known", receipt.Reason, StringComparison.Ordinal);
        }
    }

    // A Propose payload written byte by byte (for actions no ProposedAction type can express).
    private sealed record RawProposal(byte[] Body) : TxPayload
    {
        public override TxKind Kind => TxKind.Propose;

        public override void Write(HealthLedger.Core.Encoding.CanonicalWriter writer) => writer.Raw(Body);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 3)]
    [InlineData(6, 4)]
    [InlineData(100, 51)]
    public void The_default_threshold_is_a_strict_majority(int active, int needed) =>
        Assert.Equal(needed, GovernanceRule.Majority(GovernanceAction.AddOrganisation).Needed(active));

    [Theory]
    [InlineData(1, 1, true, 4, 4)]  // ALL
    [InlineData(0, 1, false, 4, 1)] // ANY
    [InlineData(2, 3, true, 4, 3)]
    [InlineData(2, 3, true, 3, 2)]
    [InlineData(2, 3, false, 3, 3)]
    public void Thresholds_follow_their_fraction(int numerator, int denominator, bool inclusive, int active, int needed) =>
        Assert.Equal(needed, new GovernanceRule(GovernanceAction.AddNode, numerator, denominator, inclusive, false).Needed(active));
}
