using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Execution;

public class SealLoginTests
{
    private const ulong T = 1_700_000_001_000;

    private static readonly byte[] Wrapped = [1, 2, 3, 4];

    [Fact]
    public void A_node_of_the_users_organisation_publishes_version_after_version_and_nothing_else_changes_it()
    {
        using var net = new TestNetwork();
        net.Append(T, [net.Register("alice", Role.Doctor)]);
        ulong nodeNonce = 0;
        TxVerdict Run(ulong at, Transaction tx) => net.Append(at, [tx]).Execution.Receipts[0].Verdict;
        Transaction ByNode(SealLoginPayload p) => Transaction.Create(TestNetwork.NetworkId, net.Node, ++nodeNonce, p);

        Assert.Equal(TxVerdict.Ok, Run(T + 1, ByNode(new SealLoginPayload("alice", 1, Wrapped))));
        var first = SealLoginPayload.DecodeState(net.State.TryGet(StateKeys.Login("alice"), out var v1) ? v1 : [])!.Value;
        Assert.Equal(1UL, first.Version);
        Assert.Equal(Wrapped, first.Sealed);

        // Stale, skipped or unknown: refused with the reason, the state keeps version 1.
        // (A rejected transaction uses up its nonce: each is signed with the next one.)
        Assert.Equal(TxVerdict.Conflict, Run(T + 2, ByNode(new SealLoginPayload("alice", 1, Wrapped))));
        Assert.Equal(TxVerdict.Conflict, Run(T + 3, ByNode(new SealLoginPayload("alice", 3, Wrapped))));
        Assert.Equal(TxVerdict.NotFound, Run(T + 4, ByNode(new SealLoginPayload("nobody", 1, Wrapped))));
        // A user (even an admin of the organisation) does not publish logins: only its nodes do.
        var byAdmin = Transaction.Create(TestNetwork.NetworkId, net.Admin.Signing, 2, new SealLoginPayload("alice", 2, Wrapped));
        Assert.Equal(TxVerdict.Unauthorized, Run(T + 5, byAdmin));
        Assert.Equal(1UL, SealLoginPayload.DecodeState(net.State.TryGet(StateKeys.Login("alice"), out var still) ? still : [])!.Value.Version);

        Assert.Equal(TxVerdict.Ok, Run(T + 6, ByNode(new SealLoginPayload("alice", 2, new byte[] { 9, 9 }))));
        Assert.Equal(2UL, SealLoginPayload.DecodeState(net.State.TryGet(StateKeys.Login("alice"), out var v2) ? v2 : [])!.Value.Version);
    }

    [Fact]
    public void An_empty_login_or_version_0_is_an_invalid_field()
    {
        Assert.True(TxKinds.TryGet(TxKind.SealLogin, out var handler));
        var empty = new CanonicalPayload(new SealLoginPayload("alice", 1, Array.Empty<byte>()));
        Assert.Equal(TxVerdict.InvalidField, handler.Decode(empty.Bytes).Result.Verdict);
        Assert.Equal(TxVerdict.InvalidField, handler.Decode(new CanonicalPayload(new SealLoginPayload("alice", 0, Wrapped)).Bytes).Result.Verdict);
    }

    private sealed record CanonicalPayload(TxPayload Payload)
    {
        public byte[] Bytes
        {
            get
            {
                var w = new Core.Encoding.CanonicalWriter(64);
                Payload.Write(w);
                return w.ToArray();
            }
        }
    }
}
