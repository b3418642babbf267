using System.Globalization;
using HealthLedger.Node.Records;

namespace HealthLedger.Node.Audit;

/// <summary>
/// The filter and page of a patient's access history as given in a URL's query (the API's and the page's alike), as text:
/// <see cref="Parse"/> checks it. Every field is optional.
/// </summary>
/// <param name="Who">Part of a person's name or id (case-insensitive), at most 128 characters.</param>
/// <param name="Organisation">An organisation's id or name (exact, case-insensitive); must be known to the chain.</param>
/// <param name="Category">demographics, encounters, account, reports, laboratory, medication, emergency, whole-record or other.</param>
/// <param name="Record">Part of what was read ("report", "lab order lo-1", …; case-insensitive), at most 120 characters.</param>
/// <param name="Kind">An event kind (<see cref="AccessHistoryKinds.All"/>).</param>
/// <param name="From">The first day, yyyy-MM-dd (hospital time).</param>
/// <param name="To">The last day, yyyy-MM-dd (hospital time), not before <paramref name="From"/>.</param>
/// <param name="Page">The page, from 1 (default 1).</param>
/// <param name="PageSize">Groups per page, 1 to 100 (default 20).</param>
public sealed record AccessHistoryQuery(string? Who = null, string? Organisation = null, string? Category = null, string? Record = null, string? Kind = null,
    string? From = null, string? To = null, string? Page = null, string? PageSize = null)
{
    /// <summary>Groups per page when none is asked for.</summary>
    public const int DefaultPageSize = 20;

    /// <summary>The most groups a page holds.</summary>
    public const int MaxPageSize = 100;

    /// <summary>The categories an event may carry (the filter's values).</summary>
    public static readonly IReadOnlyList<string> Categories = ["demographics", "encounters", "account", "reports", "laboratory", "medication", "emergency", "whole-record", "other"];

    /// <summary>
    /// The checked filter, or the field errors (named as the query parameters: who, organisation, category, record, kind,
    /// from, to, page, pageSize). <paramref name="organisationId"/> resolves an organisation's id or name to its id (null when unknown).
    /// </summary>
    public Outcome<AccessHistoryFilter> Parse(Func<string, string?> organisationId)
    {
        var errors = new FieldErrors();
        var who = Text(errors, "who", Who, 128);
        var record = Text(errors, "record", Record, 120);
        string? organisation = null;
        if (Text(errors, "organisation", Organisation, 200) is { } org)
        {
            organisation = organisationId(org);
            if (organisation is null) errors.Add("organisation", "No member organisation has this id or name.");
        }
        var category = Choice(errors, "category", Category, Categories);
        var kind = Choice(errors, "kind", Kind, AccessHistoryKinds.All);
        var from = Day(errors, "from", From);
        var to = Day(errors, "to", To);
        if (from is { } f && to is { } t && t < f) errors.Add("to", "The last day is before the first day.");
        var page = Number(errors, "page", Page, 1, int.MaxValue, 1, "a page number from 1");
        var size = Number(errors, "pageSize", PageSize, 1, MaxPageSize, DefaultPageSize, $"a number from 1 to {MaxPageSize}");
        return errors.IsEmpty
            ? Outcome<AccessHistoryFilter>.Ok(new AccessHistoryFilter(who, organisation, category, record, kind, from, to, page, size))
            : Outcome<AccessHistoryFilter>.Invalid(errors);
    }

    private static string? Text(FieldErrors errors, string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim();
        if (text.Length > max) errors.Add(field, $"At most {max} characters.");
        else if (text.Any(char.IsControl)) errors.Add(field, "Holds a control character.");
        else return text;
        return null;
    }

    private static string? Choice(FieldErrors errors, string field, string? value, IReadOnlyList<string> allowed)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim().ToLowerInvariant();
        if (allowed.Contains(text)) return text;
        errors.Add(field, $"Not one of {string.Join(", ", allowed)}.");
        return null;
    }

    private static DateOnly? Day(FieldErrors errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        errors.Add(field, "Not a date (yyyy-MM-dd).");
        return null;
    }

    private static int Number(FieldErrors errors, string field, string? value, int min, int max, int fallback, string expected)
    {
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        errors.Add(field, $"Not {expected}.");
        return fallback;
    }
}
