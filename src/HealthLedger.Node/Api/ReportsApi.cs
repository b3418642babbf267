using System.Text.Json;
using HealthLedger.Node.Hospital;
using HealthLedger.Node.Printing;
using HealthLedger.Node.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace HealthLedger.Node.Api;

/// <summary>Medical reports, their files and PDFs, authenticity checks: /api/v1/patients/{id}/reports, /api/v1/reports, /api/v1/verify.</summary>
public static class ReportsApi
{
    public sealed record ReportCreatedResponse(string ReportId, int Version, string TransactionId, ulong Height, string Sha256);

    public sealed record ReportResponse(string Id, string PatientId, int Version, string Type, string AuthorId, string Title, string Summary,
        IReadOnlyList<LabResult> LabResults, PrescriptionDetails? Prescription, AttachedFile? File, string AmendmentReason,
        string ContentSha256, string VerificationCode, ProofResponse Proof)
    {
        public static ReportResponse From(ReportView r) => new(r.Id, r.PatientId, r.Version, ReportInput.TypeName(r.Type), r.AuthorId, r.Content.Title,
            r.Content.Summary, r.Content.LabResults, r.Content.Prescription, r.Content.File, r.Content.AmendmentReason, r.State.ContentHash.ToString(),
            r.VerificationCode, ProofResponse.From(r.Proof));
    }

    public sealed record ReportHistoryResponse(ReportResponse Latest, IReadOnlyList<ReportResponse> Versions);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapMedicalReportsApi(this IEndpointRouteBuilder app)
    {
        var patients = app.MapGroup("/api/v1/patients/{patientId}/reports").WithTags("Medical reports").RequireSession();
        patients.MapPost("/", async (string patientId, HttpContext http, ReportService reports, CancellationToken ct) =>
                await Upload(http, metadata => reports.AddAsync(http.Session(), patientId, metadata.Input, metadata.File, null, ct)))
            .WithName("AddReport").DisableAntiforgery().Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Add a report (doctors): multipart with a 'metadata' JSON part (type, title, summary, labResults, drug…) and an optional 'file' (PDF, PNG, JPEG, DICOM, text; 50 MB)")
            .Produces<ReportCreatedResponse>(201).ProducesValidationProblem().ProducesProblem(404);
        patients.MapGet("/", (string patientId, HttpContext http, ReportService reports) =>
                ApiResults.From(reports.ForPatient(http.Session(), patientId), list => Results.Ok(list.Select(ReportResponse.From).ToList())))
            .WithName("ListReports").WithSummary("A patient's reports (latest versions)").Produces<List<ReportResponse>>().ProducesProblem(404);

