using System.Text.RegularExpressions;

namespace HealthLedger.Core.Model;

/// <summary>
/// Rules for an area tag: an organisational facility or site code (e.g. <c>north-campus</c>, <c>ward-block-b</c>) that a
/// patient carries and an emergency may name to narrow its scope. It is stored in plaintext state, like the custodian
/// organisation id, so it is a code of the organisation's own sites — never an address or anything about the patient.
/// </summary>
public static partial class SiteCodes
{
    /// <summary>Longest site code.</summary>
    public const int MaxLength = 40;

    /// <summary>Explains what a valid site code looks like.</summary>
    public const string Rule = "a facility or site code of 1 to 40 characters: lower-case letters, digits and '-', starting and ending with a letter or digit (not an address)";

    /// <summary>True when <paramref name="code"/> follows <see cref="Rule"/>.</summary>
    public static bool IsValid(string? code) => code is not null && Pattern().IsMatch(code);

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
