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

    /// <summary>Who is asking, for limits per caller: <c>user:&lt;id&gt;</c> for a live session, else <c>client:&lt;address&gt;</c>.</summary>
    public static string Caller(this HttpContext context) =>
        context.UserSession()?.UserId is { } user ? "user:" + user : "client:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
