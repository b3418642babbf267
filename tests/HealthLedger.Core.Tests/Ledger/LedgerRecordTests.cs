using CsCheck;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Ledger;

public class LedgerRecordTests
{
    private static readonly Gen<Hash256> Hashes = Gen.Byte.Array[32].Select(b => new Hash256(b));

    [Fact]
    public void Receipts_round_trip()
    {
        Gen.Select(Hashes, Gen.Enum<TxVerdict>(), Gen.String[0, 200]).Sample((id, verdict, reason) =>
        {
            reason = System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(reason));
            var receipt = new Receipt(id, verdict, reason);
            Assert.True(Receipt.TryDecode(receipt.Encode(), out var back, out var error), error);
            Assert.Equal(receipt, back);
        });
    }

    [Fact]
    public void Block_headers_round_trip_and_verify_on_their_network_only()
    {
        using var node = SigningKeyPair.FromSeed(new byte[32]);
        Gen.Select(Gen.ULong, Hashes, Gen.ULong, Gen.Int[0, 100_000], Hashes, Hashes, Hashes).Sample((h, prev, ts, count, txRoot, stateRoot, receipts) =>
        {
            var header = BlockHeader.Create("net", h, prev, ts, count, txRoot, stateRoot, receipts, node);
            Assert.True(BlockHeader.TryDecode(header.Encode(), out var back, out var error), error);
            Assert.Equal(header.Encode(), back!.Encode());
            Assert.Equal(header.Hash, back.Hash);
            Assert.True(back.VerifySignature("net"));
            Assert.False(back.VerifySignature("other"));
        });
    }

    [Fact]
    public void State_records_round_trip()
    {
        using var keys = TestNetwork.Keys(5);
        Gen.Select(Gen.Enum<Role>(), Gen.ULong).Sample((role, at) =>
        {
            var user = new UserRecord("someone", role, "org-1", keys.Signing.PublicKey, keys.Encryption.PublicKey, at);
            Assert.Equal(user, UserRecord.TryDecode(user.Encode()));
        });
        Gen.Select(Gen.Enum<OrganisationType>(), Gen.Enum<OrganisationStatus>(), Gen.String[0, 60]).Sample((type, status, contact) =>
        {
            var org = new OrganisationRecord("org-1", "St. Mary's Hospital", keys.Signing.PublicKey, keys.Encryption.PublicKey, type, contact, status);
            Assert.Equal(org, OrganisationRecord.TryDecode(org.Encode()));
        });
        var lab = new OrganisationRecord("org-2", "City Lab", keys.Signing.PublicKey, keys.Encryption.PublicKey, OrganisationType.Laboratory);
        var bytes = lab.Encode();
        Assert.Equal(OrganisationStatus.Active, OrganisationRecord.TryDecode(bytes)!.Status);
        bytes[^1] = 9; // no such status
        Assert.Null(OrganisationRecord.TryDecode(bytes));
        var node = new NodeRecord("node-1", "org-1", keys.Signing.PublicKey, "http://10.0.0.5:5180");
        Assert.Equal(node, NodeRecord.TryDecode(node.Encode()));
        var signer = new SignerRecord(SignerKind.Node, "node-1");
        Assert.Equal(signer, SignerRecord.TryDecode(signer.Encode()));
        var network = new NetworkConfig("net-1", new ChainPolicy(4096, 77));
        Assert.Equal(network, NetworkConfig.TryDecode(network.Encode()));
        Assert.Null(UserRecord.TryDecode([.. new UserRecord("someone", Role.Admin, "o", default, default, 1).Encode(), 0]));
    }
}
