using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HealthLedger.Node.Chain;
using HealthLedger.Node.Web;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// Security headers on every kind of response, and request bodies capped per endpoint: small before sign-in, larger after,
/// a document's size for uploads; an oversize body is a 413 (or 400) problem, never a 500.
/// </summary>
public class HeadersAndLimitsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Paths() => ["/login", "/healthz", "/api/v1/no-such-thing", "/assets/site.css", "/api/reference", "/verify", "/patients"];

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        await using var node = await NodeFixture.StartAsync();
        using var response = await node.Http.GetAsync(path, Ct);
        Assert.Contains("frame-ancestors 'none'", string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Contains("default-src 'self'", string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task Pages_allow_only_this_origins_scripts()
    {
        await using var node = await NodeFixture.StartAsync();
        using var response = await node.Http.GetAsync("/login", Ct);
        var policy = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", policy);
        Assert.DoesNotContain("onclick=", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task An_oversize_body_before_sign_in_is_refused_with_413_without_being_read_whole()
    {
        await using var node = await NodeFixture.StartAsync();
        var big = new string('x', 100 * 1024);
        using var token = await node.Http.PostAsync("/api/v1/auth/token",
            new StringContent(JsonSerializer.Serialize(new { username = "admin", password = big }), Encoding.UTF8, "application/json"), Ct);
        await AssertProblemAsync(token, HttpStatusCode.RequestEntityTooLarge);

        using var login = await node.Http.PostAsync("/login", new FormUrlEncodedContent([new("Username", "admin"), new("Password", big)]), Ct);
        Assert.True(login.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, $"{(int)login.StatusCode}");
    }

    [Fact]
    public async Task A_signed_in_endpoint_takes_ordinary_bodies_and_refuses_oversize_ones_with_413()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using var small = await admin.PostAsync("/api/v1/patients", Json(new { mrn = "MRN-S1", fullName = "Sam Small", dateOfBirth = "1980-02-03", gender = "female", conditions = Array.Empty<string>() }), Ct);
        Assert.Equal(HttpStatusCode.Created, small.StatusCode);
        using var big = await admin.PostAsync("/api/v1/patients", Json(new { mrn = "MRN-B1", fullName = new string('x', 2 * 1024 * 1024), dateOfBirth = "1980-02-03", gender = "female" }), Ct);
        await AssertProblemAsync(big, HttpStatusCode.RequestEntityTooLarge);
        // Every JSON endpoint's 413 names the body and the cap in the problem's errors, as other bad input does (patients,
        // doctors and the policy answered a bare "Content Too Large" problem).
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/v1/patients"), (HttpMethod.Post, "/api/v1/doctors"), (HttpMethod.Put, "/api/v1/policy") })
        {
            using var request = new HttpRequestMessage(method, path) { Content = Json(new { mrn = new string('x', 2 * 1024 * 1024) }) };
            using var tooLarge = await admin.SendAsync(request, Ct);
            var text = await tooLarge.Content.ReadAsStringAsync(Ct);
            Assert.True(tooLarge.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{path}: {(int)tooLarge.StatusCode} {text}");
            var body = JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("body")[0].GetString()!;
            Assert.Contains("too large", body, StringComparison.Ordinal);
            Assert.Contains("accepts up to", body, StringComparison.Ordinal);
        }
        Assert.Equal(1, (await admin.GetFromJsonAsync<JsonElement>("/api/v1/patients", Ct)).GetProperty("items").GetArrayLength()); // nothing written
    }

    /// <summary>
    /// A body sent chunked is held to its endpoint's cap by its own bytes, as one that declares its length: the server counted
    /// the chunks' framing too, so 16,000 bytes sent in 100-byte chunks were refused (413) at the anonymous 16 KiB cap, and so
    /// was a signed-in patient registration of 1,040,000 bytes in 100-byte chunks at its 1 MiB, as was a form page's body. One
    /// byte over the cap is still refused, however it is chunked, and nothing is written.
    /// </summary>
    [Fact]
    public async Task A_chunked_body_is_held_to_its_cap_by_its_bytes_not_by_its_chunks_framing()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        // Anonymous (16 KiB): a token request for nobody, its password padded: read whole and refused for its credentials.
        foreach (var (bytes, chunk, expected) in new[]
        {
            (16_000, 100, HttpStatusCode.Unauthorized), (16_384, 10, HttpStatusCode.Unauthorized),
            (16_385, 16_385, HttpStatusCode.RequestEntityTooLarge), (16_385, 100, HttpStatusCode.RequestEntityTooLarge),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/token")
            {
                Content = new PiecewiseContent(Padded("{\"username\":\"nobody\",\"password\":\"", bytes, "\"}"), chunk, "application/json"),
            };
            using var response = await node.Http.SendAsync(request, Ct);
            Assert.True(expected == response.StatusCode, $"{bytes} bytes in {chunk}-byte chunks: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
        // Signed in (1 MiB): a registration whose name is too long is refused for its name (400), not its size.
        foreach (var (bytes, expected) in new[] { (1_040_000, HttpStatusCode.BadRequest), ((int)RequestBodyLimits.Signed + 1, HttpStatusCode.RequestEntityTooLarge) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/patients")
            {
                Content = new PiecewiseContent(Padded("{\"mrn\":\"MRN-C1\",\"dateOfBirth\":\"1980-02-03\",\"gender\":\"female\",\"fullName\":\"", bytes, "\"}"), 100, "application/json"),
            };
            using var response = await admin.SendAsync(request, Ct);
            Assert.True(expected == response.StatusCode, $"{bytes} bytes: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
        // A form page (anonymous, 16 KiB): the login form without its token is refused for the token (400), not its size.
        using (var login = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new PiecewiseContent(Padded("UserName=nobody&Password=", 16_000, ""), 100, "application/x-www-form-urlencoded"),
        })
        {
            login.Headers.Accept.ParseAdd("text/html");
            using var response = await node.Http.SendAsync(login, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/v1/patients", Ct)).GetProperty("items").GetArrayLength()); // nothing written
    }

    // A body of exactly `bytes` bytes: head, 'a's, tail.
    private static byte[] Padded(string head, int bytes, string tail) =>
        Encoding.ASCII.GetBytes(head + new string('a', bytes - head.Length - tail.Length) + tail);

    /// <summary>A body of no declared length, so sent chunked, written in pieces of <c>piece</c> bytes: one chunk each.</summary>
    private sealed class PiecewiseContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly int _piece;

        public PiecewiseContent(byte[] body, int piece, string contentType)
        {
            (_body, _piece) = (body, piece);
            Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var at = 0; at < _body.Length; at += _piece) await stream.WriteAsync(_body.AsMemory(at, Math.Min(_piece, _body.Length - at)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    public static TheoryData<string, string, int, bool> RefusedBodies() => new()
    {
        { "/api/v1/auth/token", "application/json", 100 * 1024, false },
        { "/api/v1/patients", "application/json", 2 * 1024 * 1024, true },
        { "/fhir/R4/Patient/_search", "application/x-www-form-urlencoded", 1100 * 1024, true },
    };

    /// <summary>
    /// A client that sends its whole oversize body without waiting (a browser's form, a script without 100-continue) reads
    /// the 413, and the connection then serves its next request: the node read the body away after answering instead of
    /// closing with it unread, which resets the connection and can destroy the answer before the client reads it (the
    /// flake this replaces: "Error while copying content to a stream" in the test above, on a loaded machine).
    /// </summary>
    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task An_oversize_body_sent_whole_gets_its_413_and_the_connection_stays_usable(string path, string contentType, int length, bool signedIn)
    {
        await using var node = await NodeFixture.StartAsync();
        var bearer = "";
        if (signedIn)
        {
            using var admin = await node.LoginAsync("admin", NodeFixture.Password);
            bearer = $"Authorization: Bearer {admin.DefaultRequestHeaders.Authorization!.Parameter}\r\n";
        }
        var address = node.Http.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, Ct);
        var stream = tcp.GetStream();
        var host = $"Host: {address.Authority}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\n{host}{bearer}Content-Type: {contentType}\r\nContent-Length: {length}\r\n\r\n"), Ct);

        // The answer comes before any of the body is sent: the declared length is enough to refuse it.
        var (head, body) = await ReadResponseAsync(stream);
        Assert.StartsWith("HTTP/1.1 413", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection: close", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(413, JsonDocument.Parse(body).RootElement.GetProperty(path.StartsWith("/fhir", StringComparison.Ordinal) ? "resourceType" : "status") switch
        {
            { ValueKind: JsonValueKind.Number } status => status.GetInt32(),
            var type => type.GetString() == "OperationOutcome" ? 413 : 0,
        });

        // The client sends the body anyway, all of it, then asks for something else on the same connection.
        var health = await SendBodyThenHealthAsync(stream, length, host);
        Assert.Equal(0UL, health.Height);
    }

    /// <summary>
    /// Sends <paramref name="length"/> bytes of body on <paramref name="stream"/>, then <c>GET /healthz</c> on the same
    /// connection; returns its answer (which must be 200).
    /// </summary>
    private static async Task<HealthResponse> SendBodyThenHealthAsync(Stream stream, int length, string host)
    {
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'a');
        for (var sent = 0; sent < length; sent += chunk.Length) await stream.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, length - sent)), Ct);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /healthz HTTP/1.1\r\n{host}\r\n"), Ct);
        var (next, health) = await ReadResponseAsync(stream);
        Assert.StartsWith("HTTP/1.1 200", next, StringComparison.Ordinal);
        return JsonSerializer.Deserialize<HealthResponse>(health, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <summary>
    /// A signed-in browser's upload over the document limit gets the error page (413, in the layout) and a connection that still
    /// serves: showing the page runs the pipeline again for <c>/error</c>, whose own cap (16 KiB, 1 MiB read away at most) must
    /// not replace the upload's (the node then closed with the body unread, as before the lingering close).
    /// </summary>
    [Fact]
    public async Task An_oversize_upload_from_a_browser_gets_the_413_page_and_the_connection_stays_usable()
    {
        const int length = 3 * 1024 * 1024; // the cap is 1 MiB of document + 1 MiB of form
        await using var node = await NodeFixture.StartAsync(maxDocumentBytes: 1024 * 1024);
        var address = node.Http.BaseAddress!;
        var cookies = new CookieContainer();
        using (await node.CookieLoginAsync("admin", NodeFixture.Password, cookies))
        {
        }
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, Ct);
        var stream = tcp.GetStream();
        var host = $"Host: {address.Authority}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /verify HTTP/1.1\r\n{host}Accept: text/html\r\nCookie: {cookies.GetCookieHeader(address)}\r\n" +
            $"Content-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: {length}\r\n\r\n"), Ct);
        var (head, page) = await ReadResponseAsync(stream);
        Assert.StartsWith("HTTP/1.1 413", head, StringComparison.Ordinal);
        Assert.Contains("text/html", head, StringComparison.Ordinal);
        Assert.Contains("Upload refused", page, StringComparison.Ordinal);

        await SendBodyThenHealthAsync(stream, length, host);
    }

    /// <summary>
    /// <c>/verify</c> is open to anyone (its code check), but its file check needs a sign-in: a caller without a session is held
    /// to the anonymous 16 KiB before the body is read, by its declared length and, sent chunked, once 16 KiB have arrived. It
    /// had the document limit (51 MiB): a 50 MB text field was read whole before the caller was sent to the login page.
    /// </summary>
    [Fact]
    public async Task An_anonymous_upload_to_the_verify_page_is_refused_before_its_body_is_read()
    {
        await using var node = await NodeFixture.StartAsync();
        var address = node.Http.BaseAddress!;
        var head = $"POST /verify HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n";
        var field = Encoding.ASCII.GetBytes("--b0undary\r\nContent-Disposition: form-data; name=\"Title\"\r\n\r\n" + new string('a', 32 * 1024));

        // 50 MB declared and none of it sent: the declared length alone is refused, as a page and as a problem.
        foreach (var accept in new[] { "text/html", "application/json" })
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(address.Host, address.Port, Ct);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{head}Accept: {accept}\r\nContent-Length: 50000000\r\n\r\n"), Ct);
            var (answer, body) = await ReadResponseAsync(stream).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
            if (accept == "text/html")
            {
                Assert.Contains("Upload refused", body, StringComparison.Ordinal);
                Assert.Contains(RequestBodyLimits.SignInToUpload, body, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(RequestBodyLimits.SignInToUpload, JsonDocument.Parse(body).RootElement.GetProperty("errors").GetProperty("body")[0].GetString());
            }
        }

        // Sent chunked: 32 KiB of a text field, and no more. The answer comes once 16 KiB are read; nothing waits for the rest.
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(address.Host, address.Port, Ct);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{head}Accept: text/html\r\nTransfer-Encoding: chunked\r\n\r\n{field.Length:x}\r\n"), Ct);
            await stream.WriteAsync(field, Ct);
            await stream.WriteAsync("\r\n"u8.ToArray(), Ct);
            var (answer, body) = await ReadResponseAsync(stream).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
            Assert.Contains(RequestBodyLimits.SignInToUpload, body, StringComparison.Ordinal);
        }

        // The same chunked field from a signed-in browser is read: its cap is the document limit (the form lacks its token: 400).
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var form = new MultipartFormDataContent { { new StringContent(new string('a', 32 * 1024)), "Title" } };
        using var signedIn = new HttpRequestMessage(HttpMethod.Post, "/verify") { Content = form };
        signedIn.Headers.TransferEncodingChunked = true;
        signedIn.Headers.Accept.ParseAdd("text/html");
        using var read = await browser.SendAsync(signedIn, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, read.StatusCode);
        Assert.DoesNotContain("Sign in, then send the file again", await read.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    /// <summary>Reads one HTTP/1.1 response (head, and its body by Content-Length or chunks) from <paramref name="stream"/>.</summary>
    private static async Task<(string Head, string Body)> ReadResponseAsync(Stream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        int end;
        while ((end = Find(buffer, "\r\n\r\n"u8)) < 0)
        {
            Assert.True(await stream.ReadAsync(one, Ct) == 1, "the connection closed before the response's head");
            buffer.Add(one[0]);
        }
        var head = Encoding.ASCII.GetString(buffer.ToArray(), 0, end);
        var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var body = new List<byte>();
        if (lengthLine is not null)
        {
            var remaining = int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            var bytes = new byte[remaining];
            await stream.ReadExactlyAsync(bytes, Ct);
            body.AddRange(bytes);
        }
        else
        {
            Assert.Contains("Transfer-Encoding: chunked", head, StringComparison.OrdinalIgnoreCase);
            while (true)
            {
                var line = new List<byte>();
                while (Find(line, "\r\n"u8) < 0)
                {
                    await stream.ReadExactlyAsync(one, Ct);
                    line.Add(one[0]);
                }
                var size = Convert.ToInt32(Encoding.ASCII.GetString(line.ToArray(), 0, line.Count - 2), 16);
                var data = new byte[size + 2];
                await stream.ReadExactlyAsync(data, Ct);
                if (size == 0) break;
                body.AddRange(data.AsSpan(0, size).ToArray());
            }
        }
        return (head, Encoding.UTF8.GetString(body.ToArray()));
    }

    private static int Find(List<byte> buffer, ReadOnlySpan<byte> marker) =>
        buffer.Count < marker.Length || !System.Runtime.InteropServices.CollectionsMarshal.AsSpan(buffer)[^marker.Length..].SequenceEqual(marker) ? -1 : buffer.Count - marker.Length;

    [Fact]
    public async Task An_oversize_batch_is_a_413_problem_not_a_500()
    {
        await using var node = await NodeFixture.StartAsync();
        var body = new byte[TransactionsApi.MaxBatchBytes + 1024];
        // Expect: 100-continue, as a well-behaved client sends a large body: the refusal arrives before the body is sent.
        using var declared = new HttpRequestMessage(HttpMethod.Post, "/api/v1/transactions/batch") { Content = new ByteArrayContent(body) };
        declared.Content.Headers.ContentType = new("application/octet-stream");
        declared.Headers.ExpectContinue = true;
        // The client waits for the server's answer instead of sending the body after its default 1 s: on a loaded machine
        // the 413 can take longer, and a body sent into a closing connection is a broken pipe, not an answer.
        using var patient = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) }) { BaseAddress = node.Http.BaseAddress };
        await AssertProblemAsync(await patient.SendAsync(declared, Ct), HttpStatusCode.RequestEntityTooLarge);
        // A body without a declared length is cut off by the endpoint's cap: the server's 413 becomes a problem as in
        // A_signed_in_endpoint_takes_ordinary_bodies_and_refuses_oversize_ones_with_413 (sending 8 MiB undeclared here races the
        // server closing the connection after its answer, so the client sees a broken pipe instead of the answer).
        Assert.Equal(0UL, (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height);
    }

    /// <summary>
    /// An API upload whose body is over its cap (the document limit plus the form's 1 MiB) is a 413 problem like every other
    /// capped body: the upload's reader took the server's refusal for an interrupted or malformed upload (400).
    /// </summary>
    [Theory]
    [InlineData("/api/v1/verify/file")]
    [InlineData("/api/v1/patients/nobody-1/reports")] // the body is refused before the patient is looked up
    public async Task An_api_upload_over_its_cap_is_a_413_problem_not_a_400(string path)
    {
        await using var node = await NodeFixture.StartAsync(maxDocumentBytes: 1024 * 1024);
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        var before = (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;
        var form = new MultipartFormDataContent
        {
            { new StringContent("{}", Encoding.UTF8, "application/json"), "metadata" },
            { new ByteArrayContent(new byte[3 * 1024 * 1024]), "file", "scan.pdf" },
        };
        await form.LoadIntoBufferAsync(Ct); // a declared length, as a browser or a script sends
        using var response = await admin.PostAsync(path, form, Ct);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height);
    }

    [Fact]
    public async Task A_page_upload_over_the_document_limit_gets_a_readable_page_not_a_problem_document()
    {
        await using var node = await NodeFixture.StartAsync(maxDocumentBytes: 64 * 1024);
        var before = (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height;
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        foreach (var page in new[] { "/verify" })
        {
            var token = NodeFixture.AntiforgeryToken(await browser.GetStringAsync(page, Ct));
            Assert.NotEmpty(token);
            var form = new MultipartFormDataContent
            {
                { new StringContent(token), "__RequestVerificationToken" },
                { new ByteArrayContent(new byte[3 * 1024 * 1024]), "file", "scan.pdf" },
            };
            // Declared length, as a browser sends a form: the node refuses it by its size.
            await form.LoadIntoBufferAsync(Ct);
            using var response = await browser.PostAsync(page, form, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(HttpStatusCode.RequestEntityTooLarge == response.StatusCode, $"{page}: {(int)response.StatusCode} {text}");
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("The file is too large: this form accepts files of up to 64 KB", text, StringComparison.Ordinal);
            Assert.Contains("Nothing was uploaded or changed.", text, StringComparison.Ordinal);
        }
        Assert.Equal(before, (await node.Http.GetFromJsonAsync<HealthResponse>("/healthz", Ct))!.Height);
        // Other empty error answers alike: a page gets a page, the API a problem document.
        using var missing = await browser.GetAsync("/no-such-page", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("text/html", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("There is no page at this address.", await missing.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        await AssertProblemAsync(await browser.GetAsync("/api/v1/no-such-thing", Ct), HttpStatusCode.NotFound);
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal((int)status, JsonDocument.Parse(text).RootElement.GetProperty("status").GetInt32());
        }
    }
}
