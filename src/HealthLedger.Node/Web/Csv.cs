using System.Globalization;
using System.Text;

namespace HealthLedger.Node.Web;

/// <summary>CSV downloads (RFC 4180), safe to open in a spreadsheet.</summary>
public static class Csv
{
    /// <summary>
    /// The one check of a list endpoint's <c>format</c> query value: absent, <c>json</c> or <c>csv</c> (any case); anything else
    /// is a 400 naming <c>format</c> (never silently JSON).
    /// </summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem? BadFormat(string? format) =>
        format is null || format.Equals("json", StringComparison.OrdinalIgnoreCase) || format.Equals("csv", StringComparison.OrdinalIgnoreCase)
            ? null
            : ApiResults.Invalid("format", "The format is json (the default) or csv.");

    /// <summary>RFC 4180 CSV.</summary>
    public static string Write(IEnumerable<string> header, IEnumerable<IEnumerable<object?>> rows)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', header.Select(Cell)).Append("\r\n");
        foreach (var row in rows) sb.AppendJoin(',', row.Select(Cell)).Append("\r\n");
        return sb.ToString();
    }

    private static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            decimal d => d.ToString("0.00", CultureInfo.InvariantCulture),
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DateTime d => d.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            DateTimeOffset d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture), // an instant: UTC, with its offset
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        // Neutralise spreadsheet formulas and quote when needed.
        if (text.Length > 0 && "=+-@".Contains(text[0]) && value is string) text = "'" + text;
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
