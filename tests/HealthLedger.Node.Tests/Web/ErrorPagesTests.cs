using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Tests.Web;

/// <summary>
/// Error answers are negotiated: a browser (a page path, <c>Accept: text/html</c>) gets the error page in the app's layout
/// with a way back; the API and clients asking for JSON get an RFC 9457 problem document. A page request without a live
/// session goes to the login page, which is told when the session ended.
/// </summary>
public class ErrorPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Get(string path, string accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    // A POST of a URL-encoded body (sent chunked, without a declared length, when asked), accepting accept.
    private static HttpRequestMessage UrlEncoded(string path, string body, string accept, bool chunked = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StreamContent(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(body))) };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        if (chunked) request.Headers.TransferEncodingChunked = true;
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    // Break-it (2026-12-07): a page's form with a field given twice (two MRNs) registered the first copy; the API refuses a JSON
    // member given twice. Refused naming the field, nothing written; a checkbox's checked "true" plus its hidden "false" still binds.
    [Fact]
    public async Task A_form_field_given_twice_is_refused_naming_it_and_nothing_is_written()
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var height = (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64();
        var form = await browser.GetStringAsync("/patients/register", Ct);
        using var post = new FormUrlEncodedContent(
        [
            new("__RequestVerificationToken", NodeFixture.AntiforgeryToken(form)),
            new("Input.Mrn", "MRN-ONE"),
            new("Input.Mrn", "MRN-TWO"),
            new("Input.FullName", "Twice Given"),
            new("Input.DateOfBirth", "1985-05-06"),
            new("Input.Gender", "female"),
            new("Input.BloodGroup", "unknown"),
        ]);
        using var page = await browser.PostAsync("/patients/register", post, Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.True(page.StatusCode == HttpStatusCode.BadRequest, $"{(int)page.StatusCode}: {html}");
        Assert.Contains("The form gave &#x27;Mrn&#x27; more than once: send each field once. Nothing was changed.", html, StringComparison.Ordinal);
        Assert.Equal(height, (await node.Http.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64());
    }

    [Fact]
    public async Task A_request_whose_session_ended_while_it_ran_is_told_so_with_401_not_a_500()
    {
        // The fault: a doctor's write at node 2 was authenticated, then the password change made at node 1 reached node 2 and
        // ended the session, wiping its keys; signing the transaction threw ObjectDisposedException and the answer was a 500.
        await using var node = await NodeFixture.StartAsync();
        var token = (await node.LoginAsync("admin", NodeFixture.Password)).DefaultRequestHeaders.Authorization!.Parameter!;
        HttpContext Failed(string sessionToken)
        {
            var http = new DefaultHttpContext { RequestServices = node.App.Services };
            http.Request.Path = "/api/v1/doctors/dr-twin/on-call";
            http.Request.Method = "PUT";
            http.Request.Headers.Accept = "application/json";
            http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
                [new System.Security.Claims.Claim(SessionAuthenticationHandler.SessionClaim, sessionToken)], SessionAuthenticationHandler.SchemeName));
            http.Response.Body = new MemoryStream();
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            http.Features.Set<IExceptionHandlerFeature>(new ExceptionHandlerFeature { Error = new ObjectDisposedException("Interop+Libsodium+SecureMemoryHandle") });
            return http;
        }

        // A session no longer live (ended: its token is no longer in the store): 401 "Session ended", a problem document.
        var ended = Failed("a-session-that-has-ended");
        Assert.True(ErrorPages.SessionEndedUnder(ended, ended.Features.Get<IExceptionHandlerFeature>()!.Error));
        await ErrorPages.HandleException(ended);
        Assert.Equal(401, ended.Response.StatusCode);
        var problem = JsonDocument.Parse(((MemoryStream)ended.Response.Body).ToArray()).RootElement;
        Assert.Equal(ErrorPages.SessionEndedTitle, problem.GetProperty("title").GetString());
        Assert.Equal(ErrorPages.SessionEndedMessage, problem.GetProperty("detail").GetString());

        // A live session's disposed object is a fault of the node's own (500), as is one in a request without a session.
        var live = Failed(token);
        Assert.False(ErrorPages.SessionEndedUnder(live, live.Features.Get<IExceptionHandlerFeature>()!.Error));
        await ErrorPages.HandleException(live);
        Assert.Equal(500, live.Response.StatusCode);
        var anonymous = new DefaultHttpContext { RequestServices = node.App.Services };
        Assert.False(ErrorPages.SessionEndedUnder(anonymous, new ObjectDisposedException("x")));
    }

    [Fact]
    public async Task An_unknown_page_is_an_html_page_in_the_layout_for_a_browser_and_a_problem_for_a_json_client()
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);

        using var page = await browser.SendAsync(Get("/no-such-page", BrowserAccept), Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Page not found", html, StringComparison.Ordinal);
        Assert.Contains("data-status=\"404\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/\" data-testid=\"error-home\"", html, StringComparison.Ordinal);
        // The layout: the signed-in user's menu and log-out button.
        Assert.Contains("<nav aria-label=\"Main\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"user\">admin<", html, StringComparison.Ordinal);

        using var json = await browser.SendAsync(Get("/no-such-page", "application/json"), Ct);
        await AssertProblemAsync(json, HttpStatusCode.NotFound);
        using var api = await browser.SendAsync(Get("/api/v1/no-such-thing", BrowserAccept), Ct);
        await AssertProblemAsync(api, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_api_path_asked_for_as_html_only_is_still_a_problem_document_not_a_500()
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);

        // No problem-details writer takes "text/html" alone: the answer was an unhandled exception (500, empty body).
        using var api = await browser.SendAsync(Get("/api/v1/no-such-thing", "text/html"), Ct);
        await AssertProblemAsync(api, HttpStatusCode.NotFound);
        using var health = await browser.SendAsync(Get("/healthz/no-such-thing", "text/html"), Ct);
        await AssertProblemAsync(health, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_refused_form_is_a_page_with_the_way_back_to_the_form_for_a_browser_and_a_problem_for_a_json_client()
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);

        // No anti-forgery token: refused (400), nothing written.
        var post = new HttpRequestMessage(HttpMethod.Post, "/patients/register?keep=1") { Content = new FormUrlEncodedContent([new("Input.Mrn", "MRN-1")]) };
        post.Headers.Accept.ParseAdd(BrowserAccept);
        using var page = await browser.SendAsync(post, Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Form refused", html, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed.", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/patients/register?keep=1\" data-testid=\"error-back\"", html, StringComparison.Ordinal);

        var jsonPost = new HttpRequestMessage(HttpMethod.Post, "/patients/register") { Content = new FormUrlEncodedContent([new("Input.Mrn", "MRN-1")]) };
        jsonPost.Headers.Accept.ParseAdd("application/problem+json");
        using var json = await browser.SendAsync(jsonPost, Ct);
        await AssertProblemAsync(json, HttpStatusCode.BadRequest);

        // A form over the page's 1 MiB cap sent chunked (no declared length) is the 413 page as one with a Content-Length is,
        // not "Form refused … it may have expired" (the anti-forgery check took the cap's refusal for an unreadable form).
        using var chunked = await browser.SendAsync(UrlEncoded("/patients/register", "Input.Mrn=" + new string('a', 2 * 1024 * 1024), BrowserAccept, chunked: true), Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        // A form that takes no file is told so in its own terms, not "Upload refused … files of up to" (the login form said that).
        var tooLarge = await chunked.Content.ReadAsStringAsync(Ct);
        Assert.Contains("The form is too large: this page accepts up to 1 MB of text. Nothing was changed.", tooLarge, StringComparison.Ordinal);
        Assert.DoesNotContain("Upload refused", tooLarge, StringComparison.Ordinal);

        // The same form sent as multipart/form-data, with no file: still a form of text (it was "Upload refused … files").
        var multipart = new MultipartFormDataContent { { new StringContent(new string('a', 2 * 1024 * 1024)), "Input.Mrn" } };
        var bigMultipart = new HttpRequestMessage(HttpMethod.Post, "/patients/register") { Content = multipart };
        bigMultipart.Headers.Accept.ParseAdd(BrowserAccept);
        using var multipartRefused = await browser.SendAsync(bigMultipart, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, multipartRefused.StatusCode);
        var multipartPage = await multipartRefused.Content.ReadAsStringAsync(Ct);
        Assert.Contains("The form is too large: this page accepts up to 1 MB of text. Nothing was changed.", multipartPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Upload refused", multipartPage, StringComparison.Ordinal);

        // A body that is no form (text/plain) over the cap of a page that takes no file: its size, not "files of up to" (a break
        // test found the login page saying "The file is too large" to one).
        // Each body within what the node reads away after its 413 (RequestBodyLimits.DrainLimitFor: 1 MiB for a 16 KiB cap), so
        // the answer is not raced by a closed connection (a 2 MiB body to /login was a broken pipe on the CI machine).
        foreach (var (path, cap, bytes) in new[] { ("/patients/register", "1 MB", 2 * 1024 * 1024), ("/login", "16 KB", 64 * 1024) })
        {
            var text = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(new string('a', bytes), System.Text.Encoding.UTF8, "text/plain") };
            text.Headers.Accept.ParseAdd(BrowserAccept);
            using var textRefused = await browser.SendAsync(text, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, textRefused.StatusCode);
            var textPage = await textRefused.Content.ReadAsStringAsync(Ct);
            Assert.Contains($"The request is too large: this page accepts up to {cap}. Nothing was changed.", textPage, StringComparison.Ordinal);
            Assert.DoesNotContain("Upload refused", textPage, StringComparison.Ordinal);
            Assert.DoesNotContain("The file is too large", textPage, StringComparison.Ordinal);
        }

        // The login form over its 16 KiB cap asked for as JSON, declared or chunked: 413 naming the limit under errors.body (it
        // was a bare 400 from the antiforgery check that met the cap).
        foreach (var chunkedBody in new[] { false, true })
        {
            var login = new HttpRequestMessage(HttpMethod.Post, "/login")
            {
                Content = new StreamContent(new MemoryStream(System.Text.Encoding.ASCII.GetBytes("Input.Username=" + new string('a', 100 * 1024)))),
            };
            login.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
            if (chunkedBody) login.Headers.TransferEncodingChunked = true;
            else login.Content.Headers.ContentLength = 100 * 1024 + 15;
            login.Headers.Accept.ParseAdd("application/json");
            using var loginRefused = await node.Http.SendAsync(login, Ct);
            var text = await loginRefused.Content.ReadAsStringAsync(Ct);
            await AssertProblemAsync(loginRefused, HttpStatusCode.RequestEntityTooLarge, text);
            using var problem = JsonDocument.Parse(text);
            var body = problem.RootElement.GetProperty("errors").GetProperty("body")[0].GetString();
            Assert.Equal("The request body is too large: this page accepts up to 16 KB. Nothing was changed.", body);
        }
    }

    [Theory]
    // JSON named with a higher quality than HTML, or HTML refused: a problem (q-values were ignored: any text/html meant HTML).
    [InlineData("text/html;q=0.1, application/json", false)]
    [InlineData("application/json, text/html;q=0.5", false)]
    [InlineData("text/*;q=0.2, application/json;q=0.9", false)]
    [InlineData("application/json; charset=utf-8", false)]
    [InlineData("application/problem+json", false)]
    [InlineData("application/*+json, text/html;q=0.3", false)]
    [InlineData("text/html;q=0, */*;q=0.1", false)]
    // A JSON type named beside wildcards (axios's default), or a JSON type of its own (HAL, JSON:API, text/json).
    [InlineData("application/json, text/plain, */*", false)]
    [InlineData("application/hal+json", false)]
    [InlineData("application/vnd.api+json", false)]
    [InlineData("text/json", false)]
    // HTML preferred, JSON refused, or the two weighed alike: the page.
    [InlineData("application/json;q=0, */*", true)]
    [InlineData("application/json;q=0.4, text/html", true)]
    [InlineData("text/html, application/json", true)]
    [InlineData("*/*", true)]
    [InlineData("text/plain", true)]
    [InlineData(BrowserAccept, true)]
    public async Task The_error_answer_weighs_the_accept_headers_quality_values(string accept, bool html)
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);

        var request = new HttpRequestMessage(HttpMethod.Get, "/no-such-page");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var answer = await browser.SendAsync(request, Ct);
        if (!html)
        {
            await AssertProblemAsync(answer, HttpStatusCode.NotFound);
            return;
        }
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Page not found", await answer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_body_sent_to_an_unknown_address_or_with_a_method_it_does_not_take_is_404_or_405_not_413()
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);

        // Over the 16 KiB cap of an address with no endpoint: it was the 413 page ("Upload refused"), as if the address existed.
        foreach (var accept in new[] { BrowserAccept, "application/json" })
        {
            var post = new HttpRequestMessage(HttpMethod.Post, "/no-such-page")
            {
                Content = new MultipartFormDataContent { { new ByteArrayContent(new byte[100 * 1024]), "file", "scan.pdf" } },
            };
            post.Headers.Accept.ParseAdd(accept);
            using var answer = await browser.SendAsync(post, Ct);
            var text = await answer.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
            if (accept == BrowserAccept) Assert.Contains("Page not found", text, StringComparison.Ordinal);
            else await AssertProblemAsync(answer, HttpStatusCode.NotFound, text);
        }

        // A page that takes GET only, posted a form over its 1 MiB cap or without a token: 405 naming the methods it takes (it
        // was 413, and 400 "it may have expired" without a token).
        foreach (var size in new[] { 2 * 1024 * 1024, 10 })
        {
            var form = new HttpRequestMessage(HttpMethod.Post, "/directory") { Content = new ByteArrayContent(new byte[size]) };
            form.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
            form.Headers.Accept.ParseAdd(BrowserAccept);
            using var page = await browser.SendAsync(form, Ct);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, page.StatusCode);
            Assert.Equal(["GET", "HEAD"], page.Content.Headers.Allow);
            Assert.Contains("Not allowed", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // An address that takes GET only, posted a body over the cap: 405 naming the methods it takes (it was 413).
        var post2 = new HttpRequestMessage(HttpMethod.Post, "/healthz") { Content = new ByteArrayContent(new byte[100 * 1024]) };
        using var notAllowed = await browser.SendAsync(post2, Ct);
        await AssertProblemAsync(notAllowed, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("GET", notAllowed.Content.Headers.Allow);
    }

    [Theory]
    // The invoice's own limit (512 KiB) and the join request's (64 KiB), not the 1 MiB body cap that refused the upload.
    [InlineData("/expenses?handler=Record", "InvoiceFile", "512 KB", "/expenses?handler=Budget")]
    [InlineData("/consortium?handler=Join", "request", "64 KB", "/consortium?handler=Status")]
    public async Task An_upload_over_the_page_cap_names_the_files_own_limit(string path, string field, string limit, string textHandler)
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);

        var post = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new MultipartFormDataContent { { new ByteArrayContent(new byte[2 * 1024 * 1024]), field, "invoice.pdf" } },
        };
        post.Headers.Accept.ParseAdd(BrowserAccept);
        using var page = await browser.SendAsync(post, Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, page.StatusCode);
        Assert.Contains("Upload refused", html, StringComparison.Ordinal);
        Assert.Contains($"this form accepts files of up to {limit}.", html, StringComparison.Ordinal);

        var json = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new MultipartFormDataContent { { new ByteArrayContent(new byte[2 * 1024 * 1024]), field, "invoice.pdf" } },
        };
        json.Headers.Accept.ParseAdd("application/json");
        using var problem = await browser.SendAsync(json, Ct);
        var text = await problem.Content.ReadAsStringAsync(Ct);
        await AssertProblemAsync(problem, HttpStatusCode.RequestEntityTooLarge, text);
        using var document = JsonDocument.Parse(text);
        Assert.Equal($"The file is too large: this page accepts files of up to {limit}. Nothing was stored or changed.",
            document.RootElement.GetProperty("errors").GetProperty("body")[0].GetString());

        // The page's forms that carry no file are forms of text, told the page's cap (they were told the file's limit).
        using var textPage = await browser.SendAsync(UrlEncoded(textHandler, "x=" + new string('a', 2 * 1024 * 1024), BrowserAccept), Ct);
        var textHtml = await textPage.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, textPage.StatusCode);
        Assert.Contains("The form is too large: this page accepts up to 1 MB of text. Nothing was changed.", textHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("Upload refused", textHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_form_the_reader_refuses_is_told_why_not_that_it_may_have_expired()
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);

        // One value over the form reader's 4 MiB on an upload page (its cap is the document limit): 413 naming the field limit
        // (it was 400 "Form refused … it may have expired"), sent chunked and with a declared length.
        foreach (var chunked in new[] { true, false })
        {
            using var page = await browser.SendAsync(UrlEncoded("/verify", "Title=" + new string('a', 5 * 1024 * 1024), BrowserAccept, chunked), Ct);
            var html = await page.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, page.StatusCode);
            Assert.Contains("A field of this form is longer than this page takes (4 MB of text). Nothing was changed.", html, StringComparison.Ordinal);
            Assert.DoesNotContain("may have expired", html, StringComparison.Ordinal);
        }

        // More fields than the reader takes (1,024), well under the 1 MiB cap: 400 saying so, as a page and as a problem.
        var fields = string.Join("&", Enumerable.Range(0, 1100).Select(i => $"f{i}=x"));
        foreach (var accept in new[] { BrowserAccept, "application/json" })
        {
            var post = new HttpRequestMessage(HttpMethod.Post, "/patients/register") { Content = new StringContent(fields, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded") };
            post.Headers.Accept.ParseAdd(accept);
            using var answer = await browser.SendAsync(post, Ct);
            var text = await answer.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Contains("The form has more fields than this page takes (1,024). Nothing was changed.", text, StringComparison.Ordinal);
            if (accept != BrowserAccept) await AssertProblemAsync(answer, HttpStatusCode.BadRequest, text);
        }

        // The value over 4 MiB asked for as JSON: the same 413 shape as a body over the cap (errors.body).
        using var jsonAnswer = await browser.SendAsync(UrlEncoded("/verify", "Title=" + new string('a', 5 * 1024 * 1024), "application/json"), Ct);
        var jsonText = await jsonAnswer.Content.ReadAsStringAsync(Ct);
        await AssertProblemAsync(jsonAnswer, HttpStatusCode.RequestEntityTooLarge, jsonText);
        using (var problem = JsonDocument.Parse(jsonText))
        {
            Assert.Equal("Request body too large", problem.RootElement.GetProperty("title").GetString());
            Assert.Equal("A field of this form is longer than this page takes (4 MB of text). Nothing was changed.",
                problem.RootElement.GetProperty("errors").GetProperty("body")[0].GetString());
        }

        // A charset the node does not read, on a page: the error page saying so (it was blank), and an unknown address 404.
        var utf7 = new HttpRequestMessage(HttpMethod.Post, "/patients/register") { Content = new StringContent("x=1") };
        utf7.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-7");
        utf7.Headers.Accept.ParseAdd(BrowserAccept);
        using var utf7Page = await browser.SendAsync(utf7, Ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, utf7Page.StatusCode);
        Assert.Contains("The charset &#x27;utf-7&#x27; is not one this node reads: send the body in UTF-8.", await utf7Page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var bogus = new HttpRequestMessage(HttpMethod.Post, "/no-such-page") { Content = new StringContent("x=1") };
        bogus.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=bogus");
        using var bogusAnswer = await browser.SendAsync(bogus, Ct);
        Assert.Equal(HttpStatusCode.NotFound, bogusAnswer.StatusCode);

        // A multipart form cut short (no closing boundary): 400 saying it could not be read.
        var cut = new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"Title\"\r\n\r\nabc"));
        cut.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=b");
        var cutPost = new HttpRequestMessage(HttpMethod.Post, "/verify") { Content = cut };
        cutPost.Headers.Accept.ParseAdd(BrowserAccept);
        using var cutAnswer = await browser.SendAsync(cutPost, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, cutAnswer.StatusCode);
        Assert.Contains("The form could not be read: it was cut short or is malformed. Nothing was changed.", await cutAnswer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_multipart_text_field_over_the_form_value_limit_is_refused_on_every_page_that_takes_uploads()
    {
        await using var node = await NodeFixture.StartAsync();
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var ledger = node.App.Services.GetRequiredService<HealthLedger.Node.Ledger.LedgerNode>();
        var height = ledger.Tip.Height;
        var text = new string('a', 6 * 1024 * 1024);

        // A 6 MiB text part beside a small file, on each page whose body cap is over the 4 MiB value limit (reports and the file
        // check: the document limit; the import: 64 MiB), with a declared length and chunked: 413 naming the field limit, before
        // the page's handler or its antiforgery check runs (it was read whole into one string and passed on).
        foreach (var (path, field) in new[] { ("/verify", "Title"), ("/patients/p-1/reports/new", "Input.Summary"), ("/import", "Doctor") })
        {
            foreach (var chunked in new[] { false, true })
            {
                using var request = Multipart(path, (field, text), BrowserAccept, chunked);
                using var page = await browser.SendAsync(request, Ct);
                var html = await page.Content.ReadAsStringAsync(Ct);
                Assert.True(page.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{path} (chunked: {chunked}): {(int)page.StatusCode}");
                Assert.Contains("A field of this form is longer than this page takes (4 MB of text). Nothing was changed.", html, StringComparison.Ordinal);
                Assert.DoesNotContain("may have expired", html, StringComparison.Ordinal);
            }
        }
        // A JSON client: the 413 problem under errors.body.
        using (var json = Multipart("/verify", ("Title", text), "application/json"))
        using (var problem = await browser.SendAsync(json, Ct))
        {
            var body = await problem.Content.ReadAsStringAsync(Ct);
            await AssertProblemAsync(problem, HttpStatusCode.RequestEntityTooLarge, body);
            using var document = JsonDocument.Parse(body);
            Assert.Equal("A field of this form is longer than this page takes (4 MB of text). Nothing was changed.",
                document.RootElement.GetProperty("errors").GetProperty("body")[0].GetString());
        }
        Assert.Equal(height, ledger.Tip.Height);

        // The same 6 MiB as a file part is a file, not a field: the check of a file still takes it (up to the document limit).
        var token = NodeFixture.AntiforgeryToken(await browser.GetStringAsync("/verify", Ct));
        using var upload = Multipart("/verify", ("__RequestVerificationToken", token), BrowserAccept, file: System.Text.Encoding.ASCII.GetBytes(text));
        using var checkedFile = await browser.SendAsync(upload, Ct);
        var result = await checkedFile.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, checkedFile.StatusCode);
        Assert.Contains("No match: big.pdf is not a report file or printout on the ledger.", result, StringComparison.Ordinal);
    }

    // A multipart/form-data POST with one text part and a file part (a small one unless given), sent chunked when asked.
    private static HttpRequestMessage Multipart(string path, (string Name, string Value) field, string accept, bool chunked = false, byte[]? file = null)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(field.Value), field.Name },
            { new ByteArrayContent(file ?? "%PDF-1.4\n"u8.ToArray()), "file", "big.pdf" },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        if (chunked) request.Headers.TransferEncodingChunked = true;
        request.Headers.Accept.ParseAdd(accept);
        return request;
    }

    [Fact]
    public async Task Without_a_live_session_a_page_goes_to_the_login_page_which_says_when_the_session_ended()
    {
        await using var node = await NodeFixture.StartAsync();

        // Never signed in: to the login page, back to the page afterwards; nothing said about an ended session.
        using var stranger = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = node.Http.BaseAddress };
        using (var anonymous = await stranger.SendAsync(Get("/patients", BrowserAccept), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.Equal("/login?ReturnUrl=%2Fpatients", anonymous.Headers.Location?.OriginalString);
        }

        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        node.App.Services.GetRequiredService<SessionStore>().CloseAllOf("admin"); // the idle timeout, as far as the node knows

        using (var ended = await browser.SendAsync(Get("/patients?sort=name", BrowserAccept), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
            Assert.Equal("/login?ReturnUrl=%2Fpatients%3Fsort%3Dname&ended=true", ended.Headers.Location?.OriginalString);
        }
        // A form posted after the session ended: back to the form's page (its handler dropped), as a GET.
        var post = new HttpRequestMessage(HttpMethod.Post, "/patients/p-1/account?handler=Charge") { Content = new FormUrlEncodedContent([new("Charge.Service", "X-ray")]) };
        post.Headers.Accept.ParseAdd(BrowserAccept);
        using (var posted = await browser.SendAsync(post, Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
            Assert.Equal("/login?ReturnUrl=%2Fpatients%2Fp-1%2Faccount&ended=true", posted.Headers.Location?.OriginalString);
        }
        var login = await browser.GetStringAsync("/login?ReturnUrl=%2Fpatients&ended=true", Ct);
        Assert.Contains("You have been logged out (session ended). Log in again to continue.", login, StringComparison.Ordinal);
        Assert.Contains("data-session-ended=\"true\"", login, StringComparison.Ordinal);
        var plain = await browser.GetStringAsync("/login", Ct);
        Assert.DoesNotContain("session ended", plain, StringComparison.Ordinal);
        Assert.Contains("Forgotten your password?", plain, StringComparison.Ordinal);

        // A client that does not want HTML is told 401, with the login address.
        using var api = await browser.SendAsync(Get("/patients", "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.StartsWith("/login?ReturnUrl=", api.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? read = null)
    {
        var text = read ?? await response.Content.ReadAsStringAsync(Ct);
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("<html", text, StringComparison.OrdinalIgnoreCase);
    }
}
