using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HealthLedger.Node.Configuration;
using HealthLedger.Node.Hosting;
using HealthLedger.Node.MedicalReports;
using HealthLedger.Testing;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthLedger.Node.Tests.Hosting;

/// <summary>The web UI and API over HTTPS: certificates, HSTS, Secure cookies, the public URL and trusted proxies.</summary>
public class HttpsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_on_https_serves_the_api_over_tls_with_the_self_signed_certificate_init_made()
    {
        using var folder = new TempDirectory();
        var data = folder.Combine("data");
        NodeFixture.Initialise(data);
        var pfx = new DataDirectory(data).WebCertificatePath;
        Assert.True(File.Exists(pfx), "init makes a self-signed certificate for a first run");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pfx));
        using var pinned = X509CertificateLoader.LoadPkcs12FromFile(pfx, null);

        await using var app = await StartAsync(new NodeOptions { DataDirectory = data, PasswordHashing = Core.Crypto.Argon2Parameters.TestOnly }, "https://127.0.0.1:0");
        var address = Address(app);
        Assert.StartsWith("https://", address, StringComparison.Ordinal);
        using var http = PinnedClient(address, pinned);

        using (var health = await http.GetAsync("/healthz", Ct)) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using (var login = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = NodeFixture.Password }, Ct)) login.EnsureSuccessStatusCode();

        // HSTS on HTTPS (browsers' localhost is left out by ASP.NET Core, so ask under a real name); cookies are Secure.
        using (var named = new HttpRequestMessage(HttpMethod.Get, "/healthz"))
        {
            named.Headers.Host = "records.hospital.example";
            using var response = await http.SendAsync(named, Ct);
            Assert.Contains("max-age=", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        }
        using (var page = await http.GetAsync("/login", Ct))
        {
            Assert.All(page.Headers.GetValues("Set-Cookie"), c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        }
        var cookie = app.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).Cookie;
        Assert.Equal(CookieSecurePolicy.Always, cookie.SecurePolicy);

        // A client that does not pin (or trust) the certificate gets no answer.
        using var unpinned = new HttpClient { BaseAddress = new Uri(address) };
        await Assert.ThrowsAsync<HttpRequestException>(() => unpinned.GetAsync("/healthz", Ct));
    }

    [Fact]
    public async Task A_configured_pem_certificate_and_key_are_served()
    {
        using var folder = new TempDirectory();
        var data = folder.Combine("data");
        NodeFixture.Initialise(data);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=records.hospital.example", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(folder.Combine("cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(folder.Combine("key.pem"), key.ExportPkcs8PrivateKeyPem());

        await using var app = await StartAsync(new NodeOptions
        {
            DataDirectory = data,
            PasswordHashing = Core.Crypto.Argon2Parameters.TestOnly,
            CertificatePath = folder.Combine("cert.pem"),
            CertificateKeyPath = folder.Combine("key.pem"),
        }, "https://127.0.0.1:0");
        using var http = PinnedClient(Address(app), certificate);
        using var health = await http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task With_an_https_public_url_and_a_plain_http_listener_the_login_page_still_answers_on_both()
    {
        using var folder = new TempDirectory();
        var data = folder.Combine("data");
        NodeFixture.Initialise(data);
        using var pinned = X509CertificateLoader.LoadPkcs12FromFile(new DataDirectory(data).WebCertificatePath, null);
        await using var app = await StartAsync(new NodeOptions { DataDirectory = data, PasswordHashing = Core.Crypto.Argon2Parameters.TestOnly, PublicUrl = "https://records.hospital.example" },
            "https://127.0.0.1:0;http://127.0.0.1:0");
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        foreach (var address in addresses)
        {
            using var http = PinnedClient(address, pinned);
            using var page = await http.GetAsync("/login", Ct);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{address}/login: {(int)page.StatusCode}");
        }
        var cookie = app.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme).Cookie;
        Assert.Equal(CookieSecurePolicy.Always, cookie.SecurePolicy);
    }

    [Fact]
    public void Printouts_name_the_configured_public_url_else_the_requests_own()
    {
        var configured = WebOptions.Resolve(new NodeOptions { DataDirectory = "", PublicUrl = "https://records.hospital.example/" }, null, "http://127.0.0.1:5080");
        Assert.Equal("https://records.hospital.example/verify", ReportsApi.VerifyUrl(Request(configured, "http", "127.0.0.1:5080")));
        Assert.True(configured.Https);
        var fromConfig = WebOptions.Resolve(new NodeOptions { DataDirectory = "" }, new NodeConfig("http://127.0.0.1:5080", PublicUrl: "https://hospital.example/ledger"), "http://127.0.0.1:5080");
        Assert.Equal("https://hospital.example/ledger/verify", ReportsApi.VerifyUrl(Request(fromConfig, "http", "127.0.0.1:5080")));
        var none = WebOptions.Resolve(new NodeOptions { DataDirectory = "" }, null, "http://127.0.0.1:5080");
        Assert.Equal("http://127.0.0.1:5080/verify", ReportsApi.VerifyUrl(Request(none, "http", "127.0.0.1:5080")));
        Assert.False(none.Https);
        Assert.Throws<InvalidOperationException>(() => WebOptions.Resolve(new NodeOptions { DataDirectory = "", PublicUrl = "records.hospital.example" }, null, "http://x:1"));
        Assert.Throws<InvalidOperationException>(() => WebOptions.Resolve(new NodeOptions { DataDirectory = "", KnownProxies = ["not-an-ip"] }, null, "http://x:1"));
    }

    [Fact]
    public async Task Behind_a_known_proxy_its_forwarded_https_counts_and_from_anyone_else_it_does_not()
    {
        using var folder = new TempDirectory();
        var data = folder.Combine("data");
        NodeFixture.Initialise(data);
        foreach (var (proxy, believed) in new[] { ("127.0.0.1", true), ("10.9.8.7", false) })
        {
            await using var app = await StartAsync(new NodeOptions { DataDirectory = data, PasswordHashing = Core.Crypto.Argon2Parameters.TestOnly, KnownProxies = [proxy] }, "http://127.0.0.1:0");
            using var http = new HttpClient { BaseAddress = new Uri(Address(app)) };
            using var forwarded = new HttpRequestMessage(HttpMethod.Get, "/healthz");
            forwarded.Headers.Host = "records.hospital.example";
            forwarded.Headers.Add("X-Forwarded-Proto", "https");
            using var response = await http.SendAsync(forwarded, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(believed, response.Headers.Contains("Strict-Transport-Security"));
            await app.StopAsync(Ct);
        }
    }

    private static async Task<WebApplication> StartAsync(NodeOptions options, string urls)
    {
        var app = NodeHost.Build(options with { BatchDelay = TimeSpan.FromMilliseconds(5) }, urls, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(Ct);
        return app;
    }

    private static string Address(WebApplication app) => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static HttpClient PinnedClient(string address, X509Certificate2 pinned)
    {
        var expected = pinned.GetCertHash(HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(expected);
        return new HttpClient(handler) { BaseAddress = new Uri(address) };
    }

    private static DefaultHttpContext Request(WebOptions web, string scheme, string host)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddSingleton(web).BuildServiceProvider() };
        context.Request.Scheme = scheme;
        context.Request.Host = new HostString(host);
        return context;
    }
}
