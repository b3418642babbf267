using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Transactions;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Consortium;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Web;
using HealthLedger.Storage;
using HealthLedger.Testing;

namespace HealthLedger.Node.Tests.Consortium;

/// <summary>
/// Consortium governance through the API: in a one-organisation network the founder's proposal executes at once; a join
/// request admits a second organisation; then a proposal needs both. Refusals (non-admin, second vote, expired, key in use,
/// unreachable node address, bad input) are answered before anything is signed, so nothing is written.
/// </summary>
public class ConsortiumApiTests
{
    private const string NewcomerPassword = "newcomer-root-password";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Fields(JsonElement problem) => problem.TryGetProperty("errors", out var e) ? e.EnumerateObject().Select(p => p.Name).ToArray() : [];

    private static async Task<HealthResponse> HealthAsync(NodeFixture node) => (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!;

    /// <summary>A newcomer's folder and join request (made as <c>healthledger consortium request</c> makes them).</summary>
    private static JoinRequestMaker.Result Newcomer(TempDirectory dir, string name, string peerListen = "http://127.0.0.1:1") =>
        JoinRequestMaker.Make(dir.Combine(name.Replace(' ', '-')), name, "laboratory", peerListen, contact: "+44 20 7946 0000", adminPassword: NewcomerPassword,
            argon: Argon2Parameters.TestOnly);

    /// <summary>Admits a second organisation without a node (so the one validator keeps deciding alone) and returns its admin's keys.</summary>
    private static async Task<(JoinRequestMaker.Result Request, UserKeys Admin)> AdmitSecondAsync(NodeFixture node, HttpClient admin, TempDirectory dir)
    {
        var made = Newcomer(dir, "City Lab");
        made.Request.Node = null;
        var proposal = await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "add-organisation", request = made.Request }, Ct));
        Assert.Equal("executed", proposal.Status);
        using var keystore = Keystore.Open(new DataDirectory(Path.GetDirectoryName(made.RequestPath)!).KeystorePath);
        return (made, keystore.Unseal(made.AdminUser, NewcomerPassword)!);
    }

    /// <summary>Signs and commits a transaction of the newcomer's admin (who has no login at this node) as a raw client does.</summary>
    private static async Task<TransactionStatusResponse> SignedAsync(NodeFixture node, UserKeys keys, TxPayload payload, TimeProvider? clock = null)
    {
        var network = (await HealthAsync(node)).Network;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/ledger/signers/{keys.Signing.PublicKey}");
        request.Headers.Add(SignerProof.Header, SignerProof.Create(keys.Signing, (clock ?? TimeProvider.System).GetUtcNow()));
        var signer = await Read<SignerResponse>(await node.Http.SendAsync(request, Ct));
        var tx = Transaction.Create(network, keys.Signing, signer.NextNonce, payload);
        return await Read<TransactionStatusResponse>(await node.PostAsync(tx.Encoded.ToArray(), "/api/v1/transactions?wait=true"));
    }

    [Fact]
    public async Task The_founders_proposal_executes_at_once_then_with_two_organisations_a_proposal_needs_both()
    {
        await using var node = await NodeFixture.StartAsync();
        using var dir = new TempDirectory();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);

        var consortium = await Read<ConsortiumResponse>(await admin.GetAsync("/api/v1/consortium", Ct));
        var founder = Assert.Single(consortium.Organisations);
        Assert.Equal(("fixture-hospital", "hospital", "active"), (founder.Id, founder.Type, founder.Status));
        var self = Assert.Single(founder.Nodes);
        Assert.True(self.Validator && self.ThisNode);
        var policy = await Read<GovernancePolicyResponse>(await admin.GetAsync("/api/v1/consortium/policy", Ct));
        Assert.Equal(168, policy.ProposalLifetimeHours);
        Assert.All(policy.Rules, r => Assert.Equal(1, r.Needed));

        // One active organisation: its approval is a majority of 1, so admitting City Lab executes at once.
        var (made, labAdmin) = await AdmitSecondAsync(node, admin, dir);
        using (labAdmin)
        {
            consortium = await Read<ConsortiumResponse>(await admin.GetAsync("/api/v1/consortium", Ct));
            Assert.Equal(2, consortium.ActiveOrganisations);
            var lab = consortium.Organisations.Single(o => o.Id == "city-lab");
            Assert.Equal(("City Lab", "laboratory", "+44 20 7946 0000", "active"), (lab.Name, lab.Type, lab.Contact, lab.Status));
            Assert.Equal(made.Request.Organisation!.SigningKey, lab.SigningKey);

            // Two active organisations: a change of the policy needs both (more than 1/2 of 2).
            var proposed = await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/consortium/proposals",
                new { id = "policy-48h", action = "change-policy", policy = new { proposalLifetimeHours = 48 } }, Ct));
            Assert.Equal(("open", 1, 2), (proposed.Status, proposed.Approvals, proposed.Needed));
            Assert.Equal(["city-lab"], proposed.Waiting);
            Assert.Equal(168, (await Read<GovernancePolicyResponse>(await admin.GetAsync("/api/v1/consortium/policy", Ct))).ProposalLifetimeHours);

            // The founder cannot vote twice (its proposal was its approval): 409, nothing written.
            var height = (await HealthAsync(node)).Height;
            var twice = await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals/policy-48h/votes", new { decision = "approve" }, Ct), HttpStatusCode.Conflict);
            Assert.Contains("decision", Fields(twice));
            Assert.Equal(height, (await HealthAsync(node)).Height);

            // City Lab's admin approves (signing their own transaction): executed, the policy holds from the next block.
            var vote = await SignedAsync(node, labAdmin, new VotePayload("policy-48h", true));
            Assert.Equal("Ok", vote.Outcome);
            var done = await Read<ProposalResponse>(await admin.GetAsync("/api/v1/consortium/proposals/policy-48h", Ct));
            Assert.Equal(("executed", 2), (done.Status, done.Approvals));
            Assert.Equal(["approve", "approve"], done.Votes.Select(v => v.Decision));
            Assert.Equal(48, (await Read<GovernancePolicyResponse>(await admin.GetAsync("/api/v1/consortium/policy", Ct))).ProposalLifetimeHours);
            var all = await Read<List<ProposalResponse>>(await admin.GetAsync("/api/v1/consortium/proposals", Ct));
            Assert.Equal(2, all.Count);

            // A proposal City Lab rejects is closed as rejected (1 of 2 approvals can no longer become 2).
            await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { id = "suspend-lab", action = "suspend-organisation", organisationId = "city-lab" }, Ct));
            Assert.Equal("Ok", (await SignedAsync(node, labAdmin, new VotePayload("suspend-lab", false))).Outcome);
            Assert.Equal("rejected", (await Read<ProposalResponse>(await admin.GetAsync("/api/v1/consortium/proposals/suspend-lab", Ct))).Status);

            // Withdrawing an open proposal closes it.
            await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { id = "remove-lab", action = "remove-organisation", organisationId = "city-lab" }, Ct));
            var withdrawn = await Read<ProposalResponse>(await admin.PostAsync("/api/v1/consortium/proposals/remove-lab/withdraw", null, Ct));
            Assert.Equal("withdrawn", withdrawn.Status);

            // City Lab proposes admitting Green Pharmacy twice; the founder's approval executes the first, and its deciding
            // approval of the second (whose organisation id is now taken) is refused before anything is signed.
            var pharmacy = Newcomer(dir, "Green Pharmacy");
            pharmacy.Request.Node = null;
            var admit = ProposalInput.JoinRequestAction(pharmacy.Request, new Node.Records.FieldErrors())!;
            Assert.Equal("Ok", (await SignedAsync(node, labAdmin, new ProposePayload("pharmacy-a", admit))).Outcome);
            Assert.Equal("Ok", (await SignedAsync(node, labAdmin, new ProposePayload("pharmacy-b", admit))).Outcome);
            var first = await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/consortium/proposals/pharmacy-a/votes", new { decision = "approve" }, Ct));
            Assert.Equal("executed", first.Status);
            height = (await HealthAsync(node)).Height;
            var stale = await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals/pharmacy-b/votes", new { decision = "approve" }, Ct), HttpStatusCode.Conflict);
            Assert.Contains("can no longer be applied", stale.GetProperty("errors").GetProperty("proposal")[0].GetString());
            Assert.Equal(height, (await HealthAsync(node)).Height);
            Assert.Equal(3, (await Read<ConsortiumResponse>(await admin.GetAsync("/api/v1/consortium", Ct))).ActiveOrganisations);
        }
    }

    [Fact]
    public async Task Refusals_name_the_field_and_write_nothing()
    {
        await using var node = await NodeFixture.StartAsync();
        using var dir = new TempDirectory();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var d = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-g", name = "Gov Doc", specialty = "Medicine", department = "Ward", licenceNumber = "L1" }, Ct));
        var doctor = await node.FirstLoginAsync("dr-g", d.OneTimePassword!);
        var before = (await HealthAsync(node)).Height;
        var made = Newcomer(dir, "City Lab");

        // Not an admin: 403, reading included.
        await Problem(await doctor.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "add-organisation", request = made.Request }, Ct), HttpStatusCode.Forbidden);
        await Problem(await doctor.GetAsync("/api/v1/consortium", Ct), HttpStatusCode.Forbidden);
        await Problem(await node.Http.GetAsync("/api/v1/consortium/proposals", Ct), HttpStatusCode.Unauthorized);
        using (var page = await (await node.CookieLoginAsync("dr-g", NodeFixture.ChosenPassword)).GetAsync("/consortium", Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        }

        // Bad input: 400 naming the field.
        Assert.Contains("action", Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "crown-king" }, Ct), HttpStatusCode.BadRequest)));
        Assert.Contains("action", Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "declare-emergency" }, Ct), HttpStatusCode.BadRequest)));
        Assert.Contains("request", Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "add-organisation" }, Ct), HttpStatusCode.BadRequest)));
        var badKeys = new { action = "add-organisation", request = new { organisation = new { id = "x", name = "", type = "bakery", signingKey = "00" }, admin = new { id = "a" } } };
        var bad = Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", badKeys, Ct), HttpStatusCode.BadRequest));
        Assert.Superset(new HashSet<string> { "request.organisation.id", "request.organisation.name", "request.organisation.type", "request.organisation.signingKey", "request.admin.signingKey" }, bad.ToHashSet());
        Assert.Contains("policy.rules[0].numerator", Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals",
            new { action = "change-policy", policy = new { rules = new[] { new { action = "add-node", numerator = 3, denominator = 2 } } } }, Ct), HttpStatusCode.BadRequest)));

        // A key already in use (the founder's admin key as the newcomer's admin key): 409 naming it.
        var founderAdmin = (await node.AdminSignerAsync()).Key;
        var reused = JsonSerializer.Deserialize<JoinRequest>(made.Request.ToJson(), JsonSerializerOptions.Web)!;
        reused.Admin!.SigningKey = founderAdmin;
        reused.Node = null;
        var inUse = await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "add-organisation", request = reused }, Ct), HttpStatusCode.Conflict);
        Assert.Equal(["request.admin.signingKey"], Fields(inUse));
        var taken = JsonSerializer.Deserialize<JoinRequest>(made.Request.ToJson(), JsonSerializerOptions.Web)!;
        taken.Organisation!.Id = "fixture-hospital";
        taken.Node = null;
        Assert.Equal(["request.organisation.id"], Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "add-organisation", request = taken }, Ct), HttpStatusCode.Conflict)));

        // A node address where nothing answers: 422 naming it.
        var silent = $"http://127.0.0.1:{Ports.Free()}";
        made.Request.Node!.Address = silent;
        var unreachable = await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "add-organisation", request = made.Request }, Ct), (HttpStatusCode)422);
        Assert.Equal(["request.node.address"], Fields(unreachable));
        var addNode = await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals",
            new { action = "add-node", node = new { id = "fixture-node-9", signingKey = made.Request.Node.SigningKey, address = silent } }, Ct), (HttpStatusCode)422);
        Assert.Equal(["node.address"], Fields(addNode));

        // Unknown things.
        await Problem(await admin.GetAsync("/api/v1/consortium/proposals/nope-nope", Ct), HttpStatusCode.NotFound);
        await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals/nope-nope/votes", new { decision = "approve" }, Ct), HttpStatusCode.NotFound);
        Assert.Contains("decision", Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals/nope-nope/votes", new { decision = "maybe" }, Ct), HttpStatusCode.BadRequest)));
        Assert.Contains("organisationId", Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { action = "suspend-organisation", organisationId = "no-such-org" }, Ct), HttpStatusCode.Conflict)));

        Assert.Equal(before, (await HealthAsync(node)).Height);
        Assert.Empty(await Read<List<ProposalResponse>>(await admin.GetAsync("/api/v1/consortium/proposals", Ct)));
    }

    [Fact]
    public async Task An_expired_proposal_refuses_votes_and_withdrawal_with_409()
    {
        var clock = new OffsetClock();
        await using var node = await NodeFixture.StartAsync(clock: clock);
        using var dir = new TempDirectory();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var (_, labAdmin) = await AdmitSecondAsync(node, admin, dir);
        using (labAdmin)
        {
            await Read<ProposalResponse>(await admin.PostAsJsonAsync("/api/v1/consortium/proposals", new { id = "suspend-lab", action = "suspend-organisation", organisationId = "city-lab" }, Ct));
            clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
            admin = await node.LoginAsync("admin", NodeFixture.Password); // sessions do not last days
            var proposal = await Read<ProposalResponse>(await admin.GetAsync("/api/v1/consortium/proposals/suspend-lab", Ct));
            Assert.Equal("expired", proposal.Status);
            var before = (await HealthAsync(node)).Height;
            Assert.Contains("proposal", Fields(await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals/suspend-lab/votes", new { decision = "reject" }, Ct), HttpStatusCode.Conflict)));
            Assert.Contains("proposal", Fields(await Problem(await admin.PostAsync("/api/v1/consortium/proposals/suspend-lab/withdraw", null, Ct), HttpStatusCode.Conflict)));
            Assert.Equal(before, (await HealthAsync(node)).Height);

            // The state machine refuses a vote signed outside the node's door too (at block time).
            var raw = await SignedAsync(node, labAdmin, new VotePayload("suspend-lab", true), clock);
            Assert.Equal("Conflict", raw.Outcome);
            Assert.Contains("expired", raw.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task In_a_consortium_a_change_of_the_network_policy_becomes_a_proposal_and_applies_once_approved()
    {
        await using var node = await NodeFixture.StartAsync();
        using var dir = new TempDirectory();
        var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var (_, labAdmin) = await AdmitSecondAsync(node, admin, dir);
        using (labAdmin)
        {
            // Bad values are field errors under networkPolicy, before anything is signed.
            var height = (await HealthAsync(node)).Height;
            var bad = await Problem(await admin.PostAsJsonAsync("/api/v1/consortium/proposals",
                new { action = "change-network-policy", networkPolicy = new { careAfterDischargeDays = 3, careAfterVisitDays = 0 } }, Ct), HttpStatusCode.BadRequest);
            Assert.Equal(["networkPolicy.careAfterVisitDays"], Fields(bad));
            var badPut = await Problem(await admin.PutAsJsonAsync("/api/v1/policy", new { careAfterDischargeDays = 400, careAfterVisitDays = 14 }, Ct), HttpStatusCode.BadRequest);
            Assert.Equal(["careAfterDischargeDays"], Fields(badPut));
            Assert.Equal(height, (await HealthAsync(node)).Height);

            // Two active organisations: the founder's PUT /api/v1/policy proposes instead of refusing (202, Location the proposal).
            using var put = await admin.PutAsJsonAsync("/api/v1/policy", new { version = 1, careAfterDischargeDays = 3, careAfterVisitDays = 14 }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
            var proposal = (await put.Content.ReadFromJsonAsync<ProposalResponse>(Ct))!;
            Assert.Equal($"/api/v1/consortium/proposals/{proposal.Id}", put.Headers.Location?.OriginalString);
            Assert.Equal(("change-network-policy", "open", 1, 2), (proposal.Action, proposal.Status, proposal.Approvals, proposal.Needed));
            Assert.Equal(new NetworkPolicyResponse(3, 14), proposal.NetworkPolicy);
            Assert.Contains("3 days after a discharge and 14 days after a visit", proposal.Summary, StringComparison.Ordinal);
            var unchanged = await Read<Node.Policy.PolicyResponse>(await admin.GetAsync("/api/v1/policy", Ct));
            Assert.Equal((1, 7, 30), (unchanged.Version, unchanged.CareAfterDischargeDays, unchanged.CareAfterVisitDays));

            // City Lab approves: executed, and the policy record is version 2, proved by the deciding vote's block.
            var vote = await SignedAsync(node, labAdmin, new VotePayload(proposal.Id, true));
            Assert.Equal("Ok", vote.Outcome);
            Assert.Equal("executed", (await Read<ProposalResponse>(await admin.GetAsync($"/api/v1/consortium/proposals/{proposal.Id}", Ct))).Status);
            var changed = await Read<Node.Policy.PolicyResponse>(await admin.GetAsync("/api/v1/policy", Ct));
            Assert.Equal((2, "fixture-hospital", 3, 14), (changed.Version, changed.OrganisationId, changed.CareAfterDischargeDays, changed.CareAfterVisitDays));
            Assert.Equal(vote.Height, changed.Proof!.Height);

            // A change based on an old version is 409 naming version, and nothing is proposed.
            height = (await HealthAsync(node)).Height;
            var stale = await Problem(await admin.PutAsJsonAsync("/api/v1/policy", new { version = 1, careAfterDischargeDays = 5, careAfterVisitDays = 14 }, Ct), HttpStatusCode.Conflict);
            Assert.Equal(["version"], Fields(stale));
            Assert.Equal(height, (await HealthAsync(node)).Height);
        }
    }
}
