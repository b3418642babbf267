using HealthLedger.Node.Hospital;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Api;

/// <summary>Maps outcomes to HTTP results (RFC 9457 problem details for every failure) and guards API groups.</summary>
public static class ApiResults
{
    /// <summary>200 (or <paramref name="ok"/>'s result) for success; 400 with field errors; 403; 404; 409.</summary>
    public static IResult From<T>(Outcome<T> outcome, Func<T, IResult> ok) => outcome.Kind switch
    {
        OutcomeKind.Ok => ok(outcome.Value!),
        OutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors!.ToDictionary(), detail: outcome.Message),
        OutcomeKind.Forbidden => TypedResults.Problem(statusCode: 403, title: "Forbidden", detail: outcome.Message),
        OutcomeKind.NotFound => TypedResults.Problem(statusCode: 404, title: "Not found", detail: outcome.Message),
        _ => TypedResults.Problem(statusCode: 409, title: "Not done", detail: outcome.Message),
    };

    /// <summary>
    /// Requires a bearer session (401 otherwise) whose password is not a one-time password still to be changed (403).
    /// Role rules are the hospital service's, so the UI and the API share them.
    /// </summary>
    public static RouteGroupBuilder RequireSession(this RouteGroupBuilder group)
    {
        group.RequireAuthorization(p => p.AddAuthenticationSchemes(SessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        group.AddEndpointFilter(async (context, next) =>
        {
            var session = context.HttpContext.UserSession();
            if (session is null) return TypedResults.Problem(statusCode: 401, title: "Not authenticated", detail: "The session has ended; request a new token.");
            if (session.MustChangePassword)
            {
                return TypedResults.Problem(statusCode: 403, title: "Password change required",
                    detail: "Replace your one-time password with POST /api/v1/auth/password before using the API.");
            }
            return await next(context);
        });
        group.ProducesProblem(401).ProducesProblem(403);
        return group;
    }

    /// <summary>The caller's session (after <see cref="RequireSession"/>).</summary>
    public static UserSession Session(this HttpContext context) => context.UserSession() ?? throw new InvalidOperationException("No session.");
}
