using System.Net;
using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Execution;
using HealthLedger.Core.Model;
using HealthLedger.Core.Transactions.Kinds;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// Issue 13 item 7: a user logs in at any node of their own organisation (the login is replicated on the chain, wrapped for
/// the organisation) and at no other organisation's; one user working at two nodes at once never collides on nonces.
/// </summary>
public sealed class OrganisationLoginTests : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly TempDirectory _dir = new();
    private readonly List<WebApplication> _running = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _running) await InProcessNode.StopAsync(app, Ct);
        _dir.Dispose();
    }

    [Fact]
    public async Task A_doctor_registered_at_node_1_logs_in_at_node_2_writes_at_both_at_once_and_a_password_change_reaches_node_2()
    {
        var layout = new ClusterLayout(2, Ports.FreeClusterBlock());
        NetworkInitializer.Init(_dir.Path, "Twin Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        var node1 = await StartAsync(_dir.Combine(ClusterLayout.FolderOf(1)));
        var node2 = await StartAsync(_dir.Combine(ClusterLayout.FolderOf(2)));

        using var admin = await LoginAsync(node1, "admin", NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-twin", name = "T Win", specialty = "Cardiology", department = "Cardiology", licenceNumber = "L-1" }, Ct));

        // The login (version 1, one-time password) reaches node 2 through the chain; the doctor replaces the password there.
        await InProcessNode.WaitAsync("node 2 has the doctor's login", () => Node(node2).GetState(StateKeys.Login("dr-twin")) is not null, Ct);
        using (var first = await LoginAsync(node2, "dr-twin", doctor.OneTimePassword!))
        {
            using var change = await first.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = doctor.OneTimePassword, newPassword = NodeFixture.ChosenPassword }, Ct);
            Assert.True(change.IsSuccessStatusCode, await change.Content.ReadAsStringAsync(Ct));
        }
        await InProcessNode.WaitAsync("node 1 has login version 2", () => LoginVersion(node1, "dr-twin") == 2, Ct);

        // Logged in at both nodes at once, the doctor writes from both concurrently: the nodes sign in different nonce lanes.
        using var at1 = await LoginAsync(node1, "dr-twin", NodeFixture.ChosenPassword);
        using var at2 = await LoginAsync(node2, "dr-twin", NodeFixture.ChosenPassword);
        const int Writes = 12;
        var answers = await Task.WhenAll(WriteManyAsync(at1, Writes), WriteManyAsync(at2, Writes));
        var all = answers.SelectMany(a => a).ToList();
        Assert.DoesNotContain(all, a => a.Contains("nonce", StringComparison.OrdinalIgnoreCase));
        // Some lose a version race on the doctor's one record (409, retried); none is a nonce refusal, and every write lands.
        Assert.All(all, a => Assert.True(a.StartsWith("204", StringComparison.Ordinal) || a.StartsWith("409", StringComparison.Ordinal), a));
        var accepted = answers.Select(a => a.Count(x => x.StartsWith("204", StringComparison.Ordinal))).ToArray();
        Assert.Equal([Writes, Writes], accepted);
        var key = UserKey(node1, "dr-twin");
        var (lane1, lane2) = (Node(node1).UserNonceLane, Node(node2).UserNonceLane);
        Assert.NotEqual(lane1, lane2);
        await InProcessNode.WaitAsync("both nodes see every write", () => Node(node1).Tip.Height == Node(node2).Tip.Height && Node(node2).Mempool.Count == 0 && Node(node1).Mempool.Count == 0, Ct);
        // The password change signed nothing for the doctor; each write committed in a lane (accepted, or refused for a lost
        // version race: a refusal uses up its nonce too) advanced that lane by one, with no gap and no other signer.
        foreach (var (lane, count) in new[] { (lane1, accepted[0]), (lane2, accepted[1]) })
        {
            var signed = Node(node2).Store.ReadBlocks().SelectMany(b => b.Transactions)
                .Select(t => Core.Transactions.Transaction.TryDecode(t.Body, int.MaxValue, out var tx).IsOk ? tx : null)
                .Count(tx => tx is not null && tx.Signer == key && NonceLanes.Lane(tx.Nonce) == lane);
            Assert.True(signed >= count, $"lane {lane}: {signed} transactions committed for {count} accepted writes");
            Assert.Equal(NonceLanes.Compose(lane, (ulong)signed), Node(node2).Nonces(key, lane).Last);
        }

        // A password change at node 1 makes the old password fail at node 2 (once its block commits there).
        using (var change = await at1.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = NodeFixture.ChosenPassword, newPassword = "yet-another-strong-pass" }, Ct))
        {
            Assert.True(change.IsSuccessStatusCode, await change.Content.ReadAsStringAsync(Ct));
        }
        await InProcessNode.WaitAsync("node 2 has login version 3", () => LoginVersion(node2, "dr-twin") == 3, Ct);
        // Its sessions end in the block's commit handlers, which run after the state holds the new login.
        var loginHeight = Node(node2).Tip.Height;
        await InProcessNode.WaitAsync("node 2 has run the login block's handlers", () => Node(node2).AppliedHeight >= loginHeight, Ct);
        // The session at node 2 ended with the old password, as other sessions at node 1 do; the one that changed it goes on.
        using (var stale = await at2.PutAsJsonAsync("/api/v1/doctors/dr-twin/on-call", new { onCall = true }, Ct)) Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(node2, "dr-twin", NodeFixture.ChosenPassword));
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(node1, "dr-twin", NodeFixture.ChosenPassword));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(node2, "dr-twin", "yet-another-strong-pass"));

        // An admin's reset at node 2 (through the organisation escrow, which travelled with the login) reaches node 1 too.
        using var adminAt2 = await LoginAsync(node2, "admin", NodeFixture.Password);
        var reset = await Read<PasswordResetResponse>(await adminAt2.PostAsync("/api/v1/patients/dr-twin/password-reset", null, Ct));
        Assert.Equal(4UL, LoginVersion(node2, "dr-twin")); // the reset answers once its login committed
        await InProcessNode.WaitAsync("node 1 has login version 4", () => LoginVersion(node1, "dr-twin") == 4, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(node1, "dr-twin", "yet-another-strong-pass"));
        using var anonymous = new HttpClient { BaseAddress = Address(node1) };
        var token = await Read<TokenResponse>(await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = "dr-twin", password = reset.OneTimePassword }, Ct));
        Assert.True(token.MustChangePassword);
    }

    [Fact]
    public async Task The_first_admin_made_by_init_logs_in_at_a_second_node_without_a_copy_of_their_login_before_changing_their_password()
    {
        var layout = new ClusterLayout(2, Ports.FreeClusterBlock());
        NetworkInitializer.Init(_dir.Path, "Twin Hospital", NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly, cluster: layout);
        // Node 2's folder keeps no copy of the first admin's login, as a node made from the organisation's keys alone: only the
        // chain can bring it there. (init writes a copy into every node folder it makes; a node added later has none.)
        using (var keystore = Storage.Keystore.Open(new DataDirectory(_dir.Combine(ClusterLayout.FolderOf(2))).KeystorePath))
        {
            keystore.Remove(NetworkInitializer.AdminUser);
            Assert.Empty(keystore.UserIds());
        }
        var node1 = await StartAsync(_dir.Combine(ClusterLayout.FolderOf(1)));
        var node2 = await StartAsync(_dir.Combine(ClusterLayout.FolderOf(2)));

        // Node 1 publishes the login at its first start (version 1, wrapped for the organisation); node 2 opens it.
        await InProcessNode.WaitAsync("node 2 has the first admin's login", () => LoginVersion(node2, NetworkInitializer.AdminUser) == 1, Ct);
        using var anonymous = new HttpClient { BaseAddress = Address(node2) };
        var token = await Read<TokenResponse>(await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = NetworkInitializer.AdminUser, password = NodeFixture.Password }, Ct));
        Assert.Equal(("admin", false), (token.Role, token.MustChangePassword));
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(node2, NetworkInitializer.AdminUser, "not-the-admin-password"));

        // The admin works at node 2: a registration signed there with the admin's keys, opened from the chain, commits.
        using var admin = await LoginAsync(node2, NetworkInitializer.AdminUser, NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-second", name = "S Econd", specialty = "Surgery", department = "Surgery", licenceNumber = "L-3" }, Ct));
        Assert.False(string.IsNullOrEmpty(doctor.OneTimePassword));
        Assert.Equal(1UL, LoginVersion(node1, NetworkInitializer.AdminUser));
    }

    [Fact]
    public async Task A_user_of_another_organisation_cannot_log_in_and_its_node_cannot_open_the_login()
    {
        var layout = new ClusterLayout(2, Ports.FreeClusterBlock());
        var init = NetworkInitializer.InitConsortium(_dir.Combine("net"), [new FoundingOrganisation("General Hospital", OrganisationType.Hospital),
            new FoundingOrganisation("City Lab", OrganisationType.Laboratory)], layout, NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly);
        var general = await StartAsync(init.Organisations[0].Folder);
        var lab = await StartAsync(init.Organisations[1].Folder);

        using var admin = await LoginAsync(general, init.Organisations[0].AdminUser, NodeFixture.Password);
        var doctor = await Read<WriteResponse>(await admin.PostAsJsonAsync("/api/v1/doctors",
            new { doctorId = "dr-general", name = "G Eneral", specialty = "Surgery", department = "Surgery", licenceNumber = "L-2" }, Ct));
        await InProcessNode.WaitAsync("the lab's node has the login on its chain", () => Node(lab).GetState(StateKeys.Login("dr-general")) is not null, Ct);

        // At its own organisation's node the password works; at the lab's node it does not, and the lab cannot open the wrapper.
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(general, "dr-general", doctor.OneTimePassword!));
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(lab, "dr-general", doctor.OneTimePassword!));
        Assert.Null(lab.Services.GetRequiredService<AccountService>().Find("dr-general"));
        var published = SealLoginPayload.DecodeState(Node(lab).GetState(StateKeys.Login("dr-general"))!)!.Value;
        Assert.Null(ReplicatedLogin.Open("dr-general", published.Version, published.Sealed, lab.Services.GetRequiredService<OrganisationKeys>().Keys.Encryption));
        Assert.NotNull(ReplicatedLogin.Open("dr-general", published.Version, published.Sealed, general.Services.GetRequiredService<OrganisationKeys>().Keys.Encryption));
        // Nor may the lab's node publish (overwrite) the hospital's user's login.
        var forged = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Node(lab).SubmitAsNodeAsync(new SealLoginPayload("dr-general", published.Version + 1, published.Sealed), Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct));
        Assert.Contains("only a node of organisation 'general-hospital'", forged.Message, StringComparison.Ordinal);
    }

    private async Task<WebApplication> StartAsync(string folder)
    {
        var app = await InProcessNode.StartAsync(folder, Ct);
        _running.Add(app);
        return app;
    }

    private static LedgerNode Node(WebApplication app) => app.Services.GetRequiredService<LedgerNode>();

    private static ulong LoginVersion(WebApplication app, string userId) =>
        Node(app).GetState(StateKeys.Login(userId)) is { } bytes ? SealLoginPayload.DecodeState(bytes)!.Value.Version : 0;

    private static Core.Primitives.SigningPublicKey UserKey(WebApplication app, string userId) => UserRecord.TryDecode(Node(app).GetState(StateKeys.User(userId))!)!.SigningKey;

    private static async Task<List<string>> WriteManyAsync(HttpClient client, int count)
    {
        var answers = new List<string>();
        // Both sides update the doctor's one record, so a write may lose the version race (409) and is retried, as a person would.
        for (var i = 0; i < count; i++)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                using var response = await client.PutAsJsonAsync("/api/v1/doctors/dr-twin/on-call", new { onCall = i % 2 == 0 }, Ct);
                answers.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
                if (response.StatusCode != HttpStatusCode.Conflict) break;
            }
        }
        return answers;
    }

    private static Uri Address(WebApplication app) => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private static async Task<HttpStatusCode> TokenStatusAsync(WebApplication app, string user, string password)
    {
        using var anonymous = new HttpClient { BaseAddress = Address(app) };
        using var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, Ct);
        return response.StatusCode;
    }

    private static async Task<HttpClient> LoginAsync(WebApplication app, string user, string password)
    {
        using var anonymous = new HttpClient { BaseAddress = Address(app) };
        using var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, Ct);
        var token = await Read<TokenResponse>(response);
        var client = new HttpClient { BaseAddress = Address(app) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.AccessToken);
        return client;
    }

    private static async Task<T> Read<T>(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
    }
}
