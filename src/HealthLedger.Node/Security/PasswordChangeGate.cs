using Microsoft.AspNetCore.Http;

namespace HealthLedger.Node.Security;

/// <summary>Sends a web user who still has a one-time password to the password page before anything else.</summary>
public sealed class PasswordChangeGate(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        // The FHIR interface refuses a one-time password itself, with an OperationOutcome (never a redirect to a page).
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/fhir") || path.StartsWithSegments("/assets") || path.StartsWithSegments("/account/password")
            || path.StartsWithSegments("/logout") || path.StartsWithSegments("/login") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/verify")
            // The error page an error is shown on (ErrorPages re-runs the request there): a first login's password change that
            // failed (the keystore's disk full: 503) was sent back to the form without a word.
            || path.StartsWithSegments("/error"))
        {
            return next(context);
        }
        if (context.User.Identity?.IsAuthenticated == true && context.UserSession() is { MustChangePassword: true })
        {
            context.Response.Redirect("/account/password");
            return Task.CompletedTask;
        }
        return next(context);
    }
}
