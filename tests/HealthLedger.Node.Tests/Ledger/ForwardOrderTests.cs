using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Model;
using HealthLedger.Core.Primitives;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Ledger;

/// <summary>
/// Transactions accepted at a node's door are handed to the network (<see cref="LedgerNode.Accepted"/>, which forwards them to
/// the peers) in the order the mempool admitted them. Issue 17's clean CI at 781f7ee: in the 4-node cluster one lab report was
/// refused at commit "BadNonce": the event was raised after the mempool's lock, so two writes of one user could be forwarded
/// N+1 first, a peer proposed N+1 alone, and N was then stale.
/// </summary>
public sealed class ForwardOrderTests : DoorTestsBase
{
    private Transaction Registration(ulong nonce, int i)
    {
        using var keys = UserKeys.FromSecret(TestNetwork.Seed(2000 + i, UserKeys.SecretLength));
        return Transaction.Create(Node.Network.NetworkId, Admin.Signing, nonce,
            new RegisterUserPayload($"forward-{i}", Role.Patient, Organisation, keys.Signing.PublicKey, keys.Encryption.PublicKey));
    }

    [Fact]
    public async Task A_later_nonce_admitted_while_an_earlier_one_is_being_handed_on_is_handed_on_after_it()
    {
        var first = Node.Nonces(Admin.Signing.PublicKey).Next;
        var earlier = Registration(first, 0);
        var later = Registration(first + 1, 1);
        var handedOn = new List<ulong>();
        Task<SubmitResult>? second = null;
        Node.Accepted += pending =>
        {
            if (pending.Transaction.Id == earlier.Id)
            {
                // The next nonce of the same lane arrives (another request thread) while this one is being handed on. It may
                // enter the mempool only after this hand-on has finished; given this much time, a second submitter not held
                // back by the mempool's lock is admitted and handed on first.
                second = Task.Run(() => Node.Submit(later.Encoded.Span));
                second.Wait(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            }
            lock (handedOn) handedOn.Add(pending.Transaction.Nonce);
        };

        Assert.True(Node.Submit(earlier.Encoded.Span).Result.IsOk);
        Assert.NotNull(second);
        var result = await second;

        Assert.True(result.Result.IsOk, result.Result.ToString());
        Assert.Equal([first, first + 1], handedOn);
        Assert.Equal(2, Node.Mempool.Count);
    }
}
