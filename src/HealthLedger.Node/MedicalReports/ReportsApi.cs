using System.Text.Json;
using HealthLedger.Node.Printouts;
using HealthLedger.Node.Records;
using HealthLedger.Node.Security;
using HealthLedger.Node.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace HealthLedger.Node.MedicalReports;

/// <summary>Medical reports, their files and PDFs, authenticity checks: /api/v1/patients/{id}/reports, /api/v1/reports, /api/v1/verify.</summary>
public static class ReportsApi
{
    public sealed record ReportCreatedResponse(string ReportId, int Version, string TransactionId, ulong Height, string Sha256)
    {
        public static ReportCreatedResponse From(ReportView r) => new(r.Id, r.Version, r.Proof.TxId.ToString(), r.Proof.Height, r.State.ContentHash.ToString());
    }

    public sealed record ReportResponse(string Id, string PatientId, int Version, string Type, string AuthorId, string Title, string Summary,
        IReadOnlyList<LabResult> LabResults, PrescriptionDetails? Prescription, AttachedFile? File, string AmendmentReason,
        string ContentSha256, string VerificationCode, ProofResponse Proof)
    {
        public static ReportResponse From(ReportView r) => new(r.Id, r.PatientId, r.Version, ReportInput.TypeName(r.Type), r.AuthorId, r.Content.Title,
            r.Content.Summary, r.Content.LabResults, r.Content.Prescription, r.Content.File, r.Content.AmendmentReason, r.State.ContentHash.ToString(),
            r.VerificationCode, ProofResponse.From(r.Proof));
    }

