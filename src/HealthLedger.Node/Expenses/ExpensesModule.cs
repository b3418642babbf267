using HealthLedger.Node.Records;
using Microsoft.Extensions.DependencyInjection;

namespace HealthLedger.Node.Expenses;

/// <summary>The expenses module: expenses with second-admin approval above a threshold, budgets, the income-and-expenditure report and its chart.</summary>
public static class ExpensesModule
{
    /// <summary>Registers the module's services and its two record kinds.</summary>
    public static IServiceCollection AddExpenses(this IServiceCollection services) => services
        .AddRecordKind<ExpenseStore>()
        .AddRecordKind<BudgetStore>()
        .AddSingleton<ExpenseService>();
}
