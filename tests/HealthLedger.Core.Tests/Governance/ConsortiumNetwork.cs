using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Governance;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Governance;

/// <summary>One member organisation of a <see cref="ConsortiumNetwork"/>: its first admin and its one node.</summary>
public sealed record Member(string OrganisationId, string AdminId, UserKeys Admin, string NodeId, SigningPublicKey NodeKey);

/// <summary>
/// A <see cref="TestNetwork"/> (its founding hospital is member 1) that admitted further organisations through proposals,
/// one block per transaction, block time advancing one second per block. Keys come from fixed seeds.
/// </summary>
public sealed class ConsortiumNetwork : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public ConsortiumNetwork(int organisations)
    {
        Members.Add(new Member(TestNetwork.OrgId, "admin", Net.Admin, "test-node-1", Net.Node.PublicKey));
        for (var k = 2; k <= organisations; k++)
        {
            var proposal = $"join-org-{k}";
            Assert.Equal(TxVerdict.Ok, Submit(Members[0].Admin, new ProposePayload(proposal, NewOrganisation(k))).Verdict);
            for (var v = 1; Proposal(proposal).Status == ProposalStatus.Open; v++)
            {
                Assert.Equal(TxVerdict.Ok, Submit(Members[v].Admin, new VotePayload(proposal, true)).Verdict);
            }
            Assert.Equal(ProposalStatus.Executed, Proposal(proposal).Status);
            Members.Add(MemberOf(k));
        }
    }

    public TestNetwork Net { get; } = new();

    public List<Member> Members { get; } = [];

    /// <summary>Block time of the last block.</summary>
    public ulong Time => Net.Tip.Timestamp;

    /// <summary>Keys number <paramref name="n"/>, disposed with the network.</summary>
    public UserKeys Keys(int n) => Own(TestNetwork.Keys(n));

    /// <summary>The organisation record, first admin and node of candidate member <paramref name="k"/> (org-k).</summary>
    public AddOrganisationAction NewOrganisation(int k, OrganisationType type = OrganisationType.Laboratory)
    {
        var org = Keys(100 + k);
        var member = MemberOf(k);
        return new AddOrganisationAction(
            new OrganisationRecord(member.OrganisationId, $"Organisation {k}", org.Signing.PublicKey, org.Encryption.PublicKey, type, $"+1 555 010{k}"),
            member.AdminId, member.Admin.Signing.PublicKey, member.Admin.Encryption.PublicKey,
            [new NodeRecord(member.NodeId, member.OrganisationId, member.NodeKey, $"http://10.0.0.{k}:5180")]);
    }

    private Member MemberOf(int k)
    {
        var admin = Keys(200 + k);
        using var node = SigningKeyPair.FromSeed(TestNetwork.Seed(300 + k, 32));
        return new Member($"org-{k}", $"admin-{k}", admin, $"org-{k}-node-1", node.PublicKey);
    }

    /// <summary>
    /// Signs <paramref name="payload"/> with the signer's next nonce and, as a node does, decodes it (field checks) and
    /// executes it alone in the next block, <paramref name="after"/> ms after the last one.
    /// </summary>
    public Receipt Submit(UserKeys signer, TxPayload payload, ulong after = 1000) => Submit(signer.Signing, payload, after);

    public Receipt Submit(SigningKeyPair signer, TxPayload payload, ulong after = 1000)
    {
        var tx = Transaction.Create(TestNetwork.NetworkId, signer, SignerCheck.LastNonce(Net.State, signer.PublicKey) + 1, payload);
        var decoded = Transaction.TryDecode(tx.Encoded.Span, ChainPolicy.MaxTxBytesCeiling, out var back);
        return decoded.IsOk ? Net.Append(Time + after, [back!]).Execution.Receipts[0] : new Receipt(tx.Id, decoded.Verdict, decoded.Reason);
    }

    /// <summary>Member 1 proposes <paramref name="action"/> and members 2 to <paramref name="approvals"/> approve it; asserts it was executed.</summary>
    public void Decide(string id, ProposedAction action, int approvals)
    {
        Assert.Equal(TxVerdict.Ok, Submit(Members[0].Admin, new ProposePayload(id, action)).Verdict);
        for (var v = 1; v < approvals; v++) Assert.Equal(TxVerdict.Ok, Submit(Members[v].Admin, new VotePayload(id, true)).Verdict);
        Assert.Equal(ProposalStatus.Executed, Proposal(id).Status);
    }

    public ProposalState Proposal(string id) => Consortium.GetProposal(Net.State, id) ?? throw new InvalidOperationException($"no proposal '{id}'");

    public OrganisationRecord Organisation(string id) => Consortium.GetOrganisation(Net.State, id) ?? throw new InvalidOperationException($"no organisation '{id}'");

    public IReadOnlyList<string> Validators => ValidatorSet.Ids(Net.State);

    /// <summary>Disposes <paramref name="disposable"/> with the network.</summary>
    public T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        Net.Dispose();
    }
}