        var group = app.MapGroup("/api/v1/reports/{reportId}").WithTags("Medical reports").RequireSession();
        group.MapGet("/", (string reportId, HttpContext http, ReportService reports) =>
                ApiResults.From(reports.Get(http.Session(), reportId), v => Results.Ok(new ReportHistoryResponse(ReportResponse.From(v[^1]), v.Select(ReportResponse.From).ToList()))))
            .WithName("GetReport").WithSummary("A report: its latest version and its whole history").Produces<ReportHistoryResponse>().ProducesProblem(404);
        group.MapPost("/amendments", async (string reportId, HttpContext http, ReportService reports, HospitalRecords records, CancellationToken ct) =>
            {
                var patientId = records.ReportVersions(reportId).FirstOrDefault()?.PatientId;
                if (patientId is null) return Results.Problem(statusCode: 404, title: "Not found", detail: $"Report '{reportId}' does not exist.");
                return await Upload(http, metadata => reports.AddAsync(http.Session(), patientId, metadata.Input, metadata.File, reportId, ct));
            })
            .WithName("AmendReport").DisableAntiforgery().Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Amend a report (doctors): a new version linked to the previous ones; 'metadata' needs an amendmentReason")
            .Produces<ReportCreatedResponse>(201).ProducesValidationProblem().ProducesProblem(404);
        group.MapGet("/file", (string reportId, int? version, HttpContext http, ReportService reports) => FileResult(reports.File(http.Session(), reportId, version)))
            .WithName("GetReportFile").WithSummary("Download a report's file (decrypted after its stored bytes are checked against the chain)").ProducesProblem(404);
        group.MapGet("/pdf", (string reportId, int? version, HttpContext http, ReportService reports, HospitalRecords records, OrganisationKeys organisation, TimeProvider clock) =>
            {
                var outcome = reports.Get(http.Session(), reportId);
                if (!outcome.IsOk) return ApiResults.From(outcome, _ => Results.Ok());
                var report = version is { } v ? outcome.Value!.FirstOrDefault(r => r.Version == v) : outcome.Value![^1];
                if (report is null) return Results.Problem(statusCode: 404, title: "Not found", detail: $"Report '{reportId}' has no version {version}.");
                var pdf = ReportPdf.Render(report, records.Patient(report.PatientId)!, records.Doctor(report.AuthorId), organisation.Name, VerifyUrl(http), clock.GetUtcNow());
                return Results.File(pdf, "application/pdf", $"{report.Id}-v{report.Version}.pdf");
            })
            .WithName("GetReportPdf").WithSummary("The printable patient report with its verification code and QR code").ProducesProblem(404);
        group.MapGet("/verify", async (string reportId, int? version, HttpContext http, ReportService reports, CancellationToken ct) =>
                ApiResults.From(await reports.VerifyAsync(http.Session(), reportId, version, ct), Results.Ok))
            .WithName("VerifyReport").WithSummary("Authenticity: who signed it, in which block, when, and whether it is unchanged").Produces<ReportCheck>().ProducesProblem(404);

