using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Verification;
using HealthLedger.Testing;

namespace HealthLedger.Storage.Tests;

/// <summary>Signatures verified in parallel give exactly the answers of verifying them one after the other.</summary>
public class ParallelSignaturesTests
{
    private static Transaction Forge(Transaction tx)
    {
        var bytes = tx.Encoded.ToArray();
        bytes[^1] ^= 0x80;
        Assert.True(Transaction.TryDecode(bytes, ChainPolicy.Default.MaxTxBytes, out var forged).IsOk);
        return forged!;
    }

    [Fact]
    public void Verify_flags_each_forged_signature_and_passes_the_rest()
    {
        using var net = new TestNetwork();
        var transactions = Enumerable.Range(0, 50).Select(i => (Transaction?)net.Register($"user-{i}")).ToList();
        transactions[3] = Forge(transactions[3]!);
        transactions[44] = Forge(transactions[44]!);
        transactions[20] = null;

        var ok = ParallelSignatures.Verify(transactions, TestNetwork.NetworkId);

        Assert.Equal(Enumerable.Range(0, 50).Where(i => i is not (3 or 44 or 20)), Enumerable.Range(0, 50).Where(i => ok[i]));
        Assert.All(ParallelSignatures.Verify(transactions, "another-network"), Assert.False); // a signature binds its network
    }

    [Fact]
    public void FirstBad_is_the_lowest_bad_index_as_verifying_one_after_the_other_finds_it()
    {
        using var net = new TestNetwork();
        var transactions = Enumerable.Range(0, 64).Select(i => net.Register($"user-{i}")).ToList();
        Assert.Equal(-1, ParallelSignatures.FirstBad(transactions, TestNetwork.NetworkId));
        foreach (var index in new[] { 61, 9, 33 }) transactions[index] = Forge(transactions[index]);

        Assert.Equal(BlockValidator.FirstBadSignature(transactions, TestNetwork.NetworkId), ParallelSignatures.FirstBad(transactions, TestNetwork.NetworkId));
        Assert.Equal(9, ParallelSignatures.FirstBad(transactions, TestNetwork.NetworkId));
    }

    [Fact]
    public void FirstBad_skips_only_what_the_caller_vouches_for()
    {
        using var net = new TestNetwork();
        var transactions = Enumerable.Range(0, 20).Select(i => net.Register($"user-{i}")).ToList();
        transactions[12] = Forge(transactions[12]);
        var vouched = transactions.Where((_, i) => i != 12).Select(t => t.Id).ToHashSet();

        // Vouching for the good ones leaves the forged one to be verified, and found.
        Assert.Equal(12, ParallelSignatures.FirstBad(transactions, TestNetwork.NetworkId, t => vouched.Contains(t.Id)));
        // What is vouched for is not verified again (here, wrongly, the forged one: the caller's promise is trusted).
        Assert.Equal(-1, ParallelSignatures.FirstBad(transactions, TestNetwork.NetworkId, _ => true));
    }
}
