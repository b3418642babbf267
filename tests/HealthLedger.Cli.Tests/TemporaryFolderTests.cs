using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using HealthLedger.Node.Web;
using HealthLedger.Testing;

namespace HealthLedger.Cli.Tests;

/// <summary>
/// Request bodies the node cannot hold in memory and its temporary folder (ASPNETCORE_TEMP, else TMPDIR or /tmp). Break-test
/// (2026-12-07): with that folder unusable (full, read-only, missing), an API upload of more than 1 MiB sent with an
/// <c>Idempotency-Key</c> was answered 500 (the key's fingerprint spilled the body there, in clear, before the endpoint encrypted
/// it), and a page's form (the import page, a report's file) was answered 400 "Form refused … cut short", blaming the client.
/// Now the key's fingerprint is taken as the body is read (nothing spilled), and a form the folder refuses is 503 "Temporary
/// storage unavailable" with <c>Retry-After</c>, logged (event 1024), nothing saved; the folder mended, the same form goes through.
/// </summary>
public sealed partial class TemporaryFolderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_temporary_folder_that_refuses_a_form_is_answered_503_and_an_upload_with_an_idempotency_key_never_touches_it()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        var temporary = dir.Combine("temp");
        await File.WriteAllTextAsync(temporary, "a file where the temporary folder should be", Ct);
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var node = CliProcess.Start(new Dictionary<string, string?> { ["ASPNETCORE_TEMP"] = temporary }, "up", "--data", data, "--urls", url);
        await node.WaitUntilServingAsync();

        // The API: a 3 MB file checked with an Idempotency-Key (over the 1 MiB a signed-in body is held in memory for) is answered,
        // and the same request with the same key is replayed.
        using var api = new HttpClient { BaseAddress = new Uri(url) };
        using (var token = await api.PostAsJsonAsync("/api/v1/auth/token", new { username = "admin", password = CliProcess.Password }, Ct))
        {
            token.EnsureSuccessStatusCode();
            api.DefaultRequestHeaders.Authorization = new("Bearer", (await token.Content.ReadFromJsonAsync<Token>(Ct))!.AccessToken);
        }
        var file = new byte[3_000_000];
        new Random(7).NextBytes(file);
        string? first = null;
        foreach (var replay in new[] { false, true })
        {
            using var form = new MultipartFormDataContent("fixed-boundary") { { new ByteArrayContent(file), "file", "scan.bin" } };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/verify/file") { Content = form };
            request.Headers.Add(IdempotencyKeys.Header, "check-1");
            using var response = await api.SendAsync(request, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(HttpStatusCode.OK == response.StatusCode, body);
            Assert.Equal(replay, response.Headers.Contains(IdempotencyKeys.ReplayedHeader));
            Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file)), body, StringComparison.Ordinal);
            if (replay) Assert.Equal(first, body);
            first = body;
        }

        // A body within the 1 MiB held in memory is never spilled, an Idempotency-Key or not (break-test: with a key, the
        // fingerprint's stream hid that the body was in memory and the form reader spilled its file part): a FHIR search form
        // and the import page's form with a 200 KB file are read although the temporary folder is unusable.
        var web = await CookieLoginAsync(url);
        var small = new byte[200_000];
        new Random(10).NextBytes(small);
        foreach (var key in new string?[] { null, "search-1" })
        {
            using var search = new MultipartFormDataContent("search-boundary") { { new StringContent("Nobody"), "family" }, { new ByteArrayContent(small), "attachment", "a.bin" } };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/R4/Patient/_search") { Content = search };
            if (key is not null) request.Headers.Add(IdempotencyKeys.Header, key);
            using var found = await api.SendAsync(request, Ct);
            Assert.True(HttpStatusCode.OK == found.StatusCode, await found.Content.ReadAsStringAsync(Ct));
            using var page = await PostImportAsync(web, small, key);
            Assert.True((int)page.StatusCode < 500, await page.Content.ReadAsStringAsync(Ct));
        }

        // A page's form over 1 MiB (the import page's upload) is spilled to the temporary folder while it is read: refused 503,
        // not blamed on the client, and nothing imported.
        var bundle = new byte[2_000_000];
        new Random(8).NextBytes(bundle);
        using (var refused = await PostImportAsync(web, bundle))
        {
            var page = await refused.Content.ReadAsStringAsync(Ct);
            Assert.True(HttpStatusCode.ServiceUnavailable == refused.StatusCode, page);
            Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
            Assert.Contains(ErrorPages.TemporaryStorageUnavailableTitle, page, StringComparison.Ordinal);
            Assert.DoesNotContain(temporary, page, StringComparison.Ordinal);
        }
        Assert.Contains($"[1024] The node's temporary folder {temporary} refused a form's body", node.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"total\":0", await api.GetStringAsync("/api/v1/patients", Ct), StringComparison.Ordinal);

        // The folder mended: the same form is read (the import page answers it, here with the file's error: it is no bundle).
        File.Delete(temporary);
        Directory.CreateDirectory(temporary);
        using (var read = await PostImportAsync(web, bundle))
        {
            Assert.NotEqual(HttpStatusCode.ServiceUnavailable, read.StatusCode);
            Assert.True((int)read.StatusCode < 500, await read.Content.ReadAsStringAsync(Ct));
        }
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Uploads_are_buffered_in_the_data_folder_s_owner_only_folder_not_the_machine_s_tmp()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var buffers = Path.Combine(data, "tmp");
        Directory.CreateDirectory(buffers);
        var left = Path.Combine(buffers, "ASPNETCORE_0f4d.tmp");
        await File.WriteAllTextAsync(left, "a form's body a crash left behind", Ct);
        var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var node = CliProcess.Start(new Dictionary<string, string?> { ["ASPNETCORE_TEMP"] = null }, "up", "--data", data, "--urls", url);
        await node.WaitUntilServingAsync();
        Assert.False(File.Exists(left), "a buffered body a crash left was not removed at start");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(buffers));

        // The node buffers a page's form there: with the folder gone (a file in its place), the import page's upload is refused
        // 503; with it back, read.
        var web = await CookieLoginAsync(url);
        var bundle = new byte[2_000_000];
        new Random(9).NextBytes(bundle);
        Directory.Delete(buffers);
        await File.WriteAllTextAsync(buffers, "not a folder", Ct);
        using (var refused = await PostImportAsync(web, bundle))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }
        File.Delete(buffers);
        Directory.CreateDirectory(buffers);
        using (var read = await PostImportAsync(web, bundle))
        {
            Assert.True((int)read.StatusCode < 500, await read.Content.ReadAsStringAsync(Ct));
        }

        // A second start on the same folder, refused for node.lock, leaves the running node's uploads alone (break-test: it
        // emptied tmp/ before the lock was checked).
        var inFlight = Path.Combine(buffers, "ASPNETCORE_inflight.tmp");
        await File.WriteAllTextAsync(inFlight, "an upload the running node is reading", Ct);
        var second = await CliProcess.RunAsync(new Dictionary<string, string?> { ["ASPNETCORE_TEMP"] = null }, "up", "--data", data, "--urls", $"http://127.0.0.1:{CliProcess.FreePort()}");
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("node.lock is held", second.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(inFlight), "a start refused for the lock removed the running node's upload");
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    // Break-test (2026-12-07): a symbolic link in place of tmp/ (to a shared folder) had its target made 0700 (the sticky 1777
    // lost) and another program's files in it deleted; a tmp/ that could not be made refused the whole start.
    [Theory]
    [InlineData("link")]
    [InlineData("file")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_link_in_place_of_the_upload_folder_is_used_as_it_is_and_a_file_there_is_a_warning_not_a_refused_start(string kind)
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Assert.Equal(0, (await CliProcess.RunAsync("init", "--data", data)).ExitCode);
        var buffers = Path.Combine(data, "tmp");
        var shared = dir.Combine("shared");
        var others = Path.Combine(shared, "ASPNETCORE_another-program.tmp");
        const UnixFileMode Sticky = (UnixFileMode)0x3FF | UnixFileMode.StickyBit; // 1777
        if (kind == "link")
        {
            Directory.CreateDirectory(shared);
            File.SetUnixFileMode(shared, Sticky);
            await File.WriteAllTextAsync(others, "another program's", Ct);
            File.CreateSymbolicLink(buffers, shared);
        }
        else
        {
            await File.WriteAllTextAsync(buffers, "not a folder", Ct);
        }
        var url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var node = CliProcess.Start(new Dictionary<string, string?> { ["ASPNETCORE_TEMP"] = null }, "up", "--data", data, "--urls", url);
        await node.WaitUntilServingAsync();
        var web = await CookieLoginAsync(url);
        var bundle = new byte[2_000_000];
        new Random(11).NextBytes(bundle);
        using var posted = await PostImportAsync(web, bundle);
        if (kind == "link")
        {
            Assert.Equal(Sticky, File.GetUnixFileMode(shared));
            Assert.True(File.Exists(others), "another program's file in the linked folder was deleted");
            Assert.True((int)posted.StatusCode < 500, await posted.Content.ReadAsStringAsync(Ct));
        }
        else
        {
            Assert.Contains($"warning: the folder for web form uploads being read, {buffers}, cannot be made owner-only", node.Stderr, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, posted.StatusCode);
        }
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<HttpResponseMessage> PostImportAsync(HttpClient web, byte[] bundle, string? idempotencyKey = null)
    {
        var page = await web.GetStringAsync("/import", Ct);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(Antiforgery(page)), "__RequestVerificationToken" },
            { new ByteArrayContent(bundle), "Files", "bundle.json" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/import") { Content = form };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        if (idempotencyKey is not null) request.Headers.Add(IdempotencyKeys.Header, idempotencyKey);
        return await web.SendAsync(request, Ct);
    }

    private static async Task<HttpClient> CookieLoginAsync(string url)
    {
        var web = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        var page = await web.GetStringAsync("/login", Ct);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = "admin",
            ["Password"] = CliProcess.Password,
            ["__RequestVerificationToken"] = Antiforgery(page),
        });
        using var login = await web.PostAsync("/login", form, Ct);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return web;
    }

    private static string Antiforgery(string page) => AntiforgeryField().Match(page).Groups[1].Value;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private sealed record Token(string AccessToken);
}
