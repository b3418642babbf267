using HealthLedger.Node.Records;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;
using Task = System.Threading.Tasks.Task;
using UserSession = HealthLedger.Node.Security.UserSession;

namespace HealthLedger.Node.Fhir;

/// <summary>
/// Errors as FHIR <c>OperationOutcome</c>s with the HTTP status the FHIR RESTful API gives them (R4 http.html §3.1.0.4,
/// operationoutcome.html): 400 invalid input (one issue per field, <c>expression</c> naming it), 401, 403, 404, 406, 409,
/// 412, 415, 422 and 503 (with <c>Retry-After</c>). Messages never carry health data: they name fields, ids and rules.
/// </summary>
public static class FhirOutcomes
{
    /// <summary>An OperationOutcome with one error issue.</summary>
    public static OperationOutcome Error(OperationOutcome.IssueType code, string message, string? expression = null) => new()
    {
        Issue = [Issue(OperationOutcome.IssueSeverity.Error, code, message, expression)],
    };

    /// <summary>One issue.</summary>
    public static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType code, string message, string? expression = null) => new()
    {
        Severity = severity,
        Code = code,
        Diagnostics = message,
        Expression = expression is null ? [] : [expression],
    };

    /// <summary>The response for a status and one error issue.</summary>
    public static FhirResult Result(int status, OperationOutcome.IssueType code, string message, string? expression = null) =>
        new(Error(code, message, expression), status);

    /// <summary>400: the request is not understood (a parameter, a body).</summary>
    public static FhirResult BadRequest(string message, string? expression = null) => Result(400, OperationOutcome.IssueType.Invalid, message, expression);

    /// <summary>404: no such resource (or not one this reader may know of).</summary>
    public static FhirResult NotFound(string message) => Result(404, OperationOutcome.IssueType.NotFound, message);

    /// <summary>401 with <c>WWW-Authenticate: Bearer</c>.</summary>
    public static FhirResult Unauthenticated(string message) => new(Error(OperationOutcome.IssueType.Login, message), 401)
    {
        Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer" },
    };

    // A registration taken but not committed in time keeps its login, whose one-time password FHIR does not carry: how the
    // user gets one (the JSON API's 202 and the page show it).
    private static string PendingLogin<T>(Outcome<T> outcome) =>
        outcome.Kind == OutcomeKind.Pending && outcome.OneTimePassword is not null && outcome.Id is { } id
            ? $" Once it has committed, give the user '{id}' a one-time password with a password reset (the patient's page, or POST /api/v1/patients/{id}/password-reset)."
            : "";

    /// <summary>
    /// The response for a failed service <see cref="Outcome{T}"/>: Invalid 400 (an issue per field), Forbidden 403,
    /// NotFound 404, Conflict 409, Unprocessable 422, Busy 503 with <c>Retry-After</c>, Failed 409 (the ledger refused), Pending 202
    /// (taken, not committed within the commit timeout: a warning naming the transaction, which may still commit).
    /// <paramref name="fieldPath"/> maps the services' field names onto FHIR paths where the caller knows them.
    /// </summary>
    public static FhirResult From<T>(Outcome<T> outcome, int retryAfterSeconds = 1, Func<string, string>? fieldPath = null)
    {
        if (outcome.IsOk) throw new InvalidOperationException("Not a failure.");
        var (status, code) = outcome.Kind switch
        {
            OutcomeKind.Invalid => (400, OperationOutcome.IssueType.Invalid),
            OutcomeKind.Forbidden => (403, OperationOutcome.IssueType.Forbidden),
            OutcomeKind.NotFound => (404, OperationOutcome.IssueType.NotFound),
            OutcomeKind.Conflict => (409, OperationOutcome.IssueType.Conflict),
            OutcomeKind.Unprocessable => (422, OperationOutcome.IssueType.Processing),
            OutcomeKind.Busy => (503, OperationOutcome.IssueType.Transient),
            OutcomeKind.Stopped => (503, OperationOutcome.IssueType.Exception),
            OutcomeKind.Pending => (202, OperationOutcome.IssueType.Incomplete),
            _ => (409, OperationOutcome.IssueType.Processing),
        };
        var result = new OperationOutcome();
        if (outcome.Errors is { IsEmpty: false } errors)
        {
            foreach (var (field, messages) in errors.ToDictionary())
            {
                foreach (var message in messages)
                {
                    result.Issue.Add(Issue(OperationOutcome.IssueSeverity.Error, code, message, fieldPath is null ? field : fieldPath(field)));
                }
            }
        }
        // The outcome's message as its own first issue, unless a field's issue already says it (one issue, with its expression).
        if (result.Issue.Count == 0 || (outcome.Message is { Length: > 0 } said && outcome.Kind != OutcomeKind.Invalid
            && !result.Issue.Any(i => i.Diagnostics == said)))
        {
            // A write taken but not yet committed is a warning (202): it may still commit.
            result.Issue.Insert(0, Issue(outcome.Kind == OutcomeKind.Pending ? OperationOutcome.IssueSeverity.Warning : OperationOutcome.IssueSeverity.Error,
                code, (outcome.Message ?? "The request was refused.") + PendingLogin(outcome)));
        }
        var headers = new Dictionary<string, string>();
        if (status == 503) headers["Retry-After"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The 202's transaction: where its status is read (pending, then committed), as the JSON API's 202 says.
        if (outcome.Kind == OutcomeKind.Pending && outcome.TransactionId is { Length: > 0 } transaction) headers["Location"] = Chain.TransactionsApi.StatusPath(transaction);
        return new FhirResult(result, status) { Headers = headers };
    }
}
