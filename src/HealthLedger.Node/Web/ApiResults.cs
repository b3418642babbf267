using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Web;

/// <summary>
/// Maps outcomes to typed HTTP results — RFC 9457 problem details for every failure: 400 with field errors (Invalid), 403
/// (Forbidden), 404 (NotFound), 409 with field errors (Conflict: the request conflicts with the current state), 409 (Failed: the
/// ledger refused it), 422 with field errors (Unprocessable), 503 (Busy: the mempool is full; Stopped), and 202 for a write taken
/// but not committed within the commit timeout (Pending: its transaction's id and status address) — and guards API groups.
/// </summary>
public static class ApiResults
{
    // The 202's members: what the write creates or changes (a registration's id: the login name), the transaction and its
    // status address, and a registration's one-time password (valid once it commits).
    private static Dictionary<string, object?> PendingExtensions(string? id, string? transactionId, string? oneTimePassword)
    {
        var members = new Dictionary<string, object?>();
        if (id is not null) members["id"] = id;
        members["transactionId"] = transactionId;
        members["transaction"] = Chain.TransactionsApi.StatusPath(transactionId ?? "");
        if (oneTimePassword is not null) members["oneTimePassword"] = oneTimePassword;
        return members;
    }

    /// <summary>The title of the 202 a write gets when the ledger took it but did not commit it within the commit timeout (<see cref="OutcomeKind.Pending"/>).</summary>
    public const string PendingTitle = "Accepted, not yet committed";

    /// <summary>The problem type of that 202 (RFC 9457 §3.1.1: a URI naming the kind; RFC 9110's 202 Accepted).</summary>
    public const string PendingProblemType = "https://www.rfc-editor.org/rfc/rfc9110#section-15.3.3";

    /// <summary>The title of the 503 a request gets when the node has stopped deciding blocks (damage found, its store failed).</summary>
    public const string StoppedTitle = "The node has stopped";

    /// <summary>What a request that met a stored record not matching the chain is told (event 1013); names no key or value.</summary>
    public const string DamageMessage = "A stored record does not match the chain (log event 1013): this node is stopping and will not start again " +
        "until its data folder is restored. Use another node of the network. Nothing was done or saved.";

    /// <summary>200 with <paramref name="map"/>'s body, or the outcome's problem.</summary>
    public static Results<Ok<TOut>, ValidationProblem, ProblemHttpResult> Ok<T, TOut>(Outcome<T> outcome, Func<T, TOut> map)
    {
        if (outcome.IsOk) return TypedResults.Ok(map(outcome.Value!));
        return outcome.Kind == OutcomeKind.Invalid ? Invalid(outcome) : Problem(outcome);
    }

    /// <summary>200 with <paramref name="map"/>'s body, or the outcome's problem, for reads (which have no field errors: 403, 404, 409).</summary>
    public static Results<Ok<TOut>, ProblemHttpResult> Read<T, TOut>(Outcome<T> outcome, Func<T, TOut> map) =>
        outcome.IsOk ? TypedResults.Ok(map(outcome.Value!)) : Problem(outcome);

    /// <summary>201 at <paramref name="location"/> with <paramref name="map"/>'s body, or the outcome's problem.</summary>
    public static Results<Created<TOut>, ValidationProblem, ProblemHttpResult> Created<T, TOut>(Outcome<T> outcome, Func<T, string> location, Func<T, TOut> map)
    {
        if (outcome.IsOk) return TypedResults.Created(location(outcome.Value!), map(outcome.Value!));
        return outcome.Kind == OutcomeKind.Invalid ? Invalid(outcome) : Problem(outcome);
    }

    /// <summary>204, or the outcome's problem.</summary>
    public static Results<NoContent, ValidationProblem, ProblemHttpResult> NoContent<T>(Outcome<T> outcome)
    {
        if (outcome.IsOk) return TypedResults.NoContent();
        return outcome.Kind == OutcomeKind.Invalid ? Invalid(outcome) : Problem(outcome);
    }

    /// <summary>400 with the outcome's field errors.</summary>
    public static ValidationProblem Invalid<T>(Outcome<T> outcome) => TypedResults.ValidationProblem(outcome.Errors?.ToDictionary() ?? new Dictionary<string, string[]>(), detail: outcome.Message);

    /// <summary>400 with one field's error.</summary>
    public static ValidationProblem Invalid(string field, string message) => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>The problem of a failed outcome: 403, 404, 409 (with the fields in conflict, when known; no <c>errors</c> member when none) or 422 (with the fields named).</summary>
    public static ProblemHttpResult Problem<T>(Outcome<T> outcome) => outcome.Kind switch
    {
        OutcomeKind.Conflict when outcome.Errors is null || outcome.Errors.IsEmpty => TypedResults.Problem(statusCode: 409, title: "Conflict", detail: outcome.Message,
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.10"),
        OutcomeKind.Unprocessable when outcome.Errors is null || outcome.Errors.IsEmpty => TypedResults.Problem(statusCode: 422, title: "Unprocessable content", detail: outcome.Message,
            type: "https://tools.ietf.org/html/rfc9110#section-15.5.21"),
        OutcomeKind.Conflict => TypedResults.Problem(new HttpValidationProblemDetails(outcome.Errors!.ToDictionary())
        {
            Status = 409,
            Title = "Conflict",
            Detail = outcome.Message,
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        }),
        OutcomeKind.Unprocessable => TypedResults.Problem(new HttpValidationProblemDetails(outcome.Errors!.ToDictionary())
        {
            Status = 422,
            Title = "Unprocessable content",
            Detail = outcome.Message,
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        }),
        OutcomeKind.Forbidden => TypedResults.Problem(statusCode: 403, title: "Forbidden", detail: outcome.Message),
        OutcomeKind.NotFound => TypedResults.Problem(statusCode: 404, title: "Not found", detail: outcome.Message),
        OutcomeKind.Invalid => TypedResults.Problem(statusCode: 400, title: "Bad Request", detail: outcome.Message),
        OutcomeKind.Busy => TypedResults.Problem(statusCode: 503, title: "Busy", detail: outcome.Message, type: AdmissionControl.ProblemType), // Retry-After: UseRetryAfterOnBusy
        OutcomeKind.Stopped => TypedResults.Problem(statusCode: 503, title: StoppedTitle, detail: outcome.Message),
        // Not an error but not done either: 202 (RFC 9110 §15.3.3, "might or might not eventually be acted upon"), kept by the
        // idempotency keys as any answer under 500, so a retry with the key learns the same rather than writing twice.
        OutcomeKind.Pending => TypedResults.Problem(statusCode: 202, title: PendingTitle, type: PendingProblemType,
            detail: outcome.OneTimePassword is null ? outcome.Message : $"{outcome.Message} The login is kept: the one-time password given here works once it has committed.",
            extensions: PendingExtensions(outcome.Id, outcome.TransactionId, outcome.OneTimePassword)),
        _ => TypedResults.Problem(statusCode: 409, title: "Not done", detail: outcome.Message),
    };

    /// <summary>
    /// Requires a bearer session (401 otherwise) whose password is not a one-time password still to be changed (403), and
    /// refuses a JSON body whose lists hold null items (400 naming <c>field[i]</c>, <see cref="NullElements"/>). Role rules are the feature services', so the UI and the API share them.
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
        group.AddEndpointFilter(NullElements.Filter);
        group.ProducesProblem(401).ProducesProblem(403);
        return group;
    }

    /// <summary>The caller's session (after <see cref="RequireSession"/>).</summary>
    public static UserSession Session(this HttpContext context) => context.UserSession() ?? throw new InvalidOperationException("No session.");
}
