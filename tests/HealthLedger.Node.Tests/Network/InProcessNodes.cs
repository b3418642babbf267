using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Core.Model;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Ledger;
using HealthLedger.Node.Security;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Network;

/// <summary>
/// Tests that run several nodes (often of several organisations) in the test process: a temporary folder, the nodes started
/// (stopped again at the end), and the steps such tests share — a consortium founded in the folder, a user's first login.
/// </summary>
public abstract class InProcessNodes : IAsyncDisposable
{
    /// <summary>The test's cancellation token.</summary>
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The test's folder (deleted at the end).</summary>
    protected TempDirectory Dir { get; } = new();

    /// <summary>The nodes started and not stopped by the test.</summary>
    protected List<WebApplication> Running { get; } = [];

    /// <summary>Stops the running nodes and deletes the folder.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var app in Running) await InProcessNode.StopAsync(app, CancellationToken.None);
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Starts the node of <paramref name="folder"/> (with <paramref name="clock"/>, or the system's; its options changed by
    /// <paramref name="configure"/> when given) and keeps it to stop at the end.
    /// </summary>
    protected async Task<WebApplication> StartAsync(string folder, TimeProvider? clock = null, Func<NodeOptions, NodeOptions>? configure = null)
    {
        var app = await InProcessNode.StartAsync(folder, Ct, clock, configure);
        Running.Add(app);
        return app;
    }

    /// <summary>A running node's ledger.</summary>
    protected static LedgerNode Node(WebApplication app) => app.Services.GetRequiredService<LedgerNode>();

    /// <summary>A consortium of the named hospitals (one node each) founded in <c>net/</c> of the test's folder; admins' password <see cref="NodeFixture.Password"/>.</summary>
    protected ConsortiumInitResult FoundHospitals(params string[] names) =>
        NetworkInitializer.InitConsortium(Dir.Combine("net"), [.. names.Select(n => new FoundingOrganisation(n, OrganisationType.Hospital))],
            new ClusterLayout(names.Length, Ports.FreeClusterBlock()), NodeFixture.Password, TimeProvider.System, Argon2Parameters.TestOnly);

    /// <summary>Logs a new user in with their one-time password and replaces it with <see cref="NodeFixture.ChosenPassword"/>.</summary>
    protected static async Task<HttpClient> FirstLoginAsync(WebApplication app, string user, string oneTimePassword)
    {
        var client = await InProcessNode.LoginAsync(app, user, oneTimePassword, Ct);
        using var change = await client.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = oneTimePassword, newPassword = NodeFixture.ChosenPassword }, Ct);
        Assert.True(change.IsSuccessStatusCode, await change.Content.ReadAsStringAsync(Ct));
        return client;
    }
}
