using HealthLedger.Node.Records;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Statistics;

/// <summary>/api/v1/statistics: the admin reports (patients by condition, admissions, occupancy, revenue, balances) as JSON, or CSV with <c>?format=csv</c>.</summary>
public static class StatisticsApi
{
    /// <summary>Maps the statistics endpoints.</summary>
    public static IEndpointRouteBuilder MapStatisticsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/statistics").WithTags("Statistics").RequireSession();
        group.MapGet("/conditions", Conditions).WithName("ReportConditions").WithSummary("Patients by disease/condition");
        group.MapGet("/admissions", Admissions).WithName("ReportAdmissions").WithSummary("Admissions and discharges per day, week or month").ProducesValidationProblem();
        group.MapGet("/occupancy", Occupancy).WithName("ReportOccupancy").WithSummary("Beds occupied now, per ward");
        group.MapGet("/revenue", Revenue).WithName("ReportRevenue").WithSummary("Charges and payments per day, week or month").ProducesValidationProblem();
        group.MapGet("/outstanding", Outstanding).WithName("ReportOutstanding").WithSummary("Patients with an outstanding balance");
        return app;
    }

    private static Results<Ok<IReadOnlyList<StatisticsService.ConditionCount>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult> Conditions(
        HttpContext http, StatisticsService statistics, string? format) =>
        Report(statistics.PatientsByCondition(http.Session()), format, "patients-by-condition", ["condition", "patients"], r => [r.Condition, r.Patients]);

    private static Results<Ok<IReadOnlyList<StatisticsService.AdmissionsRow>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult> Admissions(
        HttpContext http, StatisticsService statistics, string? period, string? format) =>
        PeriodError(period) ?? Report(statistics.AdmissionsAndDischarges(http.Session(), period), format, "admissions", ["periodStart", "admissions", "discharges"], r => [r.PeriodStart, r.Admissions, r.Discharges]);

    private static Results<Ok<IReadOnlyList<StatisticsService.WardOccupancy>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult> Occupancy(
        HttpContext http, StatisticsService statistics, string? format) =>
        Report(statistics.BedOccupancy(http.Session()), format, "bed-occupancy", ["ward", "occupied", "beds"], r => [r.Ward, r.Occupied, string.Join(' ', r.Beds.Select(b => b.Bed))]);

    private static Results<Ok<IReadOnlyList<StatisticsService.RevenueRow>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult> Revenue(
        HttpContext http, StatisticsService statistics, string? period, string? format) =>
        PeriodError(period) ?? Report(statistics.Revenue(http.Session(), period), format, "revenue", ["periodStart", "charges", "payments"], r => [r.PeriodStart, r.Charges, r.Payments]);

    private static Results<Ok<IReadOnlyList<StatisticsService.Outstanding>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult> Outstanding(
        HttpContext http, StatisticsService statistics, string? format) =>
        Report(statistics.OutstandingBalances(http.Session()), format, "outstanding-balances", ["patientId", "mrn", "balance"], r => [r.PatientId, r.Mrn, r.Balance]);

    private static ValidationProblem? PeriodError(string? period) =>
        period is null or "day" or "week" or "month" ? null : ApiResults.Invalid("period", "Period must be day, week or month.");

    private static Results<Ok<IReadOnlyList<T>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult> Report<T>(Outcome<IReadOnlyList<T>> outcome, string? format,
        string name, string[] header, Func<T, object?[]> row)
    {
        if (Csv.BadFormat(format) is { } badFormat) return badFormat;
        if (outcome.Kind == OutcomeKind.Invalid) return ApiResults.Invalid(outcome);
        if (!outcome.IsOk) return ApiResults.Problem(outcome);
        if (!string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)) return TypedResults.Ok(outcome.Value!);
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(Csv.Write(header, outcome.Value!.Select(row))), "text/csv", $"{name}.csv");
    }
}
