using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Security;

/// <summary>Finds the session behind an authenticated request.</summary>
public static class HttpContextSessions
{
    /// <summary>The caller's live session, or null.</summary>
    public static UserSession? UserSession(this HttpContext context) =>
        context.User.FindFirst(SessionAuthenticationHandler.SessionClaim)?.Value is { } token
            ? context.RequestServices.GetRequiredService<SessionStore>().Find(token)
            : null;
}