    public sealed record ReportHistoryResponse(ReportResponse Latest, IReadOnlyList<ReportResponse> Versions);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    /// <summary>Maps the report endpoints.</summary>
    public static IEndpointRouteBuilder MapMedicalReportsApi(this IEndpointRouteBuilder app)
    {
        var patients = app.MapGroup("/api/v1/patients/{patientId}/reports").WithTags("Medical reports").RequireSession();
        patients.MapPost("/", Add)
            .WithName("AddReport").WithMetadata(new DocumentUploadAttribute()).DisableAntiforgery().Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Add a report (doctors): multipart with a 'metadata' JSON part (type, title, summary, labResults, drug…) and an optional 'file' (PDF, PNG, JPEG, DICOM, text; 50 MB)")
            .ProducesProblem(404);
        patients.MapGet("/", List)
            .WithName("ListReports").WithSummary("A patient's reports (latest versions)").ProducesProblem(404);

        var group = app.MapGroup("/api/v1/reports/{reportId}").WithTags("Medical reports").RequireSession();
        group.MapGet("/", Get)
            .WithName("GetReport").WithSummary("A report: its latest version and its whole history").ProducesProblem(404);
        group.MapPost("/amendments", Amend)
            .WithName("AmendReport").WithMetadata(new DocumentUploadAttribute()).DisableAntiforgery().Accepts<IFormFile>("multipart/form-data")
            .WithSummary("Amend a report (doctors): a new version linked to the previous ones; 'metadata' needs an amendmentReason")
            .ProducesProblem(404);
        group.MapGet("/file", File)
            .WithName("GetReportFile").WithSummary("Download a report's file (decrypted after its stored bytes are checked against the chain)").ProducesProblem(404);
        group.MapGet("/pdf", Pdf).WithMetadata(new Web.WritesWhenReadAttribute())
            .WithName("GetReportPdf").WithSummary("The printable patient report with its verification code and QR code; its SHA-256 is recorded on the chain, so the downloaded file checks at /api/v1/verify/file").ProducesProblem(404);
        group.MapGet("/verify", Verify)
            .WithName("VerifyReport").WithSummary("Authenticity: who signed it, in which block, when, and whether it is unchanged").ProducesProblem(404);

        var verify = app.MapGroup("/api/v1/verify").WithTags("Verification");
        verify.MapPost("/file", VerifyFile)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(SessionAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .WithMetadata(new DocumentUploadAttribute()).DisableAntiforgery().WithName("VerifyFile").WithSummary("Upload any file: which report and version it is (when you may read that patient's reports), that it matches a report (otherwise), or that it matches none");
        verify.MapGet("/{code}", VerifyCode)
            .WithName("VerifyCode").WithSummary("Check a printed verification code (no sign-in; reveals no patient data)").ProducesProblem(404);
        return app;
    }

    private static Task<Results<Created<ReportCreatedResponse>, ValidationProblem, ProblemHttpResult>> Add(string patientId, HttpContext http, ReportService reports, CancellationToken ct) =>
        Upload(http, upload => reports.AddAsync(http.Session(), patientId, upload.Input, upload.File, null, ct));

    private static Task<Results<Created<ReportCreatedResponse>, ValidationProblem, ProblemHttpResult>> Amend(string reportId, HttpContext http, ReportService reports, CancellationToken ct) =>
        Upload(http, upload => reports.AmendAsync(http.Session(), reportId, upload.Input, upload.File, ct));

    private static Results<Ok<List<ReportResponse>>, ProblemHttpResult> List(string patientId, HttpContext http, ReportService reports) =>
        ApiResults.Read(reports.ForPatient(http.Session(), patientId), list => list.Select(ReportResponse.From).ToList());

    private static Results<Ok<ReportHistoryResponse>, ProblemHttpResult> Get(string reportId, HttpContext http, ReportService reports) =>
        ApiResults.Read(reports.Get(http.Session(), reportId), v => new ReportHistoryResponse(ReportResponse.From(v[^1]), v.Select(ReportResponse.From).ToList()));

    private static Results<StreamedFile, ProblemHttpResult> File(string reportId, int? version, HttpContext http, ReportService reports) =>
        FileResult(reports.File(http.Session(), reportId, version));

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Pdf(string reportId, int? version, HttpContext http, ReportService reports, CancellationToken ct) =>
        PdfResult(await reports.PrintAsync(http.Session(), reportId, version, VerifyUrl(http), ct));

    private static async Task<Results<Ok<ReportCheck>, ProblemHttpResult>> Verify(string reportId, int? version, HttpContext http, ReportService reports, CancellationToken ct) =>
        ApiResults.Read(await reports.VerifyAsync(http.Session(), reportId, version, ct), check => check);

    private static async Task<Results<Ok<FileMatch>, ValidationProblem>> VerifyFile(HttpContext http, ReportService reports, CancellationToken ct)
    {
        // Streamed: the uploaded copy is hashed as it arrives, never stored.
        if (MultipartTextLimit.Boundary(http.Request) is not { } boundary) return ApiResults.Invalid("file", NoBoundary(http.Request, "Send multipart/form-data with a 'file' part."));
        var reader = new MultipartReader(boundary, http.Request.Body);
        try
        {
            for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var d) && d.Name.Value?.Trim('"') == "file")
                {
                    var match = await reports.MatchFileAsync(http.Session(), section.Body, ct);
                    // One file per check: a second 'file' part is refused rather than silently ignored.
                    for (var rest = await reader.ReadNextSectionAsync(ct); rest is not null; rest = await reader.ReadNextSectionAsync(ct))
                    {
                        if (ContentDispositionHeaderValue.TryParse(rest.ContentDisposition, out var r) && r.Name.Value?.Trim('"') == "file")
                        {
                            return ApiResults.Invalid("file", "Send one 'file' part: each check is of one file.");
                        }
                    }
                    return TypedResults.Ok(match);
                }
            }
        }
        catch (Exception e) when ((e is IOException or InvalidDataException) && !IsOverCap(e))
        {
            // A truncated or malformed multipart body (the fuzzer found it once the upload was described).
            return ApiResults.Invalid("file", "The multipart body is incomplete or malformed: " + e.Message);
        }
        return ApiResults.Invalid("file", "The 'file' part is required.");
    }

    // The server's refusal of a body over the endpoint's cap (an IOException too): left to BindingProblems, a 413 problem
    // like every other capped body, not taken for an interrupted or malformed upload.
    private static bool IsOverCap(Exception e) => e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge };

    private static async Task<Results<Ok<ReportCheck>, ProblemHttpResult>> VerifyCode(string code, ReportService reports, CancellationToken ct) =>
        await reports.VerifyCodeAsync(code, ct) is { } check
            ? TypedResults.Ok(check)
            : TypedResults.Problem(statusCode: 404, title: "Unknown code", detail: "No report version has this verification code.");

    /// <summary>A report file as a streamed download, or the outcome's problem.</summary>
    public static Results<StreamedFile, ProblemHttpResult> FileResult(Outcome<(ReportView Report, Func<Stream, CancellationToken, Task<string?>> WriteTo)> outcome)
    {
        if (!outcome.IsOk) return ApiResults.Problem(outcome);
        var (report, writeTo) = outcome.Value;
        return new StreamedFile(report.Content.File!.ContentType, report.Content.File.Name, writeTo);
    }

    /// <summary>A printed report as a PDF download, or the outcome's problem.</summary>
    public static Results<FileContentHttpResult, ProblemHttpResult> PdfResult(Outcome<PrintedReport> outcome)
    {
        if (!outcome.IsOk) return ApiResults.Problem(outcome);
        return TypedResults.File(outcome.Value!.Pdf, "application/pdf", outcome.Value.FileName);
    }

    /// <summary>The public verification page's address for printouts and QR codes: the configured public URL's, else the request's own.</summary>
    public static string VerifyUrl(HttpContext http) =>
        http.RequestServices.GetService<Configuration.WebOptions>() is { } web ? web.VerifyUrl(http.Request.Scheme, http.Request.Host.ToString()) : $"{http.Request.Scheme}://{http.Request.Host}/verify";

    private sealed record UploadParts(ReportInput Input, UploadedFile? File);

    /// <summary>
    /// Reads a multipart upload section by section, never buffering the file: the 'metadata' part (JSON) must come first,
    /// then the optional 'file' part is streamed straight into the encrypting document store.
    /// </summary>
    private static async Task<Results<Created<ReportCreatedResponse>, ValidationProblem, ProblemHttpResult>> Upload(HttpContext http, Func<UploadParts, Task<Outcome<ReportView>>> add)
    {
        if (MultipartTextLimit.Boundary(http.Request) is not { } boundary) return ApiResults.Invalid("metadata", NoBoundary(http.Request, "Send multipart/form-data with a 'metadata' JSON part and an optional 'file'."));
        var reader = new MultipartReader(boundary, http.Request.Body);
        ReportInput? input = null;
        Outcome<ReportView>? outcome = null;
        try
        {
            for (var section = await reader.ReadNextSectionAsync(http.RequestAborted); section is not null; section = await reader.ReadNextSectionAsync(http.RequestAborted))
            {
                var disposition = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var d) ? d : null;
                var name = disposition?.Name.Value?.Trim('"');
                if (name == "metadata" && input is null && outcome is null)
                {
                    // Text, held to the form reader's value limit (4 MiB), not only to the body's cap (a document's size).
                    var limit = MultipartTextLimit.For(http);
                    if (await MultipartTextLimit.ReadAsync(section.Body, limit, http.RequestAborted) is not { } json)
                    {
                        return TypedResults.Problem(ErrorPages.FieldProblem(StatusCodes.Status413PayloadTooLarge, "metadata", FormLimits.TooLong(limit, "endpoint", "The 'metadata' part")));
                    }
                    try
                    {
                        input = JsonSerializer.Deserialize<ReportInput>(json.Length > 0 ? json : "null", Json);
                    }
                    catch (JsonException e)
                    {
                        // As a JSON body's error: the field named (metadata.type), no .NET type names, valid JSON of the wrong shape not called invalid.
                        var (field, message) = Web.BindingProblems.DescribeJson(e);
                        return ApiResults.Invalid(field == "body" ? "metadata" : "metadata." + field, message.Replace("The body", "The 'metadata' part", StringComparison.Ordinal));
                    }
                    if (NullElements.Find(input) is { IsEmpty: false } nulls) return TypedResults.ValidationProblem(nulls.ToDictionary(), detail: "Some fields need attention.");
                }
                else if (name == "metadata")
                {
                    return ApiResults.Invalid("metadata", "Send one 'metadata' part.");
                }
                else if (name == "file" && outcome is null)
                {
                    if (input is null) return ApiResults.Invalid("metadata", "The 'metadata' part must come before the 'file' part.");
                    var fileName = disposition?.FileName.Value?.Trim('"') ?? disposition?.FileNameStar.Value ?? "file";
                    // The rest of the body is read after the file is stored and before anything is signed: a second 'file' or
                    // 'metadata' part refuses the upload and nothing is written.
                    outcome = await add(new UploadParts(input, new UploadedFile(section.Body, fileName, section.ContentType ?? "", () => OnlyPartAsync(reader, http.RequestAborted))));
                }
            }
        }
        catch (IOException e) when (!IsOverCap(e))
        {
            return ApiResults.Invalid("body", "The multipart body ended before it was complete (the upload was interrupted, or its boundary never appears): nothing was stored.");
        }
        catch (InvalidDataException e)
        {
            return ApiResults.Invalid("file", $"The upload was refused: {e.Message}");
        }
        if (input is null) return ApiResults.Invalid("metadata", "The 'metadata' part is required.");
        outcome ??= await add(new UploadParts(input, null));
        return ApiResults.Created(outcome, r => $"/api/v1/reports/{r.Id}", ReportCreatedResponse.From);
    }

    /// <summary>Reads what follows the file part: null when no further 'file' or 'metadata' part comes, else why the upload is refused.</summary>
    private static async Task<string?> OnlyPartAsync(MultipartReader reader, CancellationToken ct)
    {
        for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
        {
            var name = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var d) ? d.Name.Value?.Trim('"') : null;
            if (name is "file" or "metadata") return $"Send one '{name}' part: a report has one metadata part and at most one file.";
        }
        return null;
    }

    // What to tell a client whose body has no usable multipart boundary: multipart sent without one, or not multipart at all.
    private static string NoBoundary(HttpRequest request, string otherwise) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? "The multipart/form-data Content-Type names no boundary (boundary=…): nothing was stored."
            : otherwise;
}
