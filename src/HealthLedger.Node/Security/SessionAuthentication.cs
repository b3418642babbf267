using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthLedger.Node.Security;

/// <summary>Bearer tokens from <c>POST /api/v1/auth/token</c>: each is a live session's id.</summary>
public sealed class SessionAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, SessionStore sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "Bearer";

    /// <summary>The claim holding the session id.</summary>
    public const string SessionClaim = "sid";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return Task.FromResult(AuthenticateResult.NoResult());
        var session = sessions.Find(header["Bearer ".Length..].Trim());
        if (session is null) return Task.FromResult(AuthenticateResult.Fail("The access token is unknown or expired."));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal(session, SchemeName), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        if (Web.FhirErrors.IsFhir(Request))
        {
            await Web.FhirErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized);
            return;
        }
        await Results.Problem(statusCode: 401, title: "Not authenticated",
            detail: "Send 'Authorization: Bearer <accessToken>' with a token from POST /api/v1/auth/token.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        if (Web.FhirErrors.IsFhir(Request))
        {
            await Web.FhirErrors.WriteAsync(Context, StatusCodes.Status403Forbidden, "Your role may not use this interaction.");
            return;
        }
        await Results.Problem(statusCode: 403, title: "Forbidden", detail: "Your role may not use this endpoint.").ExecuteAsync(Context);
    }

    /// <summary>The principal of a session.</summary>
    public static ClaimsPrincipal Principal(UserSession session, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(SessionClaim, session.Token),
        new Claim(ClaimTypes.Name, session.UserId),
        new Claim(ClaimTypes.Role, session.Role.ToString()),
    ], scheme));
}
