using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Security;

/// <summary>Log-in request: user name and password.</summary>
public sealed record TokenRequest(string? Username, string? Password);

/// <summary>A bearer access token and whom it is for.</summary>
public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt, string UserId, string Role, bool MustChangePassword);

/// <summary>Password change request.</summary>
public sealed record PasswordChangeRequest(string? CurrentPassword, string? NewPassword);

/// <summary>/api/v1/auth: tokens, password change, logout.</summary>
public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTags("Authentication");
        group.MapPost("/token", (TokenRequest request, HttpContext http, AccountService accounts) =>
        {
            var outcome = accounts.Login(request.Username, request.Password);
            if (outcome.Session is not { } s)
            {
                if (outcome.RetryAfter is { } wait)
                {
                    // Refused for the account: the same 429 problem as one refused for the address (LoginThrottle's policy).
                    return outcome.Overloaded ? Busy(http, wait, outcome.Error!) : Web.TooManyRequests.Problem(http, wait, outcome.Error!);
                }
                return Results.Problem(statusCode: 401, title: "Login refused", detail: outcome.Error);
            }
            return Results.Ok(new TokenResponse(s.Token, s.ExpiresAt, s.UserId, RoleNames.Of(s.Role), s.MustChangePassword));
        })
        .RequireRateLimiting(LoginThrottle.ClientPolicy)
        .WithName("CreateToken").WithSummary("Log in: exchange a user name and password for a bearer access token")
        .Produces<TokenResponse>().ProducesProblem(401).ProducesProblem(429).ProducesProblem(503).ProducesValidationProblem();

        group.MapPost("/password", async (PasswordChangeRequest request, HttpContext http, AccountService accounts, CancellationToken ct) =>
        {
            if (http.UserSession() is not { } session) return Results.Problem(statusCode: 401, title: "Not authenticated");
            var error = await accounts.ChangePasswordAsync(session, request.CurrentPassword, request.NewPassword, ct);
            if (error is { RetryAfter: { } wait } refused)
            {
                return refused.Overloaded ? Busy(http, wait, refused.Message) : Web.TooManyRequests.Problem(http, wait, refused.Message);
            }
            return error is { } e
                ? Results.ValidationProblem(new Dictionary<string, string[]> { [e.Field] = [e.Message] })
                : Results.NoContent();
        })
        .RequireAuthorization(p => p.AddAuthenticationSchemes(SessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
        .RequireRateLimiting(LoginThrottle.ClientPolicy)
        .WithName("ChangePassword").WithSummary("Replace the caller's password (required after a one-time password)")
        .Produces(204).ProducesValidationProblem().ProducesProblem(401).ProducesProblem(429).ProducesProblem(503);

        group.MapPost("/logout", (HttpContext http, SessionStore sessions) =>
        {
            if (http.UserSession() is { } session) sessions.Close(session.Token);
            return Results.NoContent();
        })
        .RequireAuthorization(p => p.AddAuthenticationSchemes(SessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
        .WithName("Logout").WithSummary("End the session and wipe its keys").Produces(204).ProducesProblem(401);
        return app;
    }

    // Too many password checks at once: the node's overload, answered as admission control answers it (503 "Busy").
    private static IResult Busy(HttpContext http, TimeSpan retryAfter, string detail)
    {
        Web.TooManyRequests.SetRetryAfter(http, retryAfter);
        return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy", detail: detail, type: Web.AdmissionControl.ProblemType);
    }
}
