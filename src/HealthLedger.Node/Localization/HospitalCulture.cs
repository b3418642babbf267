using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Localization;

namespace HealthLedger.Node.Localization;

/// <summary>
/// The request's cultures: the UI culture (which <c>UiText.&lt;culture&gt;.resx</c> the pages read their text from) is the
/// hospital's <see cref="Configuration.HospitalSettings.Culture"/>; the formatting culture stays the invariant one, so numbers
/// and dates written without a format (form values, model binding of posted decimals, CSV, JSON) never change with the
/// hospital's language or the server's LANG. Amounts and dates for people go through <see cref="HospitalFormat"/> and
/// <see cref="Records.HospitalTime"/>, which use the hospital's culture explicitly.
/// </summary>
public static class HospitalCulture
{
    /// <summary>The UI languages the node ships text for (English is the text in the pages; others are .resx files).</summary>
    public static readonly IReadOnlyList<string> Languages = ["en-GB", "de-DE"];

    /// <summary>Sets every request's UI culture to the hospital's and <see cref="HospitalFormat.Current"/> to <paramref name="format"/>.</summary>
    public static IApplicationBuilder UseHospitalCulture(this IApplicationBuilder app, HospitalFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var ui = Languages.Select(CultureInfo.GetCultureInfo).Append(format.Culture).Distinct().ToList();
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(CultureInfo.InvariantCulture, format.Culture),
            SupportedCultures = [CultureInfo.InvariantCulture],
            SupportedUICultures = ui,
            RequestCultureProviders = [],
        });
        return app.Use(async (context, next) =>
        {
            HospitalFormat.Current = format;
            await next(context);
        });
    }
}
