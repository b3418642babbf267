using HealthLedger.Node.Hospital;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Api;

/// <summary>/api/v1/statistics: the admin reports (patients by condition, admissions, occupancy, revenue, balances) as JSON, or CSV with <c>?format=csv</c>.</summary>
public static class StatisticsApi
{
    public static IEndpointRouteBuilder MapStatisticsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/statistics").WithTags("Statistics").RequireSession();

        group.MapGet("/conditions", (HttpContext http, HospitalReports reports, string? format) =>
            Report(reports.PatientsByCondition(http.Session()), format, "patients-by-condition", ["condition", "patients"], r => [r.Condition, r.Patients]))
            .WithName("ReportConditions").WithSummary("Patients by disease/condition").Produces<List<HospitalReports.ConditionCount>>();

        group.MapGet("/admissions", (HttpContext http, HospitalReports reports, string? period, string? format) =>
            PeriodError(period) ?? Report(reports.AdmissionsAndDischarges(http.Session(), period), format, "admissions", ["periodStart", "admissions", "discharges"], r => [r.PeriodStart, r.Admissions, r.Discharges]))
            .WithName("ReportAdmissions").WithSummary("Admissions and discharges per day, week or month").Produces<List<HospitalReports.AdmissionsRow>>().ProducesValidationProblem();

        group.MapGet("/occupancy", (HttpContext http, HospitalReports reports, string? format) =>
            Report(reports.BedOccupancy(http.Session()), format, "bed-occupancy", ["ward", "occupied", "beds"], r => [r.Ward, r.Occupied, string.Join(' ', r.Beds.Select(b => b.Bed))]))
            .WithName("ReportOccupancy").WithSummary("Beds occupied now, per ward").Produces<List<HospitalReports.WardOccupancy>>();

        group.MapGet("/revenue", (HttpContext http, HospitalReports reports, string? period, string? format) =>
            PeriodError(period) ?? Report(reports.Revenue(http.Session(), period), format, "revenue", ["periodStart", "charges", "payments"], r => [r.PeriodStart, r.Charges, r.Payments]))
            .WithName("ReportRevenue").WithSummary("Charges and payments per day, week or month").Produces<List<HospitalReports.RevenueRow>>().ProducesValidationProblem();

        group.MapGet("/outstanding", (HttpContext http, HospitalReports reports, string? format) =>
            Report(reports.OutstandingBalances(http.Session()), format, "outstanding-balances", ["patientId", "mrn", "balance"], r => [r.PatientId, r.Mrn, r.Balance]))
            .WithName("ReportOutstanding").WithSummary("Patients with an outstanding balance").Produces<List<HospitalReports.Outstanding>>();
        return app;
    }

    private static IResult? PeriodError(string? period) =>
        period is null or "day" or "week" or "month" ? null
            : Results.ValidationProblem(new Dictionary<string, string[]> { ["period"] = ["Period must be day, week or month."] });

    private static IResult Report<T>(Outcome<IReadOnlyList<T>> outcome, string? format, string name, string[] header, Func<T, object?[]> row) =>
        ApiResults.From(outcome, rows => string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
            ? Results.File(System.Text.Encoding.UTF8.GetBytes(HospitalReports.Csv(header, rows.Select(row))), "text/csv", $"{name}.csv")
            : Results.Ok(rows));
}
