using HealthLedger.Node.Api;
using HealthLedger.Node.Hospital;
using HealthLedger.Node.Printing;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.Pages.Reports;

/// <summary>The web UI's file and PDF downloads (cookie sessions), sharing the API's access rules and checks.</summary>
public static class Downloads
{
    public static IEndpointRouteBuilder MapReportDownloads(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reports/{reportId}").RequireAuthorization().ExcludeFromDescription();
        group.MapGet("/file", (string reportId, HttpContext http, ReportService reports) => FileResult(reportId, http, reports));
        group.MapGet("/pdf", (string reportId, HttpContext http, ReportService reports, HospitalRecords records, OrganisationKeys organisation, TimeProvider clock) =>
        {
            if (http.UserSession() is not { } session) return Results.Redirect("/login");
            var outcome = reports.Get(session, reportId);
            if (!outcome.IsOk) return ApiResults.From(outcome, _ => Results.Ok());
            var report = outcome.Value![^1];
            return Results.File(ReportPdf.Render(report, records.Patient(report.PatientId)!, records.Doctor(report.AuthorId), organisation.Name, ReportsApi.VerifyUrl(http), clock.GetUtcNow()),
                "application/pdf", $"{report.Id}-v{report.Version}.pdf");
        });
        return app;
    }

    private static IResult FileResult(string reportId, HttpContext http, ReportService reports) =>
        http.UserSession() is { } session ? ReportsApi.FileResult(reports.File(session, reportId, null)) : Results.Redirect("/login");
}
