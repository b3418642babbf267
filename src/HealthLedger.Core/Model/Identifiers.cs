using System.Text.RegularExpressions;

namespace HealthLedger.Core.Model;

/// <summary>Rules for the identifiers the chain stores in clear (user, organisation and node ids).</summary>
public static partial class Identifiers
{
    /// <summary>Longest identifier.</summary>
    public const int MaxLength = 64;

    /// <summary>Explains what a valid identifier looks like.</summary>
    public const string Rule = "3 to 64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>True when <paramref name="id"/> follows <see cref="Rule"/>.</summary>
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
