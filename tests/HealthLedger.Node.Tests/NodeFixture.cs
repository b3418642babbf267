using System.Net.Http.Json;
using HealthLedger.Core.Crypto;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.Security;
using HealthLedger.Storage;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthLedger.Node.Tests;

/// <summary>A real node: an initialised data folder and the web host listening on a free loopback port.</summary>
internal sealed partial class NodeFixture : IAsyncDisposable
{
    public const string Password = "fixture-root-password";

    /// <summary>The password users choose at their first login in tests.</summary>
    public const string ChosenPassword = "a-fresh-strong-password";

    private readonly bool _ownsFolder;

    private NodeFixture(TempDirectory folder, bool ownsFolder, WebApplication app, UserKeys admin, InitResult init)
    {
        _ownsFolder = ownsFolder;
        Folder = folder;
        App = app;
        Admin = admin;
        Init = init;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public TempDirectory Folder { get; }

    public WebApplication App { get; }

    public UserKeys Admin { get; }

    public InitResult Init { get; }

    public HttpClient Http { get; }

    public string DataPath => Folder.Combine("data");

    public static void Initialise(string dataPath) =>
        NetworkInitializer.Init(dataPath, "Fixture Hospital", Password, TimeProvider.System, Argon2Parameters.TestOnly);

    public static async Task<NodeFixture> StartAsync(TempDirectory? folder = null, TimeProvider? clock = null, long maxDocumentBytes = 50L * 1024 * 1024,
        Func<NodeOptions, NodeOptions>? configure = null, Core.Model.NetworkPolicy? policy = null)
    {
        var ownsFolder = folder is null;
        folder ??= new TempDirectory();
        var data = folder.Combine("data");
        InitResult init;
        if (!new DataDirectory(data).HasNetwork)
        {
            init = NetworkInitializer.Init(data, "Fixture Hospital", Password, TimeProvider.System, Argon2Parameters.TestOnly, networkPolicy: policy);
        }
        else
        {
            init = new InitResult("", "fixture-hospital", NetworkInitializer.AdminUser, null, "", [data]);
        }
        UserKeys admin;
        using (var keystore = Keystore.Open(new DataDirectory(data).KeystorePath))
        {
            admin = keystore.Unseal(NetworkInitializer.AdminUser, Password)!;
        }
        var options = new NodeOptions { DataDirectory = data, BatchDelay = TimeSpan.FromMilliseconds(5), PasswordHashing = Argon2Parameters.TestOnly, MaxDocumentBytes = maxDocumentBytes };
        var app = NodeHost.Build(configure?.Invoke(options) ?? options,
            "http://127.0.0.1:0", logging => logging.SetMinimumLevel(LogLevel.Warning), clock);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new NodeFixture(folder, ownsFolder, app, admin, init);
    }

    /// <summary>The admin's signer record, asked the way clients that sign their own transactions ask: proving the key.</summary>
    public async Task<SignerResponse> AdminSignerAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/ledger/signers/{Admin.Signing.PublicKey}");
        request.Headers.Add(SignerProof.Header, SignerProof.Create(Admin.Signing, DateTimeOffset.UtcNow));
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<SignerResponse>(TestContext.Current.CancellationToken))!;
    }

    public async Task<HttpResponseMessage> PostAsync(byte[] body, string path = "/api/v1/transactions")
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/octet-stream");
        return await Http.PostAsync(path, content, TestContext.Current.CancellationToken);
    }

    /// <summary>A client logged in through POST /api/v1/auth/token.</summary>
    public async Task<HttpClient> LoginAsync(string user, string password)
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/auth/token", new { username = user, password }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<TokenResponse>(TestContext.Current.CancellationToken))!;
        var client = new HttpClient { BaseAddress = Http.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.AccessToken);
        return client;
    }

    /// <summary>
    /// A client signed in to the web UI through the login form (cookie session, no redirects followed), its cookies kept in
    /// <paramref name="cookies"/> when given (for a request sent another way).
    /// </summary>
    public async Task<HttpClient> CookieLoginAsync(string user, string password, System.Net.CookieContainer? cookies = null)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies ?? new System.Net.CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = Http.BaseAddress };
        var form = await client.GetStringAsync("/login", TestContext.Current.CancellationToken);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = user,
            ["Password"] = password,
            ["__RequestVerificationToken"] = AntiforgeryToken(form),
        });
        using var login = await client.PostAsync("/login", content, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, login.StatusCode);
        return client;
    }

    /// <summary>The antiforgery token of a page's form.</summary>
    public static string AntiforgeryToken(string page) => AntiforgeryField().Match(page).Groups[1].Value;

    [System.Text.RegularExpressions.GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex AntiforgeryField();

    /// <summary>Logs in a new user with their one-time password and replaces it; returns the client and the new password.</summary>
    public async Task<HttpClient> FirstLoginAsync(string user, string oneTimePassword)
    {
        var client = await LoginAsync(user, oneTimePassword);
        const string password = ChosenPassword;
        using var change = await client.PostAsJsonAsync("/api/v1/auth/password", new { currentPassword = oneTimePassword, newPassword = password }, TestContext.Current.CancellationToken);
        change.EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>Stops the host but keeps the data folder.</summary>
    public async Task StopAsync()
    {
        await App.StopAsync(TestContext.Current.CancellationToken);
        await App.DisposeAsync();
        Admin.Dispose();
        Http.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }
        if (_ownsFolder) Folder.Dispose();
    }
}
