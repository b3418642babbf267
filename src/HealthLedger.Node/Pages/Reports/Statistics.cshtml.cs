using HealthLedger.Core.Model;
using HealthLedger.Node.Expenses;
using HealthLedger.Node.Records;
using HealthLedger.Node.Statistics;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Mvc;

namespace HealthLedger.Node.Pages.Reports;

public sealed class StatisticsModel(StatisticsService reports, ExpenseService expenses) : HospitalPage
{
    /// <summary>The income-and-expenditure month, yyyy-MM (default this month).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Month { get; set; }

    /// <summary>The income-and-expenditure department filter (empty: all).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Department { get; set; }

    public IncomeExpenditureReport? IncomeExpenditure { get; private set; }

    /// <summary>True for accountants and auditors, who see only the income-and-expenditure report.</summary>
    public bool FinanceOnly => Me.Role is Role.Accountant or Role.Auditor;

    [BindProperty(SupportsGet = true)]
    public string Period { get; set; } = "month";

    public IReadOnlyList<StatisticsService.ConditionCount> Conditions { get; private set; } = [];
    public IReadOnlyList<StatisticsService.AdmissionsRow> Admissions { get; private set; } = [];
    public IReadOnlyList<StatisticsService.WardOccupancy> Occupancy { get; private set; } = [];
    public IReadOnlyList<StatisticsService.RevenueRow> Revenue { get; private set; } = [];
    public IReadOnlyList<StatisticsService.Outstanding> Outstanding { get; private set; } = [];

    public IActionResult OnGet()
    {
        var (month, problem) = BudgetInput.ForQuery(Month, expenses.ThisMonth);
        if (Period is not ("day" or "week" or "month"))
        {
            problem ??= Period is { Length: > 0 } ? "The period is day, week or month: month is shown." : null;
            Period = "month";
        }
        FormError = problem;
        Month = BudgetInput.FormatMonth(month);
        var incomeExpenditure = expenses.Report(Me, month, Department);
        if (!incomeExpenditure.IsOk) return Failure(incomeExpenditure, Page);
        IncomeExpenditure = incomeExpenditure.Value;
        if (FinanceOnly) return Page();
        var conditions = reports.PatientsByCondition(Me);
        if (!conditions.IsOk) return Failure(conditions, Page);
        Conditions = conditions.Value!;
        Admissions = reports.AdmissionsAndDischarges(Me, Period).Value!;
        Occupancy = reports.BedOccupancy(Me).Value!;
        Revenue = reports.Revenue(Me, Period).Value!;
        Outstanding = reports.OutstandingBalances(Me).Value!;
        return Page();
    }

    /// <summary>The income-and-expenditure chart (SVG drawn on the server), shown as the page's image.</summary>
    public IActionResult OnGetChart()
    {
        if (BudgetInput.ForQuery(Month, expenses.ThisMonth) is (_, { } problem)) return QueryProblem("month", problem);
        var outcome = expenses.Report(Me, BudgetInput.ForQuery(Month, expenses.ThisMonth).Month, Department);
        if (!outcome.IsOk) return Failure(outcome, Page);
        return Content(ExpenseChart.Svg(outcome.Value!), "image/svg+xml");
    }

    /// <summary>The income-and-expenditure report as CSV: the same rows and numbers as the page's table.</summary>
    public IActionResult OnGetIncomeExpenditureCsv()
    {
        if (BudgetInput.ForQuery(Month, expenses.ThisMonth) is (_, { } problem)) return QueryProblem("month", problem);
        var outcome = expenses.Report(Me, BudgetInput.ForQuery(Month, expenses.ThisMonth).Month, Department);
        if (!outcome.IsOk) return Failure(outcome, Page);
        return File(System.Text.Encoding.UTF8.GetBytes(Csv.Write(IncomeExpenditureReport.CsvHeader, outcome.Value!.CsvRows())), "text/csv",
            $"income-expenditure-{outcome.Value.Month}.csv");
    }

    /// <summary>The reports a CSV download names (<c>?report=</c>).</summary>
    public static IReadOnlyList<string> CsvReports { get; } = ["conditions", "admissions", "occupancy", "revenue", "outstanding"];

    /// <summary>One report as CSV (<c>?report=</c> one of <see cref="CsvReports"/>); a report or period it does not know is a 400 problem naming it.</summary>
    public IActionResult OnGetCsv(string? report)
    {
        if (Period is { Length: > 0 } and not ("day" or "week" or "month")) return QueryProblem("period", "The period is day, week or month.");
        if (QueryValues.CheckChoice(new FieldErrors(), "report", report, CsvReports).Has("report") || string.IsNullOrWhiteSpace(report))
        {
            return QueryProblem("report", $"The report is one of: {string.Join(", ", CsvReports)}.");
        }
        report = report.Trim().ToLowerInvariant();
        Period = Period is { Length: > 0 } ? Period : "month";
        var (name, csv) = report switch
        {
            "admissions" => CsvOf(reports.AdmissionsAndDischarges(Me, Period), ["periodStart", "admissions", "discharges"], r => [r.PeriodStart, r.Admissions, r.Discharges]),
            "occupancy" => CsvOf(reports.BedOccupancy(Me), ["ward", "occupied", "beds"], r => [r.Ward, r.Occupied, string.Join(' ', r.Beds.Select(b => b.Bed))]),
            "revenue" => CsvOf(reports.Revenue(Me, Period), ["periodStart", "charges", "payments"], r => [r.PeriodStart, r.Charges, r.Payments]),
            "outstanding" => CsvOf(reports.OutstandingBalances(Me), ["patientId", "mrn", "balance"], r => [r.PatientId, r.Mrn, r.Balance]),
            _ => CsvOf(reports.PatientsByCondition(Me), ["condition", "patients"], r => [r.Condition, r.Patients]),
        };
        if (csv is null) return Denied("Only admins see the reports.");
        return File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", $"{name}.csv");

        (string, string?) CsvOf<T>(Outcome<IReadOnlyList<T>> o, string[] header, Func<T, object?[]> row) =>
            (report, o.IsOk ? Csv.Write(header, o.Value!.Select(row)) : null);
    }
}
