using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(HealthLedger.Browser.Tests.SharedChromium))]

namespace HealthLedger.Browser.Tests;

/// <summary>
/// One Playwright driver and one headless Chromium (Debian's) for the whole test run, closed at its end. Each test still gets
/// browser contexts of its own (<see cref="BrowserNode.NewContextAsync"/>: own cookies, storage and cache, closed with its
/// node); launching a driver and a browser for every test cost a few CPU seconds each on CI's two cores. A browser that has
/// gone away (a crash) is replaced at the next test's start.
/// </summary>
public sealed class SharedChromium : IAsyncLifetime
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IPlaywright? s_playwright;
    private static IBrowser? s_browser;

    /// <summary>The Chromium to drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } p ? p
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
        : throw new InvalidOperationException("Chromium not found: install Debian's 'chromium' package (./test.sh does) or set CHROMIUM_PATH.");

    /// <summary>The running browser, launched on first use.</summary>
    public static async Task<IBrowser> GetAsync()
    {
        await Gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (s_browser is { IsConnected: true }) return s_browser;
            s_playwright ??= await Playwright.CreateAsync();
            s_browser = await s_playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
            });
            return s_browser;
        }
        finally
        {
            Gate.Release();
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (s_browser is not null) await s_browser.DisposeAsync();
        s_playwright?.Dispose();
        (s_browser, s_playwright) = (null, null);
    }
}
