using System.Net;
using System.Net.Http.Json;
using HealthLedger.Consensus;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Ledger;
using HealthLedger.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// The voting state and the block a single node decides in one step are one durable write (ConsensusHost.Run): a crash
/// between deciding and that write leaves neither, and the restarted node decides the height again.
/// </summary>
public class ConsensusPersistenceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failure_while_committing_a_height_stores_neither_its_block_nor_its_votes_and_the_restarted_node_decides_it()
    {
        using var folder = new TempDirectory();
        var node = await NodeFixture.StartAsync(folder);
        byte[] savedAtOne;
        Transaction second;
        try
        {
            var admin = await node.AdminSignerAsync();
            using (var response = await node.PostAsync(Registration(node, admin, admin.NextNonce, "alice").Encoded.ToArray(), "/api/v1/transactions?wait=true"))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            var ledger = node.App.Services.GetRequiredService<LedgerNode>();
            Assert.Equal(1UL, ledger.Tip.Height);
            // The state saved with block 1 records the precommit this node signed for it.
            savedAtOne = ledger.Store.ReadConsensusState()!;
            var state = SafetyStateCodec.TryDecode(savedAtOne)!;
            Assert.Equal(1UL, state.Height);
            Assert.Equal(ledger.Tip.Hash, state.Signed[(MessageType.Precommit, state.Round)]);

            // The storage fails height 2's write (an outside trigger, as in the storage contract tests): the node stops.
            var ledgerPath = new DataDirectory(node.DataPath).LedgerPath;
            Sql(ledgerPath, "CREATE TRIGGER fail BEFORE INSERT ON blocks BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
            var stopping = node.App.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            second = Registration(node, admin, admin.NextNonce + 1, "bob");
            using (var response = await node.PostAsync(second.Encoded.ToArray()))
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
            await Task.Delay(Timeout.InfiniteTimeSpan, stopping).ContinueWith(_ => { }, Ct, TaskContinuationOptions.None, TaskScheduler.Default)
                .WaitAsync(TimeSpan.FromSeconds(60), Ct);

            // Neither the block nor the votes that decided it are stored: the votes went in the block's storage transaction.
            Assert.Equal(1UL, ledger.Store.TipHeight);
            Assert.Equal(savedAtOne, ledger.Store.ReadConsensusState());
            Assert.Null(ledger.Store.FindTransaction(second.Id));
        }
        finally
        {
            await node.DisposeAsync();
        }

        Sql(new DataDirectory(node.DataPath).LedgerPath, "DROP TRIGGER fail");
        await using var restarted = await NodeFixture.StartAsync(folder);
        using (var response = await restarted.PostAsync(second.Encoded.ToArray(), "/api/v1/transactions?wait=true"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = await response.Content.ReadFromJsonAsync<TransactionStatusResponse>(Ct);
            Assert.Equal(("committed", 2UL, "Ok"), (status!.Status, status.Height, status.Outcome));
        }
        var after = restarted.App.Services.GetRequiredService<LedgerNode>();
        var decided = SafetyStateCodec.TryDecode(after.Store.ReadConsensusState()!)!;
        Assert.Equal(2UL, decided.Height);
        Assert.Equal(after.Tip.Hash, decided.Signed[(MessageType.Precommit, decided.Round)]);
    }

    private static Transaction Registration(NodeFixture node, SignerResponse admin, ulong nonce, string userId)
    {
        using var keys = TestNetwork.KeysFor(userId);
        return Transaction.Create(admin.Network, node.Admin.Signing, nonce,
            new RegisterUserPayload(userId, Role.Patient, admin.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey));
    }

    private static void Sql(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
