using System.Net;
using System.Net.Http.Json;

namespace HealthLedger.Node.Tests.Api;

/// <summary>
/// HEAD is answered wherever GET is (RFC 9110 §9.3.2): the API, the health check, FHIR reads and pages give GET's status and
/// headers with no content (the API's GET routes answered HEAD with 405); the same rules apply (no session, no read); a
/// 405 names HEAD beside GET; and the connection stays usable after a HEAD answer.
/// </summary>
public class HeadRequestsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Head_answers_as_get_without_content_under_the_same_rules()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        using (var created = await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-H1", fullName = "Hedda Head", dateOfBirth = "1980-02-03", gender = "female", conditions = Array.Empty<string>() }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        foreach (var path in new[] { "/api/v1/patients", "/healthz", "/api/v1/ledger/blocks/latest", "/fhir/R4/Patient", "/login" })
        {
            using var get = await admin.GetAsync(path, Ct);
            var getBody = await get.Content.ReadAsByteArrayAsync(Ct);
            using var head = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Ct);
            Assert.True(get.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)get.StatusCode}");
            Assert.True(head.StatusCode == HttpStatusCode.OK, $"HEAD {path}: {(int)head.StatusCode}");
            Assert.NotEmpty(getBody);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", Assert.Single(head.Headers.GetValues("X-Content-Type-Options")));
            // The same connection answers the next request: a HEAD answer carries no content to mis-frame it.
            using var again = await admin.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        // The same rules as GET: without a session, refused as GET is.
        foreach (var path in new[] { "/api/v1/patients", "/fhir/R4/Patient" })
        {
            using var get = await node.Http.GetAsync(path, Ct);
            using var head = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, head.StatusCode);
        }
    }

    [Fact]
    public async Task A_method_an_address_does_not_take_is_405_naming_head_with_get()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);

        // A GET-only API address asked with DELETE: Allow names HEAD beside GET.
        using var delete = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/ledger/blocks/latest"), Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
        Assert.Equal(["GET", "HEAD"], delete.Content.Headers.Allow.Order(StringComparer.Ordinal));

        // A POST-only address asked with HEAD: still 405, naming POST only, and nothing is logged in.
        using var head = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/v1/auth/token"), Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        Assert.Equal(["POST"], head.Content.Headers.Allow);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task A_head_of_a_printout_records_nothing_and_names_get_only()
    {
        await using var node = await NodeFixture.StartAsync();
        using var admin = await node.LoginAsync("admin", NodeFixture.Password);
        string id;
        using (var created = await admin.PostAsJsonAsync("/api/v1/patients",
            new { mrn = "MRN-H2", fullName = "Pia Print", dateOfBirth = "1981-03-04", gender = "female", conditions = Array.Empty<string>() }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("id").GetString()!;
        }
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        // A GET of the whole record records a printout on the chain; a HEAD (a link checker, a monitor) used to record one too,
        // for a PDF nobody received. API and page alike: 405 with Allow: GET, and no block.
        foreach (var (client, path) in new[] { (admin, $"/api/v1/patients/{id}/record.pdf"), (browser, $"/patients/{id}?handler=RecordPdf") })
        {
            var before = await HeightAsync(node);
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), Ct);
            Assert.True(head.StatusCode == HttpStatusCode.MethodNotAllowed, $"HEAD {path}: {(int)head.StatusCode}");
            Assert.Equal(["GET"], head.Content.Headers.Allow);
            Assert.Equal(before, await HeightAsync(node));
        }
        // Another method there names GET alone too (routing's 405 added HEAD beside any GET).
        using (var delete = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/patients/{id}/record.pdf"), Ct))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
            Assert.Equal(["GET"], delete.Content.Headers.Allow);
        }
        using var get = await admin.GetAsync($"/api/v1/patients/{id}/record.pdf", Ct);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("application/pdf", get.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<ulong> HeightAsync(NodeFixture node) =>
        (await node.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/healthz", Ct)).GetProperty("height").GetUInt64();
}
