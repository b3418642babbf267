using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Encoding;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Api;

public class TransactionsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Transaction Registration(NodeFixture node, SignerResponse admin, ulong nonce, string userId, string? network = null) =>
        Transaction.Create(network ?? admin.Network, node.Admin.Signing, nonce, Payload(admin, userId));

    private static RegisterUserPayload Payload(SignerResponse admin, string userId)
    {
        using var keys = TestNetwork.KeysFor(userId);
        return new RegisterUserPayload(userId, Role.Patient, admin.OrganisationId, keys.Signing.PublicKey, keys.Encryption.PublicKey);
    }

    [Fact]
    public async Task A_valid_transaction_commits_and_shows_in_its_block()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.AdminSignerAsync();
        Assert.Equal(("User", "admin", 0UL, 1UL), (admin.Kind, admin.Id, admin.LastNonce, admin.NextNonce));
        var tx = Registration(node, admin, admin.NextNonce, "alice");

        using var response = await node.PostAsync(tx.Encoded.ToArray(), "/api/v1/transactions?wait=true");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<TransactionStatusResponse>(Ct);
        Assert.Equal(("committed", 1UL, 0, "Ok"), (status!.Status, status.Height, status.Index, status.Outcome));

        using var adminSession = await node.LoginAsync("admin", NodeFixture.Password);
        var block = await adminSession.GetFromJsonAsync<BlockResponse>("/api/v1/ledger/blocks/1", Ct);
        var item = Assert.Single(block!.Transactions);
        Assert.Equal((tx.Id.ToString(), "RegisterUser", "Ok"), (item.Id, item.Kind, item.Outcome));
        var health = await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct);
        Assert.Equal((1UL, block.Hash, block.StateRoot), (health!.Height, health.TipHash, health.StateRoot));
        var byId = await node.Http.GetFromJsonAsync<TransactionStatusResponse>($"/api/v1/transactions/{tx.Id}", Ct);
        Assert.Equal("committed", byId!.Status);
        Assert.Equal(2UL, (await node.AdminSignerAsync()).NextNonce);
    }

    [Fact]
    public async Task Nonces_are_answered_per_lane_and_a_block_lists_the_precommits_that_decided_it()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.AdminSignerAsync();
        var path = $"/api/v1/ledger/signers/{node.Admin.Signing.PublicKey}";
        using var adminSession = await node.LoginAsync("admin", NodeFixture.Password);
        var loadLane = await adminSession.GetFromJsonAsync<SignerResponse>($"{path}?lane={NonceLanes.Load}", Ct);
        Assert.Equal((NonceLanes.Load, NonceLanes.Start(NonceLanes.Load), NonceLanes.Compose(NonceLanes.Load, 1)), (loadLane!.Lane, loadLane.LastNonce, loadLane.NextNonce));

        // A transaction in load's lane leaves lane 0 as it was.
        var tx = Registration(node, admin, loadLane.NextNonce, "alice");
        using (var response = await node.PostAsync(tx.Encoded.ToArray(), "/api/v1/transactions?wait=true")) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await adminSession.GetFromJsonAsync<SignerResponse>($"{path}?lane={NonceLanes.Load}", Ct);
        Assert.Equal((NonceLanes.Compose(NonceLanes.Load, 1), NonceLanes.Compose(NonceLanes.Load, 2)), (after!.LastNonce, after.NextNonce));
        var laneZero = await adminSession.GetFromJsonAsync<SignerResponse>(path, Ct);
        Assert.Equal(((ushort)0, 0UL, 1UL), (laneZero!.Lane, laneZero.LastNonce, laneZero.NextNonce));

        foreach (var bad in new[] { "65536", "-1", "x" })
        {
            using var refused = await adminSession.GetAsync($"{path}?lane={bad}", Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("\"lane\"", await refused.Content.ReadAsStringAsync(Ct));
        }

        // The one validator's precommit decided block 1; genesis has no certificate.
        var block = await adminSession.GetFromJsonAsync<BlockResponse>("/api/v1/ledger/blocks/1", Ct);
        Assert.Equal(NonceLanes.Compose(NonceLanes.Load, 1), Assert.Single(block!.Transactions).Nonce);
        Assert.Matches("^[0-9a-f]{64}$", Assert.Single(block.Precommits));
        Assert.Empty((await adminSession.GetFromJsonAsync<BlockResponse>("/api/v1/ledger/blocks/0", Ct))!.Precommits);
    }

    public static TheoryData<string, string> DoorRejections() => new()
    {
        { "garbage", "Malformed" },
        { "empty", "Malformed" },
        { "version", "UnsupportedVersion" },
        { "kind", "UnknownKind" },
        { "too-large", "TooLarge" },
        { "forged", "BadSignature" },
        { "other-network", "BadSignature" },
        { "unknown-signer", "UnknownSigner" },
        { "replay", "BadNonce" },
        { "stale-nonce", "BadNonce" },
        { "invalid-field", "InvalidField" },
        { "genesis", "WrongPlace" },
    };

    [Theory]
    [MemberData(nameof(DoorRejections))]
    public async Task A_bad_transaction_is_refused_at_the_door_with_its_reason_and_nothing_is_stored(string variant, string verdict)
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.AdminSignerAsync();
        var first = Registration(node, admin, 5, "alice");
        using (var ok = await node.PostAsync(first.Encoded.ToArray(), "/api/v1/transactions?wait=true")) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var before = await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct);

        using var stranger = TestNetwork.Keys(42);
        var good = Registration(node, admin, 6, "bob").Encoded.ToArray();
        byte[] body = variant switch
        {
            "garbage" => [0x01, 0x02, 0xff, 0x00],
            "empty" => [],
            "version" => [7, .. good[1..]],
            "kind" => [good[0], 99, .. good[2..]],
            "too-large" => new byte[70_000],
            "forged" => Flip(good, good.Length - 10),
            "other-network" => Registration(node, admin, 6, "bob", network: "another-network").Encoded.ToArray(),
            "unknown-signer" => Transaction.Create(admin.Network, stranger.Signing, 1, Payload(admin, "bob")).Encoded.ToArray(),
            "replay" => first.Encoded.ToArray(),
            "stale-nonce" => Registration(node, admin, 3, "bob").Encoded.ToArray(),
            "invalid-field" => Transaction.Create(admin.Network, node.Admin.Signing, 6,
                new RegisterUserPayload("Bob Smith", Role.Patient, admin.OrganisationId, default, default)).Encoded.ToArray(),
            "genesis" => Transaction.Create(admin.Network, node.Admin.Signing, 6, new GenesisPayload(admin.Network, ChainPolicy.Default,
                new OrganisationRecord("x-org", "X", stranger.Signing.PublicKey, stranger.Encryption.PublicKey), "adm",
                node.Admin.Signing.PublicKey, node.Admin.Encryption.PublicKey, [new NodeRecord("n-1", "x-org", TestNetwork.Keys(43).Signing.PublicKey, "")], NetworkPolicy.Default)).Encoded.ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };

        using var response = await node.PostAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(verdict, problem.RootElement.GetProperty("verdict").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));

        var after = await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct);
        Assert.Equal((before!.Height, before.StateRoot, 0), (after!.Height, after.StateRoot, after.Pending));
        Assert.Equal(6UL, (await node.AdminSignerAsync()).NextNonce);
    }

    // Break-it (2026-12-07): a transaction refused at commit did not use up its nonce, and nothing at the door knew its id was
    // committed: its bytes, taken from a ledger or forwarded to a peer again, were committed once more at every send (one refused
    // transaction at heights 8, 10, 11 and 12), and could take effect once what refused it no longer held. Now a refusal uses up
    // the nonce: the same bytes are stale at the door, alone or in a batch, and the chain holds them once.
    [Fact]
    public async Task A_transaction_refused_at_commit_uses_up_its_nonce_and_its_bytes_sent_again_are_refused_as_stale()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.AdminSignerAsync();
        var first = Registration(node, admin, admin.NextNonce, "alice");
        using (var ok = await node.PostAsync(first.Encoded.ToArray(), "/api/v1/transactions?wait=true"))
        {
            Assert.Equal("Ok", (await ok.Content.ReadFromJsonAsync<TransactionStatusResponse>(Ct))!.Outcome);
        }
        var taken = Registration(node, admin, admin.NextNonce + 1, "alice");
        using (var refused = await node.PostAsync(taken.Encoded.ToArray(), "/api/v1/transactions?wait=true"))
        {
            var status = await refused.Content.ReadFromJsonAsync<TransactionStatusResponse>(Ct);
            Assert.Equal(("committed", "AlreadyExists"), (status!.Status, status.Outcome));
        }
        var height = (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;
        Assert.Equal(admin.NextNonce + 2, (await node.AdminSignerAsync()).NextNonce);
        using (var again = await node.PostAsync(taken.Encoded.ToArray(), "/api/v1/transactions?wait=true"))
        {
            var body = await again.Content.ReadAsStringAsync(Ct);
            Assert.True(again.StatusCode == HttpStatusCode.BadRequest, $"{(int)again.StatusCode}: {body}");
            Assert.Contains("BadNonce", body, StringComparison.Ordinal);
            Assert.Contains("replayed or stale", body, StringComparison.Ordinal);
        }
        using (var batch = await node.PostAsync(BatchEncoding.Encode([taken.Encoded]), "/api/v1/transactions/batch"))
        {
            var result = await batch.Content.ReadFromJsonAsync<BatchResponse>(Ct);
            Assert.Equal(["BadNonce"], result!.Results.Select(r => r.Verdict));
        }
        Assert.Equal(height, (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height);
        var byId = await node.Http.GetFromJsonAsync<TransactionStatusResponse>($"/api/v1/transactions/{taken.Id}", Ct);
        Assert.Equal(("committed", "AlreadyExists"), (byId!.Status, byId.Outcome));

        // One that carries a record, whose ciphertext a refusal never stored, is stale too: it was "record ciphertext … was not
        // supplied" (break-it), as if sending the ciphertext would let it in.
        using var doctorKeys = TestNetwork.KeysFor("dr-stale");
        var record = new Core.Records.SealedRecordRef(Core.Crypto.Hashing.Sha256("never stored"u8), 12,
            [Core.Crypto.RecordCrypto.Wrap(new byte[32], doctorKeys.Encryption.PublicKey, new byte[32], [])]);
        var stale = Transaction.Create(admin.Network, node.Admin.Signing, admin.NextNonce + 1,
            new RegisterDoctorPayload("dr-stale", admin.OrganisationId, doctorKeys.Signing.PublicKey, doctorKeys.Encryption.PublicKey, record));
        using (var withRecord = await node.PostAsync(stale.Encoded.ToArray(), "/api/v1/transactions"))
        {
            var body = await withRecord.Content.ReadAsStringAsync(Ct);
            Assert.True(withRecord.StatusCode == HttpStatusCode.BadRequest, $"{(int)withRecord.StatusCode}: {body}");
            Assert.Contains("BadNonce", body, StringComparison.Ordinal);
            Assert.DoesNotContain("not supplied", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_batch_reports_each_verdict_in_order_and_commits_the_accepted_ones()
    {
        await using var node = await NodeFixture.StartAsync();
        var admin = await node.AdminSignerAsync();
        var a = Registration(node, admin, 1, "user-a");
        var b = Registration(node, admin, 2, "user-b");
        var batch = BatchEncoding.Encode([a.Encoded, a.Encoded, b.Encoded, new byte[] { 1, 2, 3 }]);
        using var response = await node.PostAsync(batch, "/api/v1/transactions/batch");
        var result = await response.Content.ReadFromJsonAsync<BatchResponse>(Ct);
        Assert.Equal(["Ok", "Duplicate", "Ok", "Malformed"], result!.Results.Select(r => r.Verdict));
        Assert.Equal((2, 2), (result.Accepted, result.Refused));
        var status = await node.Http.GetFromJsonAsync<TransactionStatusResponse>($"/api/v1/transactions/{b.Id}", Ct);
        Assert.Contains(status!.Status, new[] { "pending", "committed" });

        using var truncated = await node.PostAsync(batch[..^2], "/api/v1/transactions/batch");
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
    }

    [Fact]
    public async Task Unknown_and_malformed_ids_and_heights_get_problem_details()
    {
        await using var node = await NodeFixture.StartAsync();
        using var missingTx = await node.Http.GetAsync($"/api/v1/transactions/{new string('a', 64)}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missingTx.StatusCode);
        using var badTx = await node.Http.GetAsync("/api/v1/transactions/xyz", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badTx.StatusCode);
        Assert.Contains("\"id\"", await badTx.Content.ReadAsStringAsync(Ct));
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var missingBlock = await admin.GetAsync("/api/v1/ledger/blocks/99", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missingBlock.StatusCode);
        Assert.Equal("application/problem+json", missingBlock.Content.Headers.ContentType?.MediaType);
        using var badBlock = await admin.GetAsync("/api/v1/ledger/blocks/-1", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badBlock.StatusCode);
        Assert.Contains("\"height\"", await badBlock.Content.ReadAsStringAsync(Ct));
        using var unknownSigner = await admin.GetAsync($"/api/v1/ledger/signers/{new string('b', 64)}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknownSigner.StatusCode);
    }

    private static byte[] Flip(byte[] bytes, int index)
    {
        var copy = bytes.ToArray();
        copy[index] ^= 0x01;
        return copy;
    }
}