        var verify = app.MapGroup("/api/v1/verify").WithTags("Verification");
        verify.MapPost("/file", async (HttpContext http, ReportService reports, CancellationToken ct) =>
            {
                // Streamed: the uploaded copy is hashed as it arrives, never stored.
                if (Boundary(http.Request) is not { } boundary) return Results.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["Send multipart/form-data with a 'file' part."] });
                var reader = new MultipartReader(boundary, http.Request.Body);
                for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
                {
                    if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var d) && d.Name.Value?.Trim('"') == "file")
                    {
                        return Results.Ok(await reports.MatchFileAsync(section.Body, ct));
                    }
                }
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["The 'file' part is required."] });
            })
            .RequireAuthorization(p => p.AddAuthenticationSchemes(SessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .DisableAntiforgery().WithName("VerifyFile").WithSummary("Upload any file: which report and version it is, or that it matches none").Produces<FileMatch>();
        verify.MapGet("/{code}", async (string code, ReportService reports, CancellationToken ct) =>
                await reports.VerifyCodeAsync(code, ct) is { } check
                    ? Results.Ok(check)
                    : Results.Problem(statusCode: 404, title: "Unknown code", detail: "No report version has this verification code."))
            .WithName("VerifyCode").WithSummary("Check a printed verification code (no sign-in; reveals no patient data)").Produces<ReportCheck>().ProducesProblem(404);
        return app;
    }

    /// <summary>A report file as a streamed download, or the outcome's problem.</summary>
    public static IResult FileResult(Outcome<(ReportView Report, Func<Stream, CancellationToken, Task<string?>> WriteTo)> outcome)
    {
        if (!outcome.IsOk) return ApiResults.From(outcome, _ => Results.Ok());
        var (report, writeTo) = outcome.Value;
        return new StreamedFile(report.Content.File!.ContentType, report.Content.File.Name, writeTo);
    }

    /// <summary>The public verification page's address for QR codes.</summary>
    public static string VerifyUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}/verify";

    private sealed record Metadata(ReportInput Input, UploadedFile? File);

    /// <summary>
    /// Reads a multipart upload section by section, never buffering the file: the 'metadata' part (JSON) must come first,
    /// then the optional 'file' part is streamed straight into the encrypting document store.
    /// </summary>
    private static async Task<IResult> Upload(HttpContext http, Func<Metadata, Task<Outcome<WriteResult>>> add)
    {
        if (Boundary(http.Request) is not { } boundary)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["metadata"] = ["Send multipart/form-data with a 'metadata' JSON part and an optional 'file'."] });
        }
        var reader = new MultipartReader(boundary, http.Request.Body);
        ReportInput? input = null;
        Outcome<WriteResult>? outcome = null;
        try
        {
            for (var section = await reader.ReadNextSectionAsync(http.RequestAborted); section is not null; section = await reader.ReadNextSectionAsync(http.RequestAborted))
            {
                var disposition = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var d) ? d : null;
                var name = disposition?.Name.Value?.Trim('"');
                if (name == "metadata" && outcome is null)
                {
                    using var text = new StreamReader(section.Body);
                    var json = await text.ReadToEndAsync(http.RequestAborted);
                    try
                    {
                        input = JsonSerializer.Deserialize<ReportInput>(json.Length > 0 ? json : "null", Json);
                    }
                    catch (JsonException e)
                    {
                        return Results.ValidationProblem(new Dictionary<string, string[]> { ["metadata"] = [$"Not valid JSON: {e.Message}"] });
                    }
                }
                else if (name == "file" && outcome is null)
                {
                    if (input is null) return Results.ValidationProblem(new Dictionary<string, string[]> { ["metadata"] = ["The 'metadata' part must come before the 'file' part."] });
                    var fileName = disposition?.FileName.Value?.Trim('"') ?? disposition?.FileNameStar.Value ?? "file";
                    outcome = await add(new Metadata(input, new UploadedFile(section.Body, fileName, section.ContentType ?? "")));
                }
            }
        }
        catch (IOException)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["The upload was interrupted; nothing was stored."] });
        }
        catch (InvalidDataException e)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [$"The upload was refused: {e.Message}"] });
        }
        if (input is null) return Results.ValidationProblem(new Dictionary<string, string[]> { ["metadata"] = ["The 'metadata' part is required."] });
        outcome ??= await add(new Metadata(input, null));
        return ApiResults.From(outcome, r =>
        {
            var report = http.RequestServices.GetService(typeof(HospitalRecords)) is HospitalRecords records ? records.ReportVersions(r.Id).LastOrDefault() : null;
            return Results.Created($"/api/v1/reports/{r.Id}", new ReportCreatedResponse(r.Id, report?.Version ?? 1, r.TransactionId, r.Height, report?.State.ContentHash.ToString() ?? ""));
        });
    }

    /// <summary>The multipart boundary of a request, or null when it is not multipart/form-data.</summary>
    internal static string? Boundary(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value is { Length: > 0 } b ? b : null
            : null;

    /// <summary>
    /// Streams a decrypted file straight to the response (never to disk). The stored bytes are checked against the chain
    /// before the first byte is written, so a failed check still gets a 409 problem; a failure later aborts the response.
    /// </summary>
    private sealed class StreamedFile(string contentType, string name, Func<Stream, CancellationToken, Task<string?>> writeTo) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var output = new HeaderOnFirstWrite(http, contentType, name);
            var error = await writeTo(output, http.RequestAborted);
            if (error is null) return;
            if (!output.Started)
            {
                await Results.Problem(statusCode: 409, title: "The file failed its check", detail: $"The report's {error}.").ExecuteAsync(http);
                return;
            }
            http.Abort();
        }
    }

    private sealed class HeaderOnFirstWrite(HttpContext http, string contentType, string name) : WriteOnlyStream
    {
        public bool Started { get; private set; }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!Started)
            {
                Started = true;
                http.Response.ContentType = contentType;
                http.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = name }.ToString();
            }
            await http.Response.Body.WriteAsync(buffer, cancellationToken);
        }
    }
}
