using System.Globalization;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Web;

/// <summary>
/// The one check of the query values of list pages and list endpoints (page, pageSize, sort, flags such as desc, a choice
/// such as status, dates), so that a value the list does not understand is never dropped silently:
/// <list type="bullet">
/// <item>an endpoint answers it with 400 and a field error naming the parameter (<see cref="CheckPaging"/>,
/// <see cref="CheckChoice"/>), nothing changed;</item>
/// <item>a page shows what it shows instead and says so, as <see cref="Expenses.BudgetInput.ForQuery"/> does for
/// <c>?month=</c>: each <c>…ForPage</c> method returns the value used and, when the query's value was not understood, the
/// sentence to show ("\"-1\" is not a page (page: a whole number from 1): page 1 is shown.").</item>
/// </list>
/// A page number past the last page is not an error: the lists show the last page (<see cref="Paging.Of{T}"/>), the
/// response's <c>page</c> says which, and a page adds <see cref="BeyondLast{T}"/>'s note.
/// </summary>
public static class QueryValues
{
    /// <summary>The largest page size a list endpoint accepts.</summary>
    public const int MaxPageSize = 200;

    /// <summary>Adds field errors for a page number below 1 and a page size outside 1–<see cref="MaxPageSize"/>.</summary>
    public static FieldErrors CheckPaging(FieldErrors errors, int? page, int? pageSize)
    {
        if (page is < 1) errors.Add("page", "The page is a whole number from 1.");
        if (pageSize is < 1 or > MaxPageSize) errors.Add("pageSize", $"The page size is a whole number from 1 to {MaxPageSize}.");
        return errors;
    }

    /// <summary>Adds a field error when <paramref name="value"/> is given (not blank) and is none of <paramref name="choices"/> (any case).</summary>
    public static FieldErrors CheckChoice(FieldErrors errors, string field, string? value, IReadOnlyList<string> choices)
    {
        if (!string.IsNullOrWhiteSpace(value) && !choices.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(field, $"The {field} is one of: {string.Join(", ", choices)}.");
        }
        return errors;
    }

    /// <summary>The page number of a page's <c>?page=</c> value: 1 when absent or, with a message, when it is not a whole number from 1.</summary>
    public static (int Value, string? Problem) PageForPage(string? text) =>
        string.IsNullOrWhiteSpace(text) ? (1, null)
        : int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page >= 1 ? (page, null)
        : (1, NotUnderstood(text, "a page", "page: a whole number from 1", "page 1 is shown"));

    /// <summary>
    /// A true/false query value (<c>?desc=</c>, <c>?all=</c>): <paramref name="fallback"/> when absent or, with a message
    /// ending "<paramref name="instead"/>", when it is neither true nor false.
    /// </summary>
    public static (bool Value, string? Problem) FlagForPage(string name, string? text, bool fallback, string instead) =>
        string.IsNullOrWhiteSpace(text) ? (fallback, null)
        : bool.TryParse(text.Trim(), out var flag) ? (flag, null)
        : (fallback, NotUnderstood(text, "true or false", name, instead));

    /// <summary>
    /// A query value that is one of <paramref name="choices"/> (any case; returned as the choice is spelt): null when absent
    /// or, with a message ending "<paramref name="instead"/>", when it is none of them.
    /// </summary>
    public static (string? Value, string? Problem) ChoiceForPage(string name, string what, string? text, IReadOnlyList<string> choices, string instead)
    {
        if (string.IsNullOrWhiteSpace(text)) return (null, null);
        var choice = choices.FirstOrDefault(c => string.Equals(c, text.Trim(), StringComparison.OrdinalIgnoreCase));
        return choice is not null ? (choice, null) : (null, NotUnderstood(text, what, $"{name}: {Or(choices)}", instead));
    }

    /// <summary>A date query value (yyyy-MM-dd): null when absent or, with a message ending "<paramref name="instead"/>", when it is not a date.</summary>
    public static (DateOnly? Value, string? Problem) DateForPage(string name, string? text, string instead) =>
        string.IsNullOrWhiteSpace(text) ? (null, null)
        : DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? (date, null)
        : (null, NotUnderstood(text, "a date", $"{name}: yyyy-MM-dd", instead));

    /// <summary>The note of a page asked for past the last page (which is shown instead), or null.</summary>
    public static string? BeyondLast<T>(int asked, Page<T> shown) =>
        asked > shown.PageNumber ? $"There is no page {asked}: the last page, {shown.PageNumber} of {shown.PageCount}, is shown." : null;

    /// <summary>Several messages as one (null when there are none).</summary>
    public static string? Join(params string?[] problems) =>
        problems.Where(p => p is not null).ToList() is { Count: > 0 } all ? string.Join(" ", all) : null;

    /// <summary>"\"zzz\" is not a status (status: ordered, …): all statuses are shown." — the value cut at 20 characters, as for months.</summary>
    public static string NotUnderstood(string text, string what, string rule, string instead) =>
        $"\"{(text.Length > 20 ? text[..20] + "…" : text)}\" is not {what} ({rule}): {instead}.";

    private static string Or(IReadOnlyList<string> choices) =>
        choices.Count <= 1 ? string.Join("", choices) : string.Join(", ", choices.Take(choices.Count - 1)) + " or " + choices[^1];
}
