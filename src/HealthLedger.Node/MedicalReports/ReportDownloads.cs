using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HealthLedger.Node.MedicalReports;

/// <summary>The web UI's file and PDF downloads (cookie sessions), sharing the API's access rules, checks and printout.</summary>
public static class ReportDownloads
{
    /// <summary>Maps /reports/{id}/file and /reports/{id}/pdf (the latest version).</summary>
    public static IEndpointRouteBuilder MapReportDownloads(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reports/{reportId}").RequireAuthorization().ExcludeFromDescription();
        group.MapGet("/file", File);
        group.MapGet("/pdf", Pdf).WithMetadata(new Web.WritesWhenReadAttribute());
        return app;
    }

    private static IResult File(string reportId, HttpContext http, ReportService reports) =>
        http.UserSession() is { } session ? ReportsApi.FileResult(reports.File(session, reportId, null)) : Results.Redirect("/login");

    private static async Task<IResult> Pdf(string reportId, HttpContext http, ReportService reports, CancellationToken ct) =>
        http.UserSession() is { } session ? ReportsApi.PdfResult(await reports.PrintAsync(session, reportId, null, ReportsApi.VerifyUrl(http), ct)) : Results.Redirect("/login");
}
