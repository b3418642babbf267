using CsCheck;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Transactions;

public class TransactionTests
{
    private static readonly Gen<string> Ids = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789._-"], 2, 60].Select(s => "u" + s);

    [Fact]
    public void Register_user_transactions_round_trip_with_a_stable_id()
    {
        using var admin = TestNetwork.Keys(2);
        Gen.Select(Ids, Gen.Enum<Role>(), Gen.ULong[1, ulong.MaxValue]).Sample((id, role, nonce) =>
        {
            var tx = TestNetwork.Register(admin.Signing, nonce, id, role);
            var result = Transaction.TryDecode(tx.Encoded.Span, ChainPolicy.Default.MaxTxBytes, out var back);
            Assert.True(result.IsOk, result.ToString());
            Assert.Equal(tx.Id, back!.Id);
            Assert.Equal(tx.Payload, back.Payload);
            Assert.Equal(nonce, back.Nonce);
            Assert.True(back.VerifySignature(TestNetwork.NetworkId));
            Assert.Equal(tx.Encoded.ToArray(), Transaction.Create(TestNetwork.NetworkId, admin.Signing, nonce, back.Payload).Encoded.ToArray());
        });
    }

    [Fact]
    public void Genesis_round_trips()
    {
        using var net = new TestNetwork();
        var genesis = net.Blocks[0].Block.Transactions[0];
        Assert.True(Transaction.TryDecode(genesis.Encoded.Span, ChainPolicy.MaxTxBytesCeiling, out var back).IsOk);
        var decoded = Assert.IsType<GenesisPayload>(back!.Payload);
        var expected = net.GenesisPayload();
        Assert.Equal((expected.NetworkId, expected.Policy, expected.NetworkPolicy), (decoded.NetworkId, decoded.Policy, decoded.NetworkPolicy));
        Assert.Equal(expected.Founders.Select(f => f.Encode()), decoded.Founders.Select(f => f.Encode()));
        Assert.Equal(expected.Nodes, decoded.Nodes);
    }

    [Fact]
    public void A_signature_is_valid_on_its_own_network_only()
    {
        using var net = new TestNetwork();
        var tx = net.Register("alice");
        Assert.True(tx.VerifySignature(TestNetwork.NetworkId));
        Assert.False(tx.VerifySignature("other-net"));
    }

    [Fact]
    public void Flipping_any_byte_breaks_the_decoding_or_the_signature()
    {
        using var net = new TestNetwork();
        var tx = net.Register("alice");
        var bytes = tx.Encoded.ToArray();
        for (var i = 0; i < bytes.Length; i++)
        {
            var copy = bytes.ToArray();
            copy[i] ^= 0x01;
            var ok = Transaction.TryDecode(copy, ChainPolicy.Default.MaxTxBytes, out var back).IsOk && back!.VerifySignature(TestNetwork.NetworkId);
            Assert.False(ok, $"flipping byte {i} went unnoticed");
        }
    }

    public static TheoryData<string, TxVerdict, string> StatelessRejections() => new()
    {
        { "empty", TxVerdict.Malformed, "empty" },
        { "version", TxVerdict.UnsupportedVersion, "version 9" },
        { "kind", TxVerdict.UnknownKind, "kind 200" },
        { "truncated", TxVerdict.Malformed, "runs past the end" },
        { "trailing", TxVerdict.Malformed, "trailing" },
        { "too-large", TxVerdict.TooLarge, "the limit is 1024" },
        { "nonce-zero", TxVerdict.BadNonce, "at least 1" },
        { "bad-user-id", TxVerdict.InvalidField, "userId" },
        { "bad-role", TxVerdict.InvalidField, "role" },
        { "payload-garbage", TxVerdict.Malformed, "RegisterUser payload" },
    };

    [Theory]
    [MemberData(nameof(StatelessRejections))]
    public void Malformed_transactions_are_refused_with_a_reason(string variant, TxVerdict verdict, string reason)
    {
        using var admin = TestNetwork.Keys(2);
        var good = TestNetwork.Register(admin.Signing, 1, "alice").Encoded.ToArray();
        var bytes = variant switch
        {
            "empty" => [],
            "version" => [9, .. good[1..]],
            "kind" => [good[0], 200, .. good[2..]],
            "truncated" => good[..^1],
            "trailing" => [.. good, 0],
            "too-large" => [.. good, .. new byte[1024]],
            "nonce-zero" => Raw(admin, 0, new RegisterUserPayload("alice", Role.Patient, "org", default, default)),
            "bad-user-id" => Raw(admin, 1, new RegisterUserPayload("Alice Smith", Role.Patient, "org", default, default)),
            "bad-role" => Raw(admin, 1, new RegisterUserPayload("alice", (Role)77, "org", default, default)),
            "payload-garbage" => RawPayload(admin, 1, [1, 2, 3]),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        var result = Transaction.TryDecode(bytes, variant == "too-large" ? 1024 : ChainPolicy.Default.MaxTxBytes, out var tx);
        Assert.Equal(verdict, result.Verdict);
        Assert.Contains(reason, result.Reason);
        Assert.Null(tx);
    }

    [Fact]
    public void A_forged_signature_is_detected()
    {
        using var admin = TestNetwork.Keys(2);
        using var mallory = TestNetwork.Keys(66);
        var tx = TestNetwork.Register(mallory.Signing, 1, "alice");
        var forged = tx.Encoded.ToArray();
        admin.Signing.PublicKey.CopyTo(forged.AsSpan(2)); // claim the admin signed it
        Assert.True(Transaction.TryDecode(forged, ChainPolicy.Default.MaxTxBytes, out var decoded).IsOk);
        Assert.False(decoded!.VerifySignature(TestNetwork.NetworkId));
    }

    private static byte[] Raw(HealthLedger.Core.Crypto.UserKeys signer, ulong nonce, TxPayload payload)
    {
        var body = new CanonicalWriter();
        payload.Write(body);
        return RawPayload(signer, nonce, body.ToArray());
    }

    private static byte[] RawPayload(HealthLedger.Core.Crypto.UserKeys signer, ulong nonce, byte[] payload) =>
        new CanonicalWriter().U8(1).U8((byte)TxKind.RegisterUser).Key(signer.Signing.PublicKey).VarUInt(nonce).Bytes(payload)
            .Signature(new Signature64(new byte[64])).ToArray();
}
