using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HealthLedger.Node.Web;

/// <summary>
/// What a form the form reader refused is told (ASP.NET Core's <see cref="FormOptions"/> limits: a value longer than
/// <see cref="FormOptions.ValueLengthLimit"/>, in a multipart form too (<see cref="MultipartTextLimit"/>), more fields than <see cref="FormOptions.ValueCountLimit"/>, a field name longer
/// than <see cref="FormOptions.KeyLengthLimit"/>, multipart sections or headers over their limits), for a page's form
/// (<see cref="FormReadFilter"/>) and an API endpoint's (<see cref="BindingProblems"/>) alike.
/// </summary>
internal static class FormLimits
{
    /// <summary>
    /// The status (413 for a value over its length, 400 otherwise) and message for the reader's refusal
    /// <paramref name="refusal"/> of a form sent to <paramref name="what"/> ("page", "endpoint").
    /// </summary>
    public static (int Status, string Message) Describe(InvalidDataException refusal, HttpContext http, string what)
    {
        var limits = http.RequestServices.GetService(typeof(Microsoft.Extensions.Options.IOptions<FormOptions>)) is Microsoft.Extensions.Options.IOptions<FormOptions> o
            ? o.Value
            : new FormOptions();
        var said = refusal.Message;
        if (said.Contains("value length", StringComparison.OrdinalIgnoreCase))
        {
            return (StatusCodes.Status413PayloadTooLarge, TooLong(limits.ValueLengthLimit, what));
        }
        if (said.Contains("value count", StringComparison.OrdinalIgnoreCase))
        {
            return (StatusCodes.Status400BadRequest, $"The form has more fields than this {what} takes ({limits.ValueCountLimit.ToString("N0", CultureInfo.InvariantCulture)}). Nothing was changed.");
        }
        if (said.Contains("key length", StringComparison.OrdinalIgnoreCase))
        {
            return (StatusCodes.Status400BadRequest, $"A field name of this form is longer than this {what} takes ({limits.KeyLengthLimit.ToString("N0", CultureInfo.InvariantCulture)} characters). Nothing was changed.");
        }
        return (StatusCodes.Status400BadRequest, $"The form could not be read: its sections or headers are over this {what}'s limits or malformed. Nothing was changed.");
    }

    /// <summary>
    /// What a form with a field (<paramref name="field"/>: "A field of this form", "The 'metadata' part") longer than the value
    /// limit (<paramref name="limit"/> bytes) is told by <paramref name="what"/> ("page", "endpoint").
    /// </summary>
    public static string TooLong(long limit, string what, string field = "A field of this form") =>
        $"{field} is longer than this {what} takes ({ErrorPages.Size(limit)} of text). Nothing was changed.";

    /// <summary>What a multipart form that ends before its closing boundary (or is otherwise malformed) is told.</summary>
    public const string CutShort = "The form could not be read: it was cut short or is malformed. Nothing was changed.";
}
