using System.Net;
using System.Net.Http.Json;

namespace HealthLedger.Node.Tests.Web;

/// <summary>
/// A page request no handler of the page takes is answered as any other unknown request (<see cref="Node.Web.UnknownPageHandlerFilter"/>):
/// a POST without <c>?handler=</c> to a doctor's page (whose POST handlers are all named) rendered the page with its model
/// never filled — a 500 (NullReferenceException in Pages/Doctors/Details.cshtml).
/// </summary>
public class UnknownPageHandlerTests
{
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_post_no_handler_of_the_page_takes_is_refused_not_a_500()
    {
        await using var node = await NodeFixture.StartAsync();
        using (var admin = await node.LoginAsync("admin", NodeFixture.Password))
        using (var created = await admin.PostAsJsonAsync("/api/v1/doctors", new { doctorId = "dr-h1", name = "Hana Handler", specialty = "Medicine", department = "Ward", licenceNumber = "L-41" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using var browser = await node.CookieLoginAsync("admin", NodeFixture.Password);
        var token = NodeFixture.AntiforgeryToken(await browser.GetStringAsync("/doctors/dr-h1", Ct));

        async Task<(HttpStatusCode Status, string Allow, string Page)> PostAsync(string path)
        {
            var post = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("onCall", "true")]) };
            post.Headers.Accept.ParseAdd(BrowserAccept);
            using var answer = await browser.SendAsync(post, Ct);
            return (answer.StatusCode, string.Join(", ", answer.Content.Headers.Allow), await answer.Content.ReadAsStringAsync(Ct));
        }

        // The doctor's page takes named POST handlers only: without a name, or with one it does not have, the form is refused.
        foreach (var path in new[] { "/doctors/dr-h1", "/doctors/dr-h1?handler=Nope" })
        {
            var (status, _, page) = await PostAsync(path);
            Assert.True(status == HttpStatusCode.BadRequest, $"POST {path}: {(int)status}");
            Assert.Contains("Nothing was changed.", page, StringComparison.Ordinal);
        }
        // A page with no POST handler at all: 405 naming what it takes.
        var (listStatus, allow, _) = await PostAsync("/doctors");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, listStatus);
        Assert.Equal("GET, HEAD", allow);
        // A GET naming a handler the page does not have is the page's own GET (Razor Pages falls back to OnGet): shown, not a 500.
        using (var unknown = await browser.GetAsync("/doctors/dr-h1?handler=Nope", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        }

        // Nothing was changed: the doctor is not on call, and the page still shows with its named handlers working.
        using var reader = await node.LoginAsync("admin", NodeFixture.Password);
        Assert.DoesNotContain("dr-h1", await reader.GetStringAsync("/api/v1/doctors/on-call", Ct), StringComparison.Ordinal);
        using (var shown = await browser.GetAsync("/doctors/dr-h1", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        }
    }
}
