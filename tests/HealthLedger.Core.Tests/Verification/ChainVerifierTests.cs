using HealthLedger.Core.Execution;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Verification;
using HealthLedger.Testing;

namespace HealthLedger.Core.Tests.Verification;

public class ChainVerifierTests
{
    private static (TestNetwork Net, List<StoredBlock> Stored) Chain()
    {
        var net = new TestNetwork();
        for (var b = 0; b < 3; b++)
        {
            net.Append(1_700_000_001_000 + (ulong)b, Enumerable.Range(0, 4).Select(i => net.Register($"user-{b}-{i}")).ToList());
        }
        return (net, net.Blocks.Select(Store).ToList());
    }

    private static StoredBlock Store(BuiltBlock built) => new(built.Block.Header.Height, built.Block.Header.Hash.ToArray(), built.Block.Header.Encode(),
        built.Block.Transactions.Select((t, i) => new StoredTransaction(i, t.Id.ToArray(), t.Encoded.ToArray())).ToList(),
        built.Execution.Receipts.Select(r => r.Encode()).ToList());

    private static VerifyIssue? VerifyAll(IEnumerable<StoredBlock> blocks, TestNetwork net, Func<IEnumerable<KeyValuePair<string, byte[]>>, IEnumerable<KeyValuePair<string, byte[]>>>? state = null)
    {
        var verifier = new ChainVerifier();
        foreach (var block in blocks)
        {
            if (verifier.Add(block) is { } issue) return issue;
        }
        var entries = net.State.Entries.Select(e => new KeyValuePair<string, byte[]>(e.Key, e.Value.ToArray()));
        return verifier.CheckState(state is null ? entries : state(entries));
    }

    [Fact]
    public void An_untouched_chain_verifies()
    {
        var (net, stored) = Chain();
        using var _ = net;
        var verifier = new ChainVerifier();
        Assert.All(stored, b => Assert.Null(verifier.Add(b)));
        Assert.Equal(4UL, verifier.Blocks);
        Assert.Equal(13UL, verifier.Transactions);
        Assert.Equal(net.State.Root, verifier.StateRoot);
    }

    [Fact]
    public void Every_flipped_header_byte_is_named()
    {
        var (net, stored) = Chain();
        using var _ = net;
        for (var i = 0; i < stored[2].Header.Length; i++)
        {
            var header = stored[2].Header.ToArray();
            header[i] ^= 0x40;
            var issue = VerifyAll(stored.Select(b => b.Height == 2 ? b with { Header = header } : b), net);
            Assert.NotNull(issue);
            Assert.Equal(2UL, issue.Height);
        }
    }

    [Fact]
    public void Every_flipped_transaction_byte_is_named_with_its_block_and_index()
    {
        var (net, stored) = Chain();
        using var _ = net;
        var body = stored[3].Transactions[2].Body;
        for (var i = 0; i < body.Length; i++)
        {
            var copy = body.ToArray();
            copy[i] ^= 0x01;
            var txs = stored[3].Transactions.Select(t => t.Index == 2 ? t with { Body = copy } : t).ToList();
            var issue = VerifyAll(stored.Select(b => b.Height == 3 ? b with { Transactions = txs } : b), net);
            Assert.NotNull(issue);
            Assert.Equal((3UL, 2), (issue.Height!.Value, issue.TxIndex!.Value));
        }
    }

    [Fact]
    public void Every_flipped_receipt_byte_is_named_with_its_transaction()
    {
        var (net, stored) = Chain();
        using var _ = net;
        var receipt = stored[1].Receipts[3];
        for (var i = 0; i < receipt.Length; i++)
        {
            var copy = receipt.ToArray();
            copy[i] ^= 0x01;
            var receipts = stored[1].Receipts.Select((r, k) => k == 3 ? copy : r).ToList();
            var issue = VerifyAll(stored.Select(b => b.Height == 1 ? b with { Receipts = receipts } : b), net);
            Assert.NotNull(issue);
            Assert.Equal((1UL, 3), (issue.Height!.Value, issue.TxIndex!.Value));
        }
    }

