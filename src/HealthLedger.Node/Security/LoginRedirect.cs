using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace HealthLedger.Node.Security;

/// <summary>
/// Where a page request without a live session is sent: <c>/login?ReturnUrl=…</c>, with <c>ended=true</c> when a session
/// had been open (its cookie named a session that has since ended: idle timeout, lifetime, logout elsewhere, restart) or
/// when a form was posted (forms are only served to signed-in users), so the login page says "You have been logged out
/// (session ended)". The return address of a form post is the form's page (its path and query without the Razor Pages
/// <c>handler</c>), as a GET, where <c>site.js</c> puts back the typed input after the login.
/// Clients that do not want HTML (<see cref="BrowserRequests.WantsHtml"/>) get 401 with the login address in <c>Location</c>.
/// </summary>
public static class LoginRedirect
{
    /// <summary>The <see cref="HttpContext.Items"/> key set when the request's cookie named a session that has ended.</summary>
    public const string SessionEndedKey = "HealthLedger.SessionEnded";

    /// <summary>The cookie handler's <c>OnRedirectToLogin</c>.</summary>
    public static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var ended = http.Items.ContainsKey(SessionEndedKey) || HttpMethods.IsPost(http.Request.Method);
        var query = new Dictionary<string, string?> { ["ReturnUrl"] = BrowserRequests.PageOf(http.Request) };
        if (ended) query["ended"] = "true";
        var location = QueryHelpers.AddQueryString(http.Request.PathBase.Add(context.Options.LoginPath).Value ?? "/login", query);
        if (!BrowserRequests.WantsHtml(http.Request))
        {
            http.Response.Headers.Location = location;
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }
        http.Response.Redirect(location);
        return Task.CompletedTask;
    }
}
