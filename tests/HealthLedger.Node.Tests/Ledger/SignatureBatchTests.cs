using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.State;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Ledger;

/// <summary>
/// Signatures checked in parallel batches at the door, and not again when a block of door-verified transactions is validated
/// on the same node: a forged signature is still refused by each path.
/// </summary>
public sealed class SignatureBatchTests : DoorTestsBase
{
    private static ulong Now => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    // Registrations signed by the admin with consecutive nonces from the next one the door accepts.
    private List<Transaction> Registrations(int count)
    {
        var first = Node.Nonces(Admin.Signing.PublicKey).Next;
        return Enumerable.Range(0, count).Select(i =>
        {
            using var keys = UserKeys.FromSecret(TestNetwork.Seed(1000 + i, UserKeys.SecretLength));
            return Transaction.Create(Node.Network.NetworkId, Admin.Signing, first + (ulong)i,
                new RegisterUserPayload($"batch-{i}", Role.Patient, Organisation, keys.Signing.PublicKey, keys.Encryption.PublicKey));
        }).ToList();
    }

    // The same transaction with one bit of its signature flipped: it still decodes, its signer never signed it.
    private static Transaction Forge(Transaction tx)
    {
        var bytes = tx.Encoded.ToArray();
        bytes[^7] ^= 0x04;
        Assert.True(Transaction.TryDecode(bytes, ChainPolicy.Default.MaxTxBytes, out var forged).IsOk);
        return forged!;
    }

    [Fact]
    public void A_batch_with_a_forged_signature_refuses_it_and_admits_the_rest_in_order()
    {
        var transactions = Registrations(24);
        transactions[9] = Forge(transactions[9]);

        var results = Node.SubmitBatch(transactions.Select(t => t.Encoded).ToList());

        Assert.Equal(24, results.Count);
        Assert.Equal(TxVerdict.BadSignature, results[9].Result.Verdict);
        Assert.Equal(transactions[9].Id, results[9].Id);
        Assert.All(results.Where((_, i) => i != 9), r => Assert.True(r.Result.IsOk, r.Result.ToString()));
        Assert.Equal(23, Node.Mempool.Count);
        Assert.False(Node.Mempool.Contains(transactions[9].Id));
        Assert.False(Node.VerifiedSignatures.Contains(transactions[9].Id));
        Assert.All(transactions.Where((_, i) => i != 9), t => Assert.True(Node.VerifiedSignatures.Contains(t.Id)));
    }

    [Fact]
    public void A_single_forged_submission_is_refused_as_before()
    {
        var forged = Forge(Registrations(1)[0]);

        var result = Node.Submit(forged.Encoded.Span);

        Assert.Equal(TxVerdict.BadSignature, result.Result.Verdict);
        Assert.Equal(0, Node.Mempool.Count);
    }

    [Fact]
    public void A_proposed_block_with_one_forged_signature_is_refused_although_the_others_were_verified_at_the_door()
    {
        var transactions = Registrations(20);
        var good = transactions.Take(19).ToList();
        Assert.All(Node.SubmitBatch(good.Select(t => t.Encoded).ToList()), r => Assert.True(r.Result.IsOk, r.Result.ToString()));
        var forged = Forge(transactions[19]);
        var state = WorldState.Load(Node.Store.ReadState());

        // A block of what the door verified validates (the signatures are not verified again) …
        var clean = BlockBuilder.Build(state, Node.Network.NetworkId, Node.Tip, Now, good, Node.NodeKey);
        Assert.NotNull(Node.Validate(new BlockValue(clean.Block, new Dictionary<Hash256, byte[]>()), Now, out var error));
        Assert.Null(error);

        // … and the same with a forged transaction the door never saw is refused, naming it.
        var withForged = good.Take(12).Append(forged).Concat(good.Skip(12)).ToList();
        var bad = BlockBuilder.Build(state, Node.Network.NetworkId, Node.Tip, Now, withForged, Node.NodeKey);
        Assert.Null(Node.Validate(new BlockValue(bad.Block, new Dictionary<Hash256, byte[]>()), Now, out error));
        Assert.Contains("transaction 12 has a bad signature", error);
    }

    [Fact]
    public void Committing_a_block_forgets_its_door_verified_signatures()
    {
        var transactions = Registrations(10);
        Node.SubmitBatch(transactions.Select(t => t.Encoded).ToList());
        Assert.Equal(10, Node.VerifiedSignatures.Count);

        var candidate = Node.Build(Now, 100);
        Node.Commit(candidate);

        Assert.Equal(0, Node.VerifiedSignatures.Count);
        Assert.Equal(0, Node.Mempool.Count);
    }
}
