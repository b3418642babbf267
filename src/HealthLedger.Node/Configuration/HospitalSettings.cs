using System.Globalization;

namespace HealthLedger.Node.Configuration;

/// <summary>
/// How the hospital presents itself on screen and on paper: its name and contact details (header, printouts), the currency
/// its amounts are in (ISO 4217 code; amounts are stored as plain decimals and shown with it) and the UI language and date
/// format (a .NET culture name such as <c>en-GB</c> or <c>de-DE</c>). Kept in <c>node.json</c> under <c>"hospital"</c>.
/// </summary>
/// <param name="Name">The name shown in the header and on printouts; null means the organisation's name on the chain.</param>
/// <param name="Address">Postal address, one line (printouts); null when not set.</param>
/// <param name="Phone">Telephone number (printouts); null when not set.</param>
/// <param name="Email">Contact e-mail (printouts); null when not set.</param>
/// <param name="Currency">ISO 4217 currency code (three capital letters), default <c>EUR</c>.</param>
/// <param name="Culture">The UI language and the date and number format (a culture name), default <c>en-GB</c>.</param>
public sealed record HospitalSettings(string? Name = null, string? Address = null, string? Phone = null, string? Email = null, string Currency = "EUR", string Culture = "en-GB")
{
    /// <summary>The defaults: no name (the chain's), no contact details, EUR, en-GB.</summary>
    public static HospitalSettings Default { get; } = new();

    /// <summary>The culture of <see cref="Culture"/>.</summary>
    /// <exception cref="CultureNotFoundException">The name is not a known culture.</exception>
    public CultureInfo CultureInfo => CultureInfo.GetCultureInfo(Culture);

    /// <summary>The settings' problems as (field, message) pairs; empty when they are valid.</summary>
    public IReadOnlyList<(string Field, string Message)> Problems()
    {
        var problems = new List<(string, string)>();
        if (Currency is not { Length: 3 } || !Currency.All(char.IsAsciiLetterUpper))
        {
            problems.Add(("currency", $"'{Currency}' is not an ISO 4217 code (three capital letters such as EUR or USD)."));
        }
        try
        {
            // The invariant culture ("") is no hospital's language or format.
            if (string.IsNullOrWhiteSpace(Culture)) throw new CultureNotFoundException();
            _ = CultureInfo.GetCultureInfo(Culture, predefinedOnly: true);
        }
        catch (CultureNotFoundException)
        {
            problems.Add(("culture", AppContext.TryGetSwitch("System.Globalization.Invariant", out var invariant) && invariant
                ? $"'{Culture}' cannot be used: this program runs with invariant globalization (InvariantGlobalization), which knows no cultures."
                : $"'{Culture}' is not a known culture name (such as en-GB or de-DE)."));
        }
        return problems;
    }
}
