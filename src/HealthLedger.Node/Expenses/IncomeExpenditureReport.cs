namespace HealthLedger.Node.Expenses;

/// <summary>
/// The income-and-expenditure report of one month (the hospital's time zone), in the hospital's currency: per department,
/// revenue (charges posted to patients' accounts while the patient stayed on the ward of that name) against approved expenses, expenses still
/// awaiting approval (not counted) and the budget; then the totals, with all charges and all payments received (payments
/// are not attributable to a department, so they are shown only without a department filter).
/// </summary>
/// <param name="Month">The month, yyyy-MM.</param>
/// <param name="Department">The department filter, or null for all.</param>
/// <param name="Rows">One row per department, by name (charges of outpatients: "(no department)").</param>
/// <param name="Total">The totals row.</param>
/// <param name="Payments">Payments received in the month (null with a department filter).</param>
public sealed record IncomeExpenditureReport(string Month, string? Department, IReadOnlyList<IncomeExpenditureRow> Rows, IncomeExpenditureRow Total, decimal? Payments)
{
    /// <summary>The CSV columns (the page's table, in order).</summary>
    public static readonly string[] CsvHeader = ["department", "revenue", "approvedExpenses", "pendingExpenses", "budget", "budgetRemaining", "net", "payments"];

    /// <summary>The CSV rows: the departments, then "Total" with the payments.</summary>
    public IEnumerable<object?[]> CsvRows() =>
        Rows.Select(r => new object?[] { r.Department, r.Revenue, r.ApprovedExpenses, r.PendingExpenses, r.Budget, r.BudgetRemaining, r.Net, null })
            .Append([Total.Department, Total.Revenue, Total.ApprovedExpenses, Total.PendingExpenses, Total.Budget, Total.BudgetRemaining, Total.Net, Payments]);
}

/// <summary>One department (or the total) of <see cref="IncomeExpenditureReport"/>.</summary>
/// <param name="Department">The department as last written.</param>
/// <param name="Revenue">Charges of the month for the department.</param>
/// <param name="ApprovedExpenses">Approved expenses dated in the month.</param>
/// <param name="PendingExpenses">Expenses awaiting approval dated in the month (not in <see cref="Net"/>).</param>
/// <param name="Budget">The month's budget, or null when none was set.</param>
/// <param name="BudgetRemaining">Budget minus approved expenses, or null without a budget.</param>
/// <param name="Net">Revenue minus approved expenses.</param>
public sealed record IncomeExpenditureRow(string Department, decimal Revenue, decimal ApprovedExpenses, decimal PendingExpenses, decimal? Budget, decimal? BudgetRemaining, decimal Net);
