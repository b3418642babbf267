using HealthLedger.Node.Localization;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace HealthLedger.Node.Pages.Account;

[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(LoginThrottle.ClientPolicy)]
public sealed class PasswordModel(AccountService accounts, IStringLocalizer<UiText> text) : HospitalPage
{
    [BindProperty]
    public string? CurrentPassword { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    [BindProperty]
    public string? ConfirmPassword { get; set; }

    public bool Done { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (NewPassword != ConfirmPassword)
        {
            ModelState.AddModelError(nameof(ConfirmPassword), text["The two new passwords differ."]);
            return Page();
        }
        var wasOneTime = Me.MustChangePassword;
        if (await accounts.ChangePasswordAsync(Me, CurrentPassword, NewPassword, ct) is { } error)
        {
            ModelState.AddModelError(char.ToUpperInvariant(error.Field[0]) + error.Field[1..], text[error.Message]);
            if (error.RetryAfter is { } wait)
            {
                // As the login page: 429 for too many attempts for the account, 503 when the node is overloaded.
                Response.StatusCode = error.Overloaded ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
                Web.TooManyRequests.SetRetryAfter(HttpContext, wait);
            }
            return Page();
        }
        if (wasOneTime)
        {
            Flash = text["Your password was changed."];
            return Redirect("/");
        }
        Done = true;
        return Page();
    }
}