    [Fact]
    public void A_changed_missing_or_extra_state_entry_is_named()
    {
        var (net, stored) = Chain();
        using var _ = net;
        var changed = VerifyAll(stored, net, s => s.Select(e => e.Key == "user/user-1-2" ? new(e.Key, [.. e.Value[..^1], (byte)(e.Value[^1] ^ 1)]) : e));
        Assert.Equal(("user/user-1-2", "stored value differs from the value re-derived from the chain"), (changed!.StateKey, changed.Message));
        var missing = VerifyAll(stored, net, s => s.Where(e => e.Key != "user/user-0-0"));
        Assert.Equal("user/user-0-0", missing!.StateKey);
        var extra = VerifyAll(stored, net, s => s.Append(new("zzz/extra", [1])));
        Assert.Equal("zzz/extra", extra!.StateKey);
    }

    [Fact]
    public void A_missing_or_reordered_block_or_transaction_is_named()
    {
        var (net, stored) = Chain();
        using var _ = net;
        Assert.Equal(2UL, VerifyAll(stored.Where(b => b.Height != 1), net)!.Height);
        var swapped = stored[2].Transactions.ToList();
        (swapped[0], swapped[1]) = (swapped[1] with { Index = 0 }, swapped[0] with { Index = 1 });
        var issue = VerifyAll(stored.Select(b => b.Height == 2 ? b with { Transactions = swapped } : b), net);
        Assert.Equal(2UL, issue!.Height);
        Assert.Contains("transaction root", issue.Message);
    }

    [Fact]
    public void A_block_signed_by_a_stranger_is_refused_even_if_everything_else_is_consistent()
    {
        using var net = new TestNetwork();
        using var stranger = Core.Crypto.SigningKeyPair.FromSeed(new byte[32]);
        var genesis = Store(net.Blocks[0]);
        var forged = BlockBuilder.Build(Core.State.WorldState.Load(net.State.Entries), TestNetwork.NetworkId, net.Tip, 1_700_000_002_000, [net.Register("eve")], stranger);
        var verifier = new ChainVerifier();
        Assert.Null(verifier.Add(genesis));
        var issue = verifier.Add(Store(forged));
        Assert.Contains("is not a node of this network", issue!.Message);
    }

    [Fact]
    public void Transactions_decoded_ahead_are_used_only_for_their_exact_stored_bytes()
    {
        var (net, stored) = Chain();
        using var _ = net;
        // The caller's decoding of the untouched bytes, handed with every block.
        var decoded = stored.Select(b => b.Transactions.Select(t => Transaction.TryDecode(t.Body, int.MaxValue, out var tx).IsOk ? tx : null).ToList()).ToList();
        var verifier = new ChainVerifier();
        Assert.All(stored, b => Assert.Null(verifier.Add(b, decoded[(int)b.Height])));
        Assert.Equal(net.State.Root, verifier.StateRoot);

        var body = stored[3].Transactions[2].Body;
        for (var i = 0; i < body.Length; i++)
        {
            // The stored bytes change after the caller decoded them: the stale decoding must not vouch for them.
            var copy = body.ToArray();
            copy[i] ^= 0x01;
            var txs = stored[3].Transactions.Select(t => t.Index == 2 ? t with { Body = copy } : t).ToList();
            var again = new ChainVerifier();
            VerifyIssue? issue = null;
            foreach (var block in stored.Select(b => b.Height == 3 ? b with { Transactions = txs } : b))
            {
                issue = again.Add(block, decoded[(int)block.Height]);
                if (issue is not null) break;
            }
            Assert.NotNull(issue);
            Assert.Equal((3UL, 2), (issue.Height!.Value, issue.TxIndex!.Value));
        }
    }
}
