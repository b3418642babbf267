using HealthLedger.Node.Configuration;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace HealthLedger.Node.Pages;

/// <summary>
/// The error page in the app's layout (<see cref="ErrorPages"/> re-executes a browser's empty error answer here as a GET):
/// what happened, that nothing was changed, and a way back (the page of a refused form, and home).
/// Answers with the original status; opened directly it is a 500 page.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel(NodeOptions options) : PageModel
{
    /// <summary>The HTTP status of the failed request.</summary>
    public int Status { get; private set; } = StatusCodes.Status500InternalServerError;

    /// <summary>The page's heading.</summary>
    public string Title { get; private set; } = "Something went wrong";

    /// <summary>What happened, in the user's terms.</summary>
    public string Message { get; private set; } = "";

    /// <summary>The page a refused form was posted from (its path and query, as a GET), or null.</summary>
    public string? Back { get; private set; }

    /// <summary>Whether a user is signed in (the page then offers no login link).</summary>
    public bool SignedIn { get; private set; }

    public void OnGet()
    {
        var reExecuted = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        Status = reExecuted?.OriginalStatusCode ?? StatusCodes.Status500InternalServerError;
        Response.StatusCode = Status;
        if (HttpContext.Items[ErrorPages.TitleKey] is string title && HttpContext.Items[ErrorPages.MessageKey] is string message)
        {
            (Title, Message) = (title, message);
        }
        else
        {
            (Title, Message) = ErrorPages.Describe(HttpContext, options);
        }
        SignedIn = HttpContext.UserSession() is not null;
        Back = HttpContext.Items[ErrorPages.BackKey] as string;
    }
}
