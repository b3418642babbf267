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

/// <summary>A real node on a free loopback port and a real headless Chromium (Debian's) driven by Playwright.</summary>
public sealed class BrowserNode : IAsyncDisposable
{
    public const string AdminPassword = "browser-admin-password";

    private BrowserNode(TempDirectory folder, WebApplication app, IPlaywright playwright, IBrowser browser, string url)
    {
        Folder = folder;
        App = app;
        Playwright = playwright;
        Browser = browser;
        Url = url;
    }

    public TempDirectory Folder { get; }
    public WebApplication App { get; }
    public IPlaywright Playwright { get; }
    public IBrowser Browser { get; }
    public string Url { get; }

    /// <summary>The Chromium to drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium.</summary>
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } p ? p
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
        : throw new InvalidOperationException("Chromium not found: install Debian's 'chromium' package (./test.sh does) or set CHROMIUM_PATH.");

    public static async Task<BrowserNode> StartAsync()
    {
        var folder = new TempDirectory();
        var data = folder.Combine("data");
        NetworkInitializer.Init(data, "Browser Test Hospital", AdminPassword, TimeProvider.System, Argon2Parameters.TestOnly);
        var app = NodeHost.Build(new NodeOptions { DataDirectory = data, BatchDelay = TimeSpan.FromMilliseconds(5), PasswordHashing = Argon2Parameters.TestOnly },
            "http://127.0.0.1:0", logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        return new BrowserNode(folder, app, playwright, browser, url);
    }

    /// <summary>A fresh browser context (its own cookies) with a page.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = Url, Locale = "en-GB", TimezoneId = "UTC" });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Folder.Dispose();
    }
}
