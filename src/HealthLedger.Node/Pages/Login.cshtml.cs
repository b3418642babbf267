using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace HealthLedger.Node.Pages;

[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(LoginThrottle.ClientPolicy)]
public sealed class LoginModel(AccountService accounts, Configuration.NodeOptions options) : PageModel
{
    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; set; }

    /// <summary>The session had ended (<c>?ended=true</c>, set by <see cref="LoginRedirect"/>): the page says so, and site.js keeps the form input posted.</summary>
    [BindProperty(SupportsGet = true, Name = "ended")]
    public bool Ended { get; set; }

    /// <summary>The user just logged out (<c>?loggedOut=true</c>).</summary>
    [BindProperty(SupportsGet = true, Name = "loggedOut")]
    public bool LoggedOut { get; set; }

    /// <summary>The hospital's contact details (for the forgotten-password guidance).</summary>
    public Configuration.HospitalSettings Hospital => options.Hospital;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var outcome = accounts.Login(Username, Password);
        if (outcome.Session is not { } session)
        {
            Error = outcome.Error;
            Password = null;
            if (outcome.RetryAfter is { } wait)
            {
                Response.StatusCode = outcome.Overloaded ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
                Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return Page();
        }
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            SessionAuthenticationHandler.Principal(session, CookieAuthenticationDefaults.AuthenticationScheme));
        if (session.MustChangePassword) return Redirect("/account/password");
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
