using System.Text.RegularExpressions;

namespace HealthLedger.Node.Records;

/// <summary>
/// The one place that writes "X 'id' does not exist." for a 404. Only an id made of what ids are made of (ASCII letters,
/// digits, '.', '_', ':' and '-', at most 128 characters: user, organisation, record, proposal and emergency ids) is echoed;
/// anything else is left out, so text an attacker put in a URL or a body (a right-to-left override, a path, markup, a
/// control character) never comes back in a problem's <c>detail</c> or on a page.
/// </summary>
public static partial class Missing
{
    /// <summary>"Patient 'pt-…' does not exist." for an id that may be shown; "Patient does not exist (…)." otherwise; then <paramref name="hint"/>.</summary>
    public static string Message(string thing, string? id, string? hint = null)
    {
        var text = MayShow(id)
            ? $"{thing} '{id}' does not exist."
            : $"{thing} does not exist (the id given is not shown: it holds characters no id has).";
        return hint is null ? text : text + " " + hint;
    }

    /// <summary><paramref name="id"/> when it may be shown, else "(an invalid id)": for messages that name an id the caller gave.</summary>
    public static string Shown(string? id) => MayShow(id) ? id! : "(an invalid id)";

    /// <summary>True when <paramref name="id"/> is made only of the characters ids are made of.</summary>
    public static bool MayShow(string? id) => id is not null && Safe().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex Safe();
}
