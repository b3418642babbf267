using System.Net.Http.Json;
using HealthLedger.Core.Ledger;
using HealthLedger.Core.Primitives;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Tests.Network;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Ledger;

/// <summary>
/// Nonces the node hands to the users it signs for (issue 17: one lab order of 12,655 operations in a benchmark round was
/// refused "BadNonce: nonce n is not above the signer's last nonce n (replayed or stale)"): a commit landing while the next
/// nonce is worked out, or two sessions of one user, must never yield a nonce already used.
/// </summary>
public class NonceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_commit_landing_while_the_next_nonce_is_worked_out_does_not_hand_out_the_committed_nonce()
    {
        using var admin = TestNetwork.KeysFor("admin");
        var mempool = new Mempool(16);
        var waiting = InProcessNode.Registration("net", admin, 5, "org", "patient-5");
        Assert.True(mempool.TryAdd(new PendingTransaction(waiting, new Dictionary<Hash256, byte[]>()), _ => TxResult.Ok).IsOk);

        // The commit of nonce 5 at the worst moment: its state applied (the last committed nonce is now 5) and the transaction
        // removed from the mempool between the two reads. Reading the state first and the mempool second gave 5 again.
        var next = mempool.NextNonce(admin.Signing.PublicKey, 0, () =>
        {
            mempool.Remove([waiting.Id]);
            return 5;
        });

        Assert.Equal(6UL, next);
        Assert.Equal(1UL, mempool.NextNonce(admin.Signing.PublicKey, 0, () => 0)); // nothing of the signer waits any more
    }

    [Fact]
    public void The_next_nonce_is_above_both_the_waiting_and_the_committed_ones()
    {
        using var admin = TestNetwork.KeysFor("admin");
        var mempool = new Mempool(16);
        Assert.Equal(8UL, mempool.NextNonce(admin.Signing.PublicKey, 0, () => 7));
        var waiting = InProcessNode.Registration("net", admin, 9, "org", "patient-9");
        Assert.True(mempool.TryAdd(new PendingTransaction(waiting, new Dictionary<Hash256, byte[]>()), _ => TxResult.Ok).IsOk);
        Assert.Equal(10UL, mempool.NextNonce(admin.Signing.PublicKey, 0, () => 7));
        // Another lane of the same signer is ordered on its own.
        Assert.Equal(8UL, mempool.NextNonce(admin.Signing.PublicKey, 3, () => 7));
    }

    [Fact]
    public async Task Two_sessions_of_one_user_writing_at_once_never_take_the_same_nonce()
    {
        await using var node = await NodeFixture.StartAsync();
        using var first = await node.LoginAsync("admin", NodeFixture.Password);
        using var second = await node.LoginAsync("admin", NodeFixture.Password);
        using var registered = await first.PostAsJsonAsync("/api/v1/patients", new { mrn = "MRN-N1", fullName = "Nora Nonce", dateOfBirth = "1970-01-01", gender = "female" }, Ct);
        var patientId = (await registered.Content.ReadFromJsonAsync<HealthLedger.Node.Web.WriteResponse>(Ct))!.Id;

        // Each session signs one write at a time; the two used to share nothing, so both could read the same next nonce and the
        // second was refused at the door.
        const int each = 16;
        var answers = await Task.WhenAll(Enumerable.Range(0, 2 * each).Select(async i =>
        {
            var client = i % 2 == 0 ? first : second;
            using var response = await client.PostAsJsonAsync($"/api/v1/patients/{patientId}/account/charges",
                new { occurredAt = "2026-01-02T10:00", service = "Consultation", quantity = 1, unitPrice = 40 }, Ct);
            return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
        }));

        Assert.All(answers, a => Assert.StartsWith("201", a));
    }
}
