using HealthLedger.Core.Crypto;
using HealthLedger.Core.Ledger;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Network;
using HealthLedger.Node.Security;
using HealthLedger.Storage;
using HealthLedger.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// A transaction forwarded to a peer that is down is sent again, in order, until the peer takes it or it has left this node's
/// mempool. Break-it (2026-12-07): with two of four organisations' nodes stopped (kill -STOP), a registration answered 202
/// "may still commit" was lost: its forward to City Lab's node was dropped after ten failed attempts, the admin's later
/// transactions were forwarded once the node resumed, City Lab's node proposed them without it, and it was then refused as
/// stale (BadNonce) — the patient was never registered and the one-time password of the 202 never worked.
/// </summary>
public sealed class ForwardRetryTests : InProcessNodes
{
    [Fact]
    public async Task Transactions_forwarded_while_a_peer_is_down_reach_it_in_order_once_it_is_back_and_all_commit()
    {
        var layout = new ClusterLayout(2, Ports.FreeClusterBlock());
        var init = NetworkInitializer.Init(Dir.Path, "Relay Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        using var keystore = Keystore.Open(new DataDirectory(Dir.Combine(ClusterLayout.FolderOf(1))).KeystorePath);
        using var admin = keystore.Unseal("admin", NodeFixture.Password)!;
        // Two validators: both are needed for a block, so nothing commits while node 2 is down.
        var app1 = await StartAsync(Dir.Combine(ClusterLayout.FolderOf(1)));
        var node1 = Node(app1);
        var link = Assert.Single(app1.Services.GetRequiredService<PeerNetwork>().Links);
        var first = node1.Nonces(admin.Signing.PublicKey, node1.UserNonceLane).Next;
        var earlier = InProcessNode.Registration(init.NetworkId, admin, first, init.OrganisationId, "relay-1");
        InProcessNode.Submit(node1, earlier);
        // Down for longer than the ten half-second attempts after which the batch used to be dropped.
        await InProcessNode.WaitAsync("forwarding to node 2 has failed six times (7.5 s and more)", () => link.ForwardFailures >= 6, Ct);
        var later = InProcessNode.Registration(init.NetworkId, admin, first + 1, init.OrganisationId, "relay-2");
        InProcessNode.Submit(node1, later);

        await StartAsync(Dir.Combine(ClusterLayout.FolderOf(2)));
        var apps = Running.ToList();
        foreach (var tx in new[] { earlier, later })
        {
            foreach (var committed in await InProcessNode.WaitForCommitAsync(apps, tx.Id, Ct))
            {
                Assert.True(committed.Receipt.Verdict == TxVerdict.Ok, $"{tx.Nonce}: {committed.Receipt.Verdict} {committed.Receipt.Reason}");
            }
        }
        Assert.Equal(0, link.DroppedTransactions);
    }
}
