using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace HealthLedger.Node.Pages;

[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(LoginThrottle.ClientPolicy)]
public sealed class LoginModel(AccountService accounts) : PageModel
{
    [BindProperty]
    public string? Username { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; set; }

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
