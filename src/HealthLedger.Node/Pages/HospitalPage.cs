using System.Globalization;
using HealthLedger.Core.Records;
using HealthLedger.Node.Localization;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Pages;

/// <summary>Base of the signed-in pages: the session, field errors into ModelState, outcomes into pages.</summary>
public abstract class HospitalPage : PageModel
{
    /// <summary>The signed-in user's session (pages require sign-in; the cookie is rejected when the session ended).</summary>
    public UserSession Me => HttpContext.UserSession() ?? throw new InvalidOperationException("No session.");

    /// <summary>A one-time message carried across a redirect.</summary>
    [TempData]
    public string? Flash { get; set; }

    /// <summary>A message for the whole form (not tied to a field).</summary>
    public string? FormError { get; set; }

    /// <summary>A note that the page asked for is past the last one, which is shown instead (<see cref="Web.QueryValues.BeyondLast{T}"/>); not an error.</summary>
    public string? QueryNote { get; set; }

    /// <summary>
    /// A query value as sent (null when absent): list pages read their filters as text, so that a value they do not
    /// understand is named on the page (<see cref="Web.QueryValues"/>) instead of being dropped by model binding.
    /// </summary>
    protected string? QueryValue(string name) => Request.Query.TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>
    /// The 400 answer of a download (CSV, chart) whose query value is not understood: RFC 9457 problem details whose
    /// <c>errors</c> name the parameter, as the API answers; nothing is downloaded.
    /// </summary>
    protected IActionResult QueryProblem(string parameter, string message) =>
        new ObjectResult(new Microsoft.AspNetCore.Http.HttpValidationProblemDetails(new Dictionary<string, string[]> { [parameter] = [message] })
        {
            Status = 400,
            Title = "Bad Request",
            Detail = "The download cannot be filtered this way.",
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        })
        { StatusCode = 400, ContentTypes = { "application/problem+json" } };

    /// <summary>Puts field errors next to their inputs (<c>Input.FieldName</c>).</summary>
    protected void AddErrors(FieldErrors? errors, string prefix = "Input")
    {
        if (errors is null) return;
        foreach (var (field, messages) in errors.ToDictionary())
        {
            var property = field == "conditions" ? "ConditionsText"
                : field == "medications" || field.StartsWith("medications[", StringComparison.Ordinal) ? "MedicationsText"
                : char.ToUpperInvariant(field[0]) + field[1..];
            foreach (var message in messages) ModelState.AddModelError(prefix.Length == 0 ? property : $"{prefix}.{property}", message);
        }
    }

    /// <summary>
    /// A failed outcome as a page: 403 and 404 pages, or the form again with its messages (field errors next to the inputs
    /// of the form bound as <paramref name="prefix"/>). A write the ledger took but did not commit in time is not a failure
    /// to correct and send again: the "waiting for the ledger" page (202) with its transaction, and a registration's sign-in
    /// details, which work once it commits.
    /// </summary>
    protected IActionResult Failure<T>(Outcome<T> outcome, Func<IActionResult> showForm, string prefix = "Input")
    {
        switch (outcome.Kind)
        {
            case OutcomeKind.Pending:
                return PendingPage(outcome)!;
            case OutcomeKind.Forbidden:
                return Denied(outcome.Message);
            case OutcomeKind.NotFound:
                Response.StatusCode = 404;
                return Partial("_Message", new MessageModel("Not found", outcome.Message ?? "It does not exist."));
            case OutcomeKind.Invalid:
                AddErrors(outcome.Errors, prefix);
                FormError = "Please correct the fields marked below.";
                return showForm();
            case OutcomeKind.Conflict or OutcomeKind.Unprocessable:
                AddErrors(outcome.Errors, prefix);
                FormError = outcome.Message;
                // The form again, with the status the API answers (a client sees nothing was saved), unless the page set one.
                if (Response.StatusCode == StatusCodes.Status200OK) Response.StatusCode = outcome.Kind == OutcomeKind.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity;
                return showForm();
            default:
                FormError = outcome.Message;
                return showForm();
        }
    }

    /// <summary>
    /// For a write the ledger took but did not commit in time (<see cref="OutcomeKind.Pending"/>): the "waiting for the ledger"
    /// page with status 202, its transaction and a registration's sign-in details; null for any other outcome.
    /// </summary>
    protected IActionResult? PendingPage<T>(Outcome<T> outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Kind != OutcomeKind.Pending) return null;
        Response.StatusCode = 202;
        return Partial("_Pending", new PendingModel(outcome.TransactionId ?? "", outcome.Id, outcome.OneTimePassword));
    }

    /// <summary>The access-denied page with status 403.</summary>
    protected IActionResult Denied(string? message)
    {
        Response.StatusCode = 403;
        return Partial("_Message", new MessageModel("Access denied", message ?? "You may not open this page."));
    }

    /// <summary>
    /// A person's name instead of their id, as the signed-in user may see it (<see cref="People.PersonNames"/>: doctors by their
    /// directory name, patients by name only when their demographics are shared with the user, staff by role and id).
    /// </summary>
    public string PersonName(string userId) => HttpContext.RequestServices.GetRequiredService<People.PersonNames>().Of(Me, userId);

    /// <summary>An amount as the UI shows it: the hospital's currency code and number format (<see cref="HospitalFormat"/>).</summary>
    public static string Money(decimal amount) => HospitalFormat.Current.Money(amount);

    /// <summary>The hospital's clock and time zone.</summary>
    public HospitalTime Time => HttpContext.RequestServices.GetRequiredService<HospitalTime>();

    /// <summary>An instant in the hospital's time zone, to the minute (the page says which zone).</summary>
    public string When(DateTimeOffset at) => Time.Show(at);

    public static string EntryTitle(EntryType type) => type switch
    {
        EntryType.Admission => "Admission",
        EntryType.Visit => "Visit / consultation",
        EntryType.Transfer => "Transfer",
        EntryType.Discharge => "Discharge",
        EntryType.Charge => "Charge",
        _ => "Payment",
    };
}

/// <summary>A titled message page.</summary>
public sealed record MessageModel(string Title, string Message);

/// <summary>A write waiting for its block (<c>_Pending</c>): its transaction, and a registration's new user and one-time password.</summary>
public sealed record PendingModel(string TransactionId, string? Id, string? OneTimePassword);
