using System.Globalization;
using HealthLedger.Node.Configuration;

namespace HealthLedger.Node.Localization;

/// <summary>
/// How the UI shows amounts and dates for the hospital (<see cref="HospitalSettings"/>): money with the ISO 4217 code in
/// the hospital culture's number format ("EUR 1,234.50" in en-GB, "1.234,50 CHF" in de-DE), dates through <see cref="Records.HospitalTime"/>.
/// Display only: API JSON, CSV, ledger encodings and form values stay invariant (plain decimals, ISO dates).
/// </summary>
public sealed class HospitalFormat
{
    private static readonly AsyncLocal<HospitalFormat?> CurrentRequest = new();

    private readonly NumberFormatInfo _money;

    /// <summary>The format of <paramref name="settings"/>.</summary>
    /// <exception cref="InvalidOperationException">The settings' culture is unknown on this machine (or the currency is no ISO code).</exception>
    public HospitalFormat(HospitalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Problems() is [var (field, message), ..]) throw new InvalidOperationException($"hospital.{field}: {message}");
        Culture = CultureInfo.GetCultureInfo(settings.Culture);
        Currency = settings.Currency;
        _money = (NumberFormatInfo)Culture.NumberFormat.Clone();
        _money.CurrencySymbol = Currency;
        _money.CurrencyDecimalDigits = 2;
        // A code, unlike a symbol, is set off by a space on either side: "CHF 12.50", "12,50 CHF", "-CHF 12.50", "-12,50 CHF".
        var after = _money.CurrencyPositivePattern is 1 or 3;
        _money.CurrencyPositivePattern = after ? 3 : 2;
        _money.CurrencyNegativePattern = after ? 8 : 9;
    }

    /// <summary>The format with the default settings (EUR, en-GB): what <see cref="Current"/> is outside a request.</summary>
    public static HospitalFormat Default { get; } = new(HospitalSettings.Default);

    /// <summary>The format of the request being served (set by the node's localisation middleware), else <see cref="Default"/>.</summary>
    public static HospitalFormat Current
    {
        get => CurrentRequest.Value ?? Default;
        set => CurrentRequest.Value = value;
    }

    /// <summary>The hospital's culture (date and number format, and the UI language: there is no per-user choice).</summary>
    public CultureInfo Culture { get; }

    /// <summary>The ISO 4217 code amounts are in.</summary>
    public string Currency { get; }

    /// <summary>An amount with its currency code, two decimals, in the hospital's number format.</summary>
    public string Money(decimal amount) => amount.ToString("C", _money);
}
