using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Execution;

/// <summary>
/// A client request carried out once on the whole network (<see cref="RequestMarker"/>): transactions of version 2 carry the
/// request and the run; the first run that commits is recorded, another run is refused (<see cref="TxVerdict.RepeatedRequest"/>).
/// </summary>
public class RequestMarkerTests
{
    private const ulong T = 1_700_000_001_000;

    private static Hash256 H(byte b) => new(Enumerable.Repeat(b, 32).ToArray());

    private static Transaction Register(TestNetwork net, string userId, RequestMarker? marker)
    {
        using var keys = TestNetwork.KeysFor(userId);
        net.UseAdminNonce(net.AdminNonce + 1);
        return Transaction.Create(TestNetwork.NetworkId, net.Admin.Signing, net.AdminNonce,
            new RegisterUserPayload(userId, Role.Patient, TestNetwork.OrgId, keys.Signing.PublicKey, keys.Encryption.PublicKey), marker);
    }

    [Fact]
    public void A_marked_transaction_is_version_2_and_decodes_with_its_marker_and_an_unmarked_one_stays_version_1()
    {
        using var net = new TestNetwork();
        var marker = new RequestMarker(H(1), H(2));
        var marked = Register(net, "alice", marker);
        var plain = Register(net, "alfie", null); // (an id as long as the first)
        Assert.Equal(Transaction.MarkedVersion, marked.Encoded.Span[0]);
        Assert.Equal(Transaction.CurrentVersion, plain.Encoded.Span[0]);
        Assert.Equal(plain.Encoded.Length + 64, marked.Encoded.Length);

        Assert.True(Transaction.TryDecode(marked.Encoded.Span, 1 << 20, out var decoded).IsOk);
        Assert.Equal(marker, decoded!.Request);
        Assert.Equal(marked.Id, decoded.Id);
        Assert.True(decoded.VerifySignature(TestNetwork.NetworkId));
        Assert.True(Transaction.TryDecode(plain.Encoded.Span, 1 << 20, out var old).IsOk);
        Assert.Null(old!.Request);

        // The marker is signed: another attempt put in its place breaks the signature.
        var changed = marked.Encoded.ToArray();
        changed[1 + 1 + 32 + 1 + 32 + 5] ^= 1; // version, kind, signer, a one-byte nonce, the request: a byte of the attempt
        Assert.True(Transaction.TryDecode(changed, 1 << 20, out var tampered).IsOk);
        Assert.NotEqual(marker, tampered!.Request);
        Assert.False(tampered.VerifySignature(TestNetwork.NetworkId));

        // Neither a version 3 nor a version 2 cut short inside its marker decodes.
        var v3 = marked.Encoded.ToArray();
        v3[0] = 3;
        Assert.Equal(TxVerdict.UnsupportedVersion, Transaction.TryDecode(v3, 1 << 20, out _).Verdict);
        Assert.Equal(TxVerdict.Malformed, Transaction.TryDecode(marked.Encoded.Span[..50], 1 << 20, out _).Verdict);
    }

    [Fact]
    public void Another_run_of_a_carried_out_request_is_refused_naming_its_transaction_and_uses_up_only_its_nonce()
    {
        using var net = new TestNetwork();
        var request = H(7);
        var first = Register(net, "alice", new RequestMarker(request, H(1)));
        var sameRun = Register(net, "bob", new RequestMarker(request, H(1)));
        var built = net.Append(T, [first, sameRun]);
        Assert.All(built.Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict)); // one run's transactions all go on
        Assert.True(net.State.TryGet(StateKeys.Request(net.Admin.Signing.PublicKey, request), out var recorded));
        Assert.Equal(new CarriedOutRequest(H(1), first.Id, 2), CarriedOutRequest.TryDecode(recorded)); // the run, its first transaction, and how many

        var withoutNonces = net.State.RootWithoutNonces();
        var retry = Register(net, "carol", new RequestMarker(request, H(2))); // a retry: another run
        var refused = net.Append(T + 1000, [retry]).Execution.Receipts[0];
        Assert.Equal(TxVerdict.RepeatedRequest, refused.Verdict);
        Assert.Equal($"request {request} was already carried out by transaction {first.Id}", refused.Reason);
        Assert.False(net.State.TryGet(StateKeys.User("carol"), out _));
        Assert.Equal(withoutNonces, net.State.RootWithoutNonces()); // nothing but its nonce
        Assert.Equal(retry.Nonce, SignerCheck.LastNonce(net.State, retry));

        // Another request, and a transaction without a marker, are not held up by it.
        var other = Register(net, "dave", new RequestMarker(H(8), H(2)));
        var unmarked = Register(net, "erin", null);
        Assert.All(net.Append(T + 2000, [other, unmarked]).Execution.Receipts, r => Assert.Equal(TxVerdict.Ok, r.Verdict));
    }

    [Fact]
    public void A_run_refused_at_commit_records_nothing_so_the_request_may_be_carried_out_by_a_later_run()
    {
        using var net = new TestNetwork();
        net.Append(T, [net.Register("alice")]);
        var request = H(9);
        var refused = Register(net, "alice", new RequestMarker(request, H(1))); // alice exists: refused
        Assert.Equal(TxVerdict.AlreadyExists, net.Append(T + 1000, [refused]).Execution.Receipts[0].Verdict);
        Assert.False(net.State.TryGet(StateKeys.Request(net.Admin.Signing.PublicKey, request), out _));
        var later = Register(net, "bob", new RequestMarker(request, H(2)));
        Assert.Equal(TxVerdict.Ok, net.Append(T + 2000, [later]).Execution.Receipts[0].Verdict);
        Assert.True(net.State.TryGet(StateKeys.Request(net.Admin.Signing.PublicKey, request), out _));
    }

    // Break-it (2026-12-07): the record was keyed by the request alone, so another signer who saw a request's hash (on the chain,
    // or in a forwarded transaction) could commit a transaction carrying it and have the victim's own request answered
    // "already carried out". It is kept per signer: only the signer's own transactions claim its requests.
    [Fact]
    public void Another_signers_transaction_carrying_the_same_request_does_not_claim_it()
    {
        using var net = new TestNetwork();
        using var other = TestNetwork.KeysFor("admin2");
        using var carol = TestNetwork.Keys(60);
        net.Append(T, [net.Register("admin2", Role.Admin)]);
        var request = H(10);
        var theirs = Transaction.Create(TestNetwork.NetworkId, other.Signing, 1,
            new RegisterUserPayload("carol", Role.Patient, TestNetwork.OrgId, carol.Signing.PublicKey, carol.Encryption.PublicKey),
            new RequestMarker(request, H(1)));
        Assert.Equal(TxVerdict.Ok, net.Append(T + 1000, [theirs]).Execution.Receipts[0].Verdict);
        var mine = Register(net, "dave", new RequestMarker(request, H(2)));
        Assert.Equal(TxVerdict.Ok, net.Append(T + 2000, [mine]).Execution.Receipts[0].Verdict);
        Assert.Equal(theirs.Id, CarriedOutRequest.TryDecode(net.State.TryGet(StateKeys.Request(other.Signing.PublicKey, request), out var t) ? t : [])!.Value.First);
        Assert.Equal(mine.Id, CarriedOutRequest.TryDecode(net.State.TryGet(StateKeys.Request(net.Admin.Signing.PublicKey, request), out var m) ? m : [])!.Value.First);
    }
}
