using HealthLedger.Core.Records;
using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Expenses;

/// <summary>/api/v1/expenses/*, /api/v1/budgets and /api/v1/statistics/income-expenditure (JSON, CSV, SVG chart).</summary>
public static class ExpensesApi
{
    /// <summary>Maps the expense endpoints.</summary>
    public static IEndpointRouteBuilder MapExpensesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/expenses").WithTags("Expenses").RequireSession();
        group.MapGet("", List)
            .WithName("ListExpenses").WithSummary("The organisation's expenses, newest first; ?month=yyyy-MM, ?department, ?status=approved|pending|rejected (accountants, admins, auditors)")
            .ProducesValidationProblem();
        group.MapPost("", Record)
            .WithName("RecordExpense").WithSummary("Record an expense: date, category, department, amount, paymentMethod, vendor, description, invoice {fileName, contentBase64} (accountants, admins); above the threshold it awaits approval")
            .ProducesValidationProblem();
        group.MapGet("/policy", GetPolicy).WithName("GetExpensePolicy").WithSummary("The approval threshold (accountants, admins, auditors)");
        group.MapPut("/policy", SetPolicy).WithName("SetExpensePolicy").WithSummary("Set the approval threshold: threshold (admins)").ProducesValidationProblem();
        group.MapGet("/{expenseId}", Get).WithName("GetExpense").WithSummary("One expense (accountants, admins, auditors)").ProducesProblem(404);
        group.MapGet("/{expenseId}/invoice", Invoice)
            .WithName("GetExpenseInvoice").WithSummary("The invoice file, checked against its SHA-256 on the chain (accountants, admins, auditors)")
            .Produces(200, contentType: "application/pdf", additionalContentTypes: ["image/png", "image/jpeg"]).ProducesProblem(404);
        group.MapPost("/{expenseId}/approval", Approve)
            .WithName("ApproveExpense").WithSummary("Approve an expense awaiting approval (admins other than the recorder: 422 for the recorder, 409 when not pending)")
            .ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        group.MapPost("/{expenseId}/rejection", Reject)
            .WithName("RejectExpense").WithSummary("Reject an expense awaiting approval (admins other than the recorder)")
            .ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);

        var budgets = app.MapGroup("/api/v1/budgets").WithTags("Expenses").RequireSession();
        budgets.MapGet("", ListBudgets).WithName("ListBudgets").WithSummary("Budgets of ?month=yyyy-MM (default this month) per department (accountants, admins, auditors)").ProducesValidationProblem();
        budgets.MapPut("", SetBudget).WithName("SetBudget").WithSummary("Set a department's budget: month (yyyy-MM), department, amount (accountants, admins)").ProducesValidationProblem();

        var report = app.MapGroup("/api/v1/statistics/income-expenditure").WithTags("Statistics").RequireSession();
        report.MapGet("", Report)
            .WithName("ReportIncomeExpenditure").WithSummary("Revenue vs approved expenses vs budget of ?month=yyyy-MM per department (?department); ?format=csv (accountants, admins, auditors)")
            .ProducesValidationProblem();
        report.MapGet("/chart.svg", Chart).WithName("ChartIncomeExpenditure").WithSummary("The report's chart as SVG")
            .Produces(200, contentType: "image/svg+xml").ProducesValidationProblem();
        return app;
    }

    private static Results<Ok<List<ExpenseResponse>>, ValidationProblem, ProblemHttpResult> List(HttpContext http, ExpenseService service, string? month = null, string? department = null,
        string? status = null)
    {
        int? m = null;
        if (!string.IsNullOrWhiteSpace(month))
        {
            if (BudgetInput.ParseMonth(month) is not { } parsed) return ApiResults.Invalid("month", "The month is yyyy-MM (2000-01 or later).");
            m = parsed;
        }
        ExpenseStatus? s = status?.Trim().ToLowerInvariant() switch
        {
            null or "" => null,
            "approved" => ExpenseStatus.Approved,
            "pending" => ExpenseStatus.PendingApproval,
            "rejected" => ExpenseStatus.Rejected,
            _ => (ExpenseStatus)0,
        };
        if (s == 0) return ApiResults.Invalid("status", "The status is approved, pending or rejected.");
        return ApiResults.Ok(service.List(http.Session(), m, department, s), list => list.Select(ExpenseResponse.From).ToList());
    }

    private static async Task<Results<Created<ExpenseResponse>, ValidationProblem, ProblemHttpResult>> Record(ExpenseInput input, HttpContext http, ExpenseService service, CancellationToken ct) =>
        ApiResults.Created(await service.RecordAsync(http.Session(), input, ct), x => $"/api/v1/expenses/{x.Id}", ExpenseResponse.From);

    private static Results<Ok<ExpenseResponse>, ProblemHttpResult> Get(string expenseId, HttpContext http, ExpenseService service) =>
        ApiResults.Read(service.Get(http.Session(), expenseId), ExpenseResponse.From);

    private static Results<FileContentHttpResult, ProblemHttpResult> Invoice(string expenseId, HttpContext http, ExpenseService service)
    {
        var outcome = service.Invoice(http.Session(), expenseId);
        if (!outcome.IsOk) return ApiResults.Problem(outcome);
        var (content, name, type) = outcome.Value;
        return TypedResults.File(content, type, name);
    }

    private static async Task<Results<Ok<ExpenseResponse>, ValidationProblem, ProblemHttpResult>> Approve(string expenseId, HttpContext http, ExpenseService service, CancellationToken ct) =>
        ApiResults.Ok(await service.ReviewAsync(http.Session(), expenseId, approve: true, ct), ExpenseResponse.From);

    private static async Task<Results<Ok<ExpenseResponse>, ValidationProblem, ProblemHttpResult>> Reject(string expenseId, HttpContext http, ExpenseService service, CancellationToken ct) =>
        ApiResults.Ok(await service.ReviewAsync(http.Session(), expenseId, approve: false, ct), ExpenseResponse.From);

    private static Results<Ok<ExpensePolicyResponse>, ValidationProblem, ProblemHttpResult> GetPolicy(HttpContext http, ExpenseService service) =>
        ApiResults.Ok(service.Threshold(http.Session()), t => new ExpensePolicyResponse(t));

    private static async Task<Results<Ok<ExpensePolicyResponse>, ValidationProblem, ProblemHttpResult>> SetPolicy(ExpensePolicyInput input, HttpContext http, ExpenseService service,
        CancellationToken ct) =>
        ApiResults.Ok(await service.SetThresholdAsync(http.Session(), input, ct), t => new ExpensePolicyResponse(t));

    private static Results<Ok<List<BudgetResponse>>, ValidationProblem, ProblemHttpResult> ListBudgets(HttpContext http, ExpenseService service, string? month = null)
    {
        if (MonthOf(service, month) is not { } m) return ApiResults.Invalid("month", "The month is yyyy-MM (2000-01 or later).");
        return ApiResults.Ok(service.Budgets(http.Session(), m), list => list.Select(BudgetResponse.From).ToList());
    }

    private static async Task<Results<Ok<BudgetResponse>, ValidationProblem, ProblemHttpResult>> SetBudget(BudgetInput input, HttpContext http, ExpenseService service, CancellationToken ct) =>
        ApiResults.Ok(await service.SetBudgetAsync(http.Session(), input, ct), BudgetResponse.From);

    private static Results<Ok<IncomeExpenditureReport>, FileContentHttpResult, ValidationProblem, ProblemHttpResult> Report(HttpContext http, ExpenseService service,
        string? month = null, string? department = null, string? format = null)
    {
        if (Csv.BadFormat(format) is { } badFormat) return badFormat;
        if (MonthOf(service, month) is not { } m) return ApiResults.Invalid("month", "The month is yyyy-MM (2000-01 or later).");
        var outcome = service.Report(http.Session(), m, department);
        if (!outcome.IsOk) return ApiResults.Problem(outcome);
        if (!string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)) return TypedResults.Ok(outcome.Value!);
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(Csv.Write(IncomeExpenditureReport.CsvHeader, outcome.Value!.CsvRows())), "text/csv",
            $"income-expenditure-{outcome.Value.Month}.csv");
    }

    private static Results<ContentHttpResult, ValidationProblem, ProblemHttpResult> Chart(HttpContext http, ExpenseService service, string? month = null, string? department = null)
    {
        if (MonthOf(service, month) is not { } m) return ApiResults.Invalid("month", "The month is yyyy-MM (2000-01 or later).");
        var outcome = service.Report(http.Session(), m, department);
        if (!outcome.IsOk) return ApiResults.Problem(outcome);
        return TypedResults.Content(ExpenseChart.Svg(outcome.Value!), "image/svg+xml");
    }

    private static int? MonthOf(ExpenseService service, string? month) => string.IsNullOrWhiteSpace(month) ? service.ThisMonth : BudgetInput.ParseMonth(month);
}
