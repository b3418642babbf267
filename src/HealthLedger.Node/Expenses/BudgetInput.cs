using System.Globalization;
using HealthLedger.Node.Records;
using ExpenseRules = HealthLedger.Core.Records.Expenses;

namespace HealthLedger.Node.Expenses;

/// <summary>A budget form / request body: a department's budget for one month.</summary>
public sealed class BudgetInput
{
    /// <summary>The month, yyyy-MM (2000-01 to 9999-12).</summary>
    public string? Month { get; set; }

    /// <summary>The department (2 to 60 characters: letters, digits, spaces and &amp; . , ' ( ) -).</summary>
    public string? Department { get; set; }

    /// <summary>The budget: 0 to 100,000,000.00, at most two decimals.</summary>
    public decimal? Amount { get; set; }

    /// <summary>Checks the fields: (month as yyyymm, department, amount), or the field errors.</summary>
    public (int Month, string Department, decimal Amount, FieldErrors Errors) Validate()
    {
        var e = new FieldErrors();
        var month = ParseMonth(Month);
        if (month is null) e.Add("month", "The month is required, as yyyy-MM (2000-01 or later).");
        var department = FieldRules.Text(e, "department", Department, 60, true, "The department");
        if (!e.Has("department") && !ExpenseRules.IsDepartment(department)) e.Add("department", "The department must be " + ExpenseRules.DepartmentRule + ".");
        ExpenseInput.CheckAmount(e, "amount", Amount, positive: false);
        return (month ?? 0, department, Amount ?? 0, e);
    }

    /// <summary>yyyy-MM as yyyymm, or null when it is not a month from 2000-01.</summary>
    public static int? ParseMonth(string? text) =>
        DateOnly.TryParseExact((text ?? "").Trim() + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && ExpenseRules.IsMonth(d.Year * 100 + d.Month)
            ? d.Year * 100 + d.Month
            : null;

    /// <summary>
    /// The month a page shows for its <c>?month=</c> value: the month named, or <paramref name="thisMonth"/> when none is
    /// named — or, with a message saying so, when the value is not a month (the page never shows another month silently).
    /// </summary>
    public static (int Month, string? Problem) ForQuery(string? text, int thisMonth) =>
        ParseMonth(text) is { } month ? (month, null)
        : string.IsNullOrWhiteSpace(text) ? (thisMonth, null)
        : (thisMonth, $"\"{(text.Length > 20 ? text[..20] + "…" : text)}\" is not a month (yyyy-MM, 2000-01 or later): {FormatMonth(thisMonth)} is shown.");

    /// <summary>yyyymm as yyyy-MM.</summary>
    public static string FormatMonth(int yyyymm) => string.Create(CultureInfo.InvariantCulture, $"{yyyymm / 100:D4}-{yyyymm % 100:D2}");
}
