using HealthLedger.Core.Crypto;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace HealthLedger.Browser.Tests;

/// <summary>A real node on a free loopback port, and browser contexts of the run's one real headless Chromium (<see cref="SharedChromium"/>) driven by Playwright.</summary>
public sealed class BrowserNode : IAsyncDisposable
{
    public const string AdminPassword = "browser-root-password";

    /// <summary>
    /// How long a navigation or an action may take before the test fails, in ms. A bound for failure, not a wait: Playwright
    /// goes on as soon as the page is ready. Generous because CI runs the browser tests next to the other test projects on
    /// two cores, where a first chart render or a page load can take many seconds.
    /// </summary>
    public const float ActionTimeout = 60_000;

    /// <summary>How long an <c>Expect(…)</c> assertion retries before it fails, in ms (Playwright's default is 5 s).</summary>
    public const float ExpectTimeout = 20_000;

    static BrowserNode() => Assertions.SetDefaultExpectTimeout(ExpectTimeout);

    private readonly List<WebApplication> _others = [];
    private readonly List<IBrowserContext> _contexts = [];

    private BrowserNode(TempDirectory folder, WebApplication app, IBrowser browser, string url)
    {
        Folder = folder;
        App = app;
        Browser = browser;
        Url = url;
    }

    /// <summary>The web addresses of the other organisations' nodes (a consortium), in founding order after the first.</summary>
    public List<string> OtherUrls { get; } = [];

    /// <summary>The other organisations' nodes of <see cref="StartConsortiumAsync"/>, in the order of <see cref="OtherUrls"/>.</summary>
    public IReadOnlyList<WebApplication> Others => _others;

    public TempDirectory Folder { get; }
    public WebApplication App { get; }
    public string Url { get; }

    /// <summary>The run's one Chromium (<see cref="SharedChromium"/>); open pages through <see cref="NewContextAsync"/>, which closes them with this node.</summary>
    private IBrowser Browser { get; }

    /// <summary>A single-organisation node ("Browser Test Hospital"), its options changed by <paramref name="configure"/> when given.</summary>
    public static async Task<BrowserNode> StartAsync(Func<NodeOptions, NodeOptions>? configure = null)
    {
        var folder = new TempDirectory();
        var data = folder.Combine("data");
        NetworkInitializer.Init(data, "Browser Test Hospital", AdminPassword, TimeProvider.System, Argon2Parameters.TestOnly);
        var options = new NodeOptions { DataDirectory = data, BatchDelay = TimeSpan.FromMilliseconds(5), PasswordHashing = Argon2Parameters.TestOnly };
        var app = NodeHost.Build(configure is null ? options : configure(options), "http://127.0.0.1:0", logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(TestContext.Current.CancellationToken);
        return await LaunchAsync(folder, app);
    }

    /// <summary>
    /// A consortium founded in one genesis (<see cref="NetworkInitializer.InitConsortium"/>), one node per organisation in this
    /// process, every node a validator; the browser's base address is the first organisation's node, <see cref="OtherUrls"/>
    /// the others'. Each organisation's first admin is <c>admin.&lt;organisation id&gt;</c> with <see cref="AdminPassword"/>.
    /// </summary>
    public static async Task<BrowserNode> StartConsortiumAsync(IReadOnlyList<FoundingOrganisation> organisations)
    {
        var folder = new TempDirectory();
        var init = NetworkInitializer.InitConsortium(folder.Combine("net"), organisations, new ClusterLayout(organisations.Count, Ports.FreeClusterBlock()),
            AdminPassword, TimeProvider.System, Argon2Parameters.TestOnly);
        var apps = new List<WebApplication>();
        foreach (var organisation in init.Organisations)
        {
            var app = NodeHost.Build(new NodeOptions
            {
                DataDirectory = organisation.Folder,
                BatchDelay = TimeSpan.FromMilliseconds(5),
                PasswordHashing = Argon2Parameters.TestOnly,
                ConsensusTimeouts = new Consensus.EngineTimeouts(300, 100),
            }, "http://127.0.0.1:0", logging => logging.SetMinimumLevel(LogLevel.Warning));
            await app.StartAsync(TestContext.Current.CancellationToken);
            apps.Add(app);
        }
        var node = await LaunchAsync(folder, apps[0]);
        foreach (var other in apps.Skip(1))
        {
            node._others.Add(other);
            node.OtherUrls.Add(AddressOf(other));
        }
        return node;
    }

    private static string AddressOf(WebApplication app) => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static async Task<BrowserNode> LaunchAsync(TempDirectory folder, WebApplication app) =>
        new(folder, app, await SharedChromium.GetAsync(), AddressOf(app));

    /// <summary>A fresh browser context (its own cookies, storage and cache), closed when this node is disposed.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        lock (_contexts) _contexts.Add(context);
        context.SetDefaultTimeout(BrowserNode.ActionTimeout);
        return context;
    }

    /// <summary>A fresh browser context (its own cookies) with a page, at <paramref name="url"/> (default: <see cref="Url"/>).</summary>
    public async Task<IPage> NewPageAsync(string? url = null)
    {
        var context = await NewContextAsync(new() { BaseURL = url ?? Url, Locale = "en-GB", TimezoneId = "UTC" });
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        foreach (var other in _others)
        {
            await other.StopAsync();
            await other.DisposeAsync();
        }
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Folder.Dispose();
    }
}
