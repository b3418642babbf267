using System.Globalization;
using HealthLedger.Node.Expenses;
using HealthLedger.Node.Security;

namespace HealthLedger.Cli.Seeding;

/// <summary>
/// A month of hospital expenses and budgets, written through the real path as the admin (who keeps the accounts with the
/// accountants): budgets for this month for the wards the demo patients stay on, expenses dated this month (one above the
/// default threshold of 1,000.00, so it is left awaiting a second admin's approval) and one last month.
/// </summary>
public sealed class ExpenseSeeder(ExpenseService expenses, UserSession admin, DateOnly today)
{
    private static readonly (string Department, decimal Budget)[] Budgets = [("A1", 6000m), ("B1", 4500m), ("ICU", 12000m), ("MAT", 5000m)];

    private static readonly (int DaysAgo, string Category, string Department, decimal Amount, string Method, string Vendor, string Description)[] Expenses =
    [
        (0, "supplies", "A1", 420.75m, "bank-transfer", "MedSupply Ltd", "Dressings and syringes"),
        (1, "pharmaceuticals", "ICU", 860.00m, "bank-transfer", "PharmaDirect", "Sedation stock"),
        (2, "maintenance", "B1", 310.00m, "card", "CityLift Services", "Bed lift service"),
        (3, "utilities", "MAT", 275.40m, "bank-transfer", "North Power Co", "Electricity share"),
        (4, "equipment", "ICU", 3850.00m, "bank-transfer", "Vital Monitors GmbH", "Patient monitor (awaits a second admin)"),
        (35, "services", "A1", 640.00m, "cheque", "CleanCare Ltd", "Deep cleaning, last month"),
    ];

    /// <summary>Sets the budgets and records the expenses; returns how many of each were written and how many writes failed.</summary>
    public async Task<(int Budgets, int Expenses, int Failures)> RunAsync(CancellationToken ct)
    {
        int budgets = 0, written = 0, failures = 0;
        var month = today.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        foreach (var (department, amount) in Budgets)
        {
            if ((await expenses.SetBudgetAsync(admin, new BudgetInput { Month = month, Department = department, Amount = amount }, ct)).IsOk) budgets++;
            else failures++;
        }
        foreach (var e in Expenses)
        {
            var date = today.AddDays(-e.DaysAgo);
            if (e.DaysAgo < 35 && date.Month != today.Month) date = today; // keep "this month" in this month early on
            var input = new ExpenseInput
            {
                Date = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Category = e.Category,
                Department = e.Department,
                Amount = e.Amount,
                PaymentMethod = e.Method,
                Vendor = e.Vendor,
                Description = e.Description,
            };
            if ((await expenses.RecordAsync(admin, input, ct)).IsOk) written++;
            else failures++;
        }
        return (budgets, written, failures);
    }
}
